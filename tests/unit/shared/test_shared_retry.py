"""Backoff with jitter and Retry-After parsing: written once in shared, used by ingest and alert."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from newswatch_shared.retry import MAX_RETRY_AFTER_S, Backoff, parse_retry_after

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Fri, 20 Nov 2026 12:01:30 GMT", 90.0),
        ("Fri, 20 Nov 2026 11:00:00 GMT", 0.0),  # in the past: no wait
        ("Fri, 20 Nov 2026 12:01:30 -0000", 90.0),  # a date without a zone is read as UTC
        ("soon", None),
        ("-5", None),
        ("99999999", MAX_RETRY_AFTER_S),  # a misconfigured server does not park the work for years
    ],
)
def test_retry_after_header_values(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


@pytest.mark.parametrize(("doublings", "nominal"), [(0, 2.0), (1, 4.0), (2, 8.0), (3, 10.0), (500, 10.0)])
def test_the_nominal_delay_doubles_up_to_the_cap(doublings: int, nominal: float) -> None:
    assert Backoff(2.0, 10.0).nominal_s(doublings) == nominal


@pytest.mark.parametrize(("below", "above"), [(0.5, 0.0), (0.1, 0.1)])
def test_jitter_stays_in_its_bounds_and_spreads(below: float, above: float) -> None:
    backoff = Backoff(100.0, 1000.0, below=below, above=above)
    rng = random.Random(3)
    delays = [backoff.delay_s(1, rng) for _ in range(300)]
    assert all(200 * (1 - below) <= d <= 200 * (1 + above) for d in delays)
    assert max(delays) - min(delays) > 200 * (below + above) / 2


def test_retry_after_is_a_floor_the_jitter_never_shortens() -> None:
    backoff = Backoff(300.0, 3600.0, below=0.1, above=0.1)
    rng = random.Random(5)
    assert all(backoff.delay_s(0, rng, retry_after_s=900.0) >= 900.0 for _ in range(200))
    # A Retry-After shorter than the backoff changes nothing.
    assert all(270.0 <= backoff.delay_s(0, rng, retry_after_s=10.0) <= 330.0 for _ in range(200))


@pytest.mark.parametrize(
    ("initial", "cap", "below", "above"), [(0.0, 1.0, 0.5, 0.0), (2.0, 1.0, 0.5, 0.0), (1.0, 2.0, 1.0, 0.0)]
)
def test_nonsense_backoffs_are_refused(initial: float, cap: float, below: float, above: float) -> None:
    with pytest.raises(ValueError):
        Backoff(initial, cap, below=below, above=above)
