"""When to poll a feed next.

A healthy feed is polled every ``interval_s`` with ±10 % jitter, so feeds added together drift
apart instead of hitting their servers (and our broker) in lock-step. A failing feed backs off
exponentially — 2×, 4×, 8×… the interval — up to ``max_backoff_s``; a Retry-After from the server is
honoured when it asks for longer, and never shortened by the jitter. The backoff is the one alert's
deliveries use (``newswatch_shared.retry.Backoff``), with the feed's interval as its first step. A
response that says it stays fresh for a while (Cache-Control max-age, Expires) is not asked for
again before then, up to a cap the caller chooses.

Feeds registered in bulk (a long OPML import or start-up feeds file, see :mod:`feedimport`) get
their first poll spread over one interval (:func:`first_poll_delay`), so importing 5,000 feeds does
not make 5,000 feeds due in the same second, now and at every interval after.
"""

from __future__ import annotations

import random

from newswatch_shared.retry import Backoff

__all__ = ["JITTER", "MIN_DELAY_S", "first_poll_delay", "next_poll_delay"]

JITTER = 0.10
MIN_DELAY_S = 1.0


def next_poll_delay(
    interval_s: float,
    failures: int,
    max_backoff_s: float,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
    *,
    fresh_for_s: float | None = None,
) -> float:
    """Seconds until the next poll, given the consecutive failures so far (0 when healthy).

    ``fresh_for_s`` (the response's max-age, already capped by the caller) is a floor applied after
    the jitter: we never ask before the server said the document could change.
    """
    backoff = Backoff(interval_s, max(max_backoff_s, interval_s), below=JITTER, above=JITTER)
    delay = max(backoff.delay_s(failures, rng, retry_after_s), MIN_DELAY_S)
    if fresh_for_s is not None:
        delay = max(delay, fresh_for_s)
    return delay


def first_poll_delay(interval_s: float, rng: random.Random | None = None) -> float:
    """Seconds from now to the first poll of a feed registered in bulk: anywhere in one interval."""
    return (rng or random).uniform(0.0, interval_s)
