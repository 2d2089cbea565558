"""When to poll a feed next.

A healthy feed is polled every ``interval_s`` with ±10 % jitter, so feeds added together drift
apart instead of hitting their servers (and our broker) in lock-step. A failing feed backs off
exponentially — 2×, 4×, 8×… the interval — up to ``max_backoff_s``; a Retry-After from the server is
honoured when it asks for longer.
"""

from __future__ import annotations

import random

__all__ = ["JITTER", "next_poll_delay"]

JITTER = 0.10


def next_poll_delay(
    interval_s: float,
    failures: int,
    max_backoff_s: float,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next poll, given the consecutive failures so far (0 when healthy)."""
    delay = interval_s
    if failures > 0:
        delay = min(interval_s * 2 ** min(failures, 20), max(max_backoff_s, interval_s))
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    spread = (rng or random).uniform(-JITTER, JITTER)
    return max(delay * (1 + spread), 1.0)
