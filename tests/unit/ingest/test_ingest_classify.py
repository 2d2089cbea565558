"""The response classifier and the poll schedule."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from newswatch_ingest.classify import classify_response
from newswatch_ingest.schedule import JITTER, next_poll_delay
from newswatch_shared.retry import MAX_RETRY_AFTER_S

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome", "phrase"),
    [
        (200, "ok", ""),
        (203, "ok", ""),
        (304, "not_modified", ""),
        (404, "error", "HTTP 404 Not Found. Check that the feed URL"),
        (410, "error", "HTTP 410 Gone"),
        (403, "error", "credentials"),
        (500, "error", "HTTP 500 Internal Server Error."),
        (599, "error", "HTTP 599."),
    ],
)
def test_classify_status(status: int, outcome: str, phrase: str) -> None:
    verdict = classify_response(status, None, NOW)
    assert verdict.outcome == outcome
    assert phrase in verdict.message
    assert verdict.modified is (outcome == "ok")


@pytest.mark.parametrize(
    ("status", "header", "wait"),
    [
        (429, "120", 120.0),
        (503, "Wed, 15 May 2024 12:10:00 GMT", 600.0),
        (503, "Wed, 15 May 2024 11:00:00 GMT", 0.0),
        (429, "soon", None),
        (500, "120", None),  # only 429 and 503 carry a meaningful Retry-After
        (429, "99999999", MAX_RETRY_AFTER_S),
    ],
)
def test_retry_after(status: int, header: str, wait: float | None) -> None:
    assert classify_response(status, header, NOW).retry_after_s == wait


@pytest.mark.parametrize(
    ("failures", "retry_after", "base"),
    [
        (0, None, 300.0),
        (1, None, 600.0),
        (2, None, 1200.0),
        (10, None, 3600.0),
        (0, 900.0, 900.0),
        (1, 60.0, 600.0),
    ],
)
def test_next_poll_delay(failures: int, retry_after: float | None, base: float) -> None:
    rng = random.Random(7)
    for _ in range(50):
        delay = next_poll_delay(300.0, failures, 3600.0, retry_after, rng)
        assert base * (1 - JITTER) <= delay <= base * (1 + JITTER)


def test_jitter_spreads_polls() -> None:
    rng = random.Random(1)
    assert len({round(next_poll_delay(300.0, 0, 3600.0, rng=rng), 3) for _ in range(20)}) > 10


def test_delay_is_never_below_a_second() -> None:
    assert all(next_poll_delay(1.0, 0, 10.0, rng=random.Random(i)) >= 1.0 for i in range(50))
