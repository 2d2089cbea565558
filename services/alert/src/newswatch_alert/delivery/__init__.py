"""Delivery: channels, the outbox and its worker, retries, rate limits, digests, webhook/Slack/e-mail.
May import: common."""
