"""freshness_s: Cache-Control max-age, else Expires minus Date, minus Age already spent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswatch_ingest.caching import freshness_s

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
DATE = "Wed, 15 May 2024 11:00:00 GMT"  # the server's clock is an hour behind ours


@pytest.mark.parametrize(
    ("cache_control", "expires", "date", "age", "expected"),
    [
        (None, None, None, None, None),
        ("max-age=600", None, None, None, 600.0),
        ("public, max-age=900, must-revalidate", None, None, None, 900.0),
        ('max-age="120"', None, None, None, 120.0),
        ("MAX-AGE=60", None, None, None, 60.0),
        ("max-age=600", None, None, "100", 500.0),
        ("max-age=60", None, None, "100", 0.0),
        ("max-age=600", "Wed, 15 May 2024 20:00:00 GMT", DATE, None, 600.0),  # max-age wins
        ("s-maxage=600", None, None, None, None),  # for shared caches, not us
        ("no-cache", None, None, None, None),
        ("max-age=abc", None, None, None, None),
        (None, "Wed, 15 May 2024 11:30:00 GMT", DATE, None, 1800.0),  # from the server's Date
        (None, "Wed, 15 May 2024 12:30:00 GMT", None, None, 1800.0),  # no Date: our clock
        (None, "Wed, 15 May 2024 11:30:00 GMT", DATE, "600", 1200.0),
        (None, "Tue, 14 May 2024 11:30:00 GMT", DATE, None, 0.0),  # already past
        (None, "0", DATE, None, 0.0),  # invalid Expires means stale
        (None, "-1", None, None, 0.0),
    ],
)
def test_freshness(
    cache_control: str | None, expires: str | None, date: str | None, age: str | None, expected: float | None
) -> None:
    assert freshness_s(cache_control, expires, date, age, NOW) == expected
