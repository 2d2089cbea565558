"""Trend bucket maths (pure)."""

from __future__ import annotations

import pytest

from newswatch_alert.live.trends import (
    Agg,
    base_resolution,
    base_starts,
    dimensions_of,
    format_duration,
    parse_duration,
    series,
    trend_time,
    windows,
)
from tests.unit.alert.feed_samples import T0, article


@pytest.mark.parametrize(
    ("text", "seconds"), [("5m", 300), ("15m", 900), ("1h", 3600), (" 6H ", 21600), ("1d", 86400)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("text", ["", "1", "7m", "0h", "1w", "-1h", "1.5h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("bucket", "base"), [(300, 300), (900, 300), (3600, 3600), (7200, 3600), (86400, 86400), (172800, 86400)]
)
def test_reads_use_the_largest_resolution_that_divides(bucket: int, base: int) -> None:
    assert base_resolution(bucket) == base


def test_series_combines_base_buckets_and_lists_empty_ones() -> None:
    day = 1795737600  # a UTC midnight
    stored = {
        day + 0 * 3600: Agg(2, 50.0, 30.0),
        day + 1 * 3600: Agg(1, 10.0, 10.0),
        day + 6 * 3600: Agg(4, 100.0, 70.0),
    }
    points = series(day + 1800, day + 12 * 3600, 6 * 3600, stored)
    assert [start - day for start, _ in points] == [0, 6 * 3600]  # since is floored to its bucket
    first, second = points[0][1], points[1][1]
    assert (first.count, first.total, first.peak, first.mean) == (3, 60.0, 30.0, 20.0)
    assert (second.count, second.peak) == (4, 70.0)
    empty = series(day, day + 3600, 3600, {})[0][1]
    assert (empty.count, empty.mean, empty.peak) == (0, None, None)
    assert base_starts(day + 1800, day + 12 * 3600, 6 * 3600) == [day + h * 3600 for h in range(12)]


def test_windows_are_adjacent_runs_of_five_minute_buckets() -> None:
    now = 1795737600 + 3 * 3600 + 7 * 60 + 5  # 03:07:05
    current, previous = windows(now, 3600)
    assert len(current) == len(previous) == 12
    assert max(current) == 1795737600 + 3 * 3600 + 5 * 60  # the bucket holding now
    assert min(current) - max(previous) == 300
    assert not set(current) & set(previous)


def test_an_article_counts_once_per_country_and_entity() -> None:
    a = article(
        "t1",
        title="Kyiv and Ukraine",
        entities=[
            ("Kyiv", "GPE", "Kyiv", "UA"),
            ("Ukraine", "GPE", "Ukraine", "UA"),
            ("NATO", "ORG", "NATO", None),
        ],
    )
    dims = {(d.kind, d.key, d.name) for d in dimensions_of(a)}
    assert dims == {
        ("all", "all", "All articles"),
        ("country", "UA", "UA"),
        ("entity", "kyiv", "Kyiv"),
        ("entity", "ukraine", "Ukraine"),
        ("entity", "nato", "NATO"),
    }


def test_future_published_times_count_now() -> None:
    assert trend_time(T0, T0.replace(hour=1)) == int(T0.replace(hour=1).timestamp())
    assert trend_time(T0.replace(hour=1), T0) == int(T0.replace(hour=1).timestamp())
