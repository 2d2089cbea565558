"""Delivery retry policy: when to try a failed delivery (any channel) again, and when to give up.

Delays double per attempt from ``base_s`` up to ``cap_s``, with "equal jitter": the delay is drawn
from [d/2, d] (``newswatch_shared.retry.Backoff``, shared with ingest's feed schedule), so replicas
retrying the same receiver spread out, yet no retry comes sooner than half the nominal delay. A
receiver that says when to come back (``Retry-After`` on a 429 or 503, as Slack does) is not
retried sooner, up to ``cap_s``.

A wait imposed by our own rate limit is not an attempt: ``deferred`` only moves the next attempt.
A ``final`` failure (a destination the rules refuse; see ``senders``) is dead at once: no wait makes
a private address public.

Pure: time and randomness are passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from newswatch_alert.delivery.models import DeliveryState
from newswatch_shared.retry import Backoff

__all__ = ["RetryPolicy", "after_attempt", "backoff_s", "deferred"]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_s: float
    cap_s: float

    @property
    def backoff(self) -> Backoff:
        return Backoff(self.base_s, self.cap_s, below=0.5, above=0.0)


def backoff_s(attempts: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Delay after the ``attempts``-th failed attempt (1-based)."""
    return policy.backoff.delay_s(attempts - 1, rng)


def after_attempt(
    state: DeliveryState,
    error: str | None,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
    retry_after_s: float | None = None,
    *,
    final: bool = False,
) -> DeliveryState:
    """The state after one attempt: ``error`` None means the receiver accepted the alert; a ``final``
    error ends the delivery whatever attempts are left."""
    attempts = state.attempts + 1
    state = state.model_copy(update={"rate_limited_until": None})
    if error is None:
        return state.model_copy(
            update={
                "status": "delivered",
                "attempts": attempts,
                "delivered_at": now,
                "next_attempt_at": None,
                "updated_at": now,
            }
        )
    if final or attempts >= policy.max_attempts:
        return state.model_copy(
            update={
                "status": "dead",
                "attempts": attempts,
                "last_error": error,
                "next_attempt_at": None,
                "updated_at": now,
            }
        )
    return state.model_copy(
        update={
            "status": "failed",
            "attempts": attempts,
            "last_error": error,
            "next_attempt_at": now + timedelta(seconds=_delay_s(attempts, policy, rng, retry_after_s)),
            "updated_at": now,
        }
    )


def _delay_s(attempts: int, policy: RetryPolicy, rng: random.Random, retry_after_s: float | None) -> float:
    wait = min(retry_after_s, policy.cap_s) if retry_after_s is not None else None
    return policy.backoff.delay_s(attempts - 1, rng, wait)


def deferred(state: DeliveryState, until: datetime, now: datetime) -> DeliveryState:
    """The state of a delivery held back by a rate limit until ``until`` (attempts unchanged)."""
    return state.model_copy(update={"next_attempt_at": until, "rate_limited_until": until, "updated_at": now})
