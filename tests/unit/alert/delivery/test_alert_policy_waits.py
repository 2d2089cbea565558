"""Retry-After and rate-limit deferrals in the delivery retry policy (pure; the header is parsed by
newswatch_shared.retry, tested in tests/unit/shared/test_shared_retry.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from newswatch_alert.delivery.models import DeliveryState
from newswatch_alert.delivery.policy import RetryPolicy, after_attempt, deferred

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=5, base_s=2.0, cap_s=300.0)


def state(**over: object) -> DeliveryState:
    return DeliveryState.model_validate(
        {"channel_id": "c", "url": "https://h.example", "updated_at": NOW, **over}
    )


@pytest.mark.parametrize(
    ("retry_after", "at_least", "at_most"),
    [(None, 1.0, 2.0), (0.0, 1.0, 2.0), (30.0, 30.0, 30.0), (3600.0, 300.0, 300.0)],
)
def test_retry_after_delays_a_retry_up_to_the_cap(
    retry_after: float | None, at_least: float, at_most: float
) -> None:
    after = after_attempt(state(), "HTTP 429", NOW, POLICY, random.Random(2), retry_after)
    assert after.next_attempt_at is not None
    assert timedelta(seconds=at_least) <= after.next_attempt_at - NOW <= timedelta(seconds=at_most)


def test_a_deferral_is_not_an_attempt_and_the_next_attempt_clears_it() -> None:
    until = NOW + timedelta(seconds=42)
    held = deferred(state(status="failed", attempts=2, last_error="HTTP 500"), until, NOW)
    assert (held.status, held.attempts, held.last_error) == ("failed", 2, "HTTP 500")
    assert held.next_attempt_at == held.rate_limited_until == until
    sent = after_attempt(held, None, until, POLICY, random.Random(1))
    assert (sent.status, sent.attempts, sent.rate_limited_until) == ("delivered", 3, None)
