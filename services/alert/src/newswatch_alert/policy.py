"""Delivery retry policy: when to try a failed webhook again, and when to give up.

Delays double per attempt from ``base_s`` up to ``cap_s``, with "equal jitter": the delay is drawn
from [d/2, d], so replicas retrying the same receiver spread out, yet no retry comes sooner than half
the nominal delay (full jitter could retry a struggling receiver almost at once).

Pure: time and randomness are passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from newswatch_alert.models import DeliveryState

__all__ = ["RetryPolicy", "after_attempt", "backoff_s"]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_s: float
    cap_s: float


def backoff_s(attempts: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Delay after the ``attempts``-th failed attempt (1-based)."""
    nominal = min(policy.cap_s, policy.base_s * 2.0 ** max(0, attempts - 1))
    return nominal / 2 + rng.uniform(0, nominal / 2)


def after_attempt(
    state: DeliveryState,
    error: str | None,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
) -> DeliveryState:
    """The state after one attempt: ``error`` None means the receiver accepted the alert."""
    attempts = state.attempts + 1
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
    if attempts >= policy.max_attempts:
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
            "next_attempt_at": now + timedelta(seconds=backoff_s(attempts, policy, rng)),
            "updated_at": now,
        }
    )
