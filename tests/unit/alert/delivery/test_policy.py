from __future__ import annotations

import random
from datetime import timedelta

import pytest

from newswatch_alert.delivery.models import DeliveryState
from newswatch_alert.delivery.policy import RetryPolicy, after_attempt, backoff_s
from tests.unit.alert.samples import NOW

POLICY = RetryPolicy(max_attempts=3, base_s=2.0, cap_s=10.0)


@pytest.mark.parametrize(("attempts", "nominal"), [(1, 2.0), (2, 4.0), (3, 8.0), (4, 10.0), (30, 10.0)])
def test_backoff_doubles_up_to_the_cap_with_equal_jitter(attempts: int, nominal: float) -> None:
    rng = random.Random(7)
    delays = [backoff_s(attempts, POLICY, rng) for _ in range(200)]
    assert all(nominal / 2 <= d <= nominal for d in delays)
    assert max(delays) - min(delays) > nominal / 4  # jittered, not constant


def state(**over: object) -> DeliveryState:
    return DeliveryState.model_validate(
        {"channel_id": "c", "url": "https://h.example", "updated_at": NOW, **over}
    )


def test_success_is_delivered() -> None:
    after = after_attempt(
        state(status="failed", attempts=1, last_error="HTTP 500"), None, NOW, POLICY, random.Random(1)
    )
    assert (after.status, after.attempts, after.delivered_at, after.next_attempt_at) == (
        "delivered",
        2,
        NOW,
        None,
    )


def test_failure_is_rescheduled_within_the_backoff() -> None:
    after = after_attempt(state(), "HTTP 503", NOW, POLICY, random.Random(1))
    assert (after.status, after.attempts, after.last_error) == ("failed", 1, "HTTP 503")
    assert after.next_attempt_at is not None
    assert NOW + timedelta(seconds=1) <= after.next_attempt_at <= NOW + timedelta(seconds=2)


def test_last_failure_is_dead() -> None:
    after = after_attempt(state(status="failed", attempts=2), "timeout", NOW, POLICY, random.Random(1))
    assert (after.status, after.attempts, after.last_error, after.next_attempt_at) == (
        "dead",
        3,
        "timeout",
        None,
    )
