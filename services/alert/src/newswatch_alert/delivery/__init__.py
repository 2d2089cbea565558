"""Delivery: channels, outbox and worker, retries, rate limits, digests, dead letters, e-mail consent.
May import: common."""
