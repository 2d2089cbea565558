"""Scheduling rules: delays with max-age, first-poll spread, items per day, per-host slots."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from newswatch_ingest.activity import add_articles, items_per_day
from newswatch_ingest.hostslots import HostSlots, host_of
from newswatch_ingest.schedule import first_poll_delay, next_poll_delay

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)


def test_max_age_is_a_floor_after_the_jitter() -> None:
    rng = random.Random(1)
    delays = [next_poll_delay(300, 0, 21_600, None, rng, fresh_for_s=3_600) for _ in range(50)]
    assert set(delays) == {3_600}
    # A max-age shorter than the interval changes nothing.
    short = [next_poll_delay(300, 0, 21_600, None, rng, fresh_for_s=60) for _ in range(50)]
    assert min(short) >= 270 and max(short) <= 330 and len(set(short)) > 1


def test_backoff_and_retry_after_still_apply_with_max_age() -> None:
    rng = random.Random(3)
    assert 1_080 <= next_poll_delay(300, 2, 21_600, None, rng, fresh_for_s=10) <= 1_320
    assert next_poll_delay(300, 0, 21_600, 7_200, rng, fresh_for_s=10) >= 6_480


def test_first_polls_spread_over_one_interval() -> None:
    rng = random.Random(4)
    delays = [first_poll_delay(300, rng) for _ in range(1_000)]
    assert min(delays) >= 0 and max(delays) <= 300
    # Spread, not bunched: every fifth of the interval gets some of them.
    assert {int(d // 60) for d in delays} == {0, 1, 2, 3, 4}


def test_articles_are_counted_by_their_own_day_within_a_week() -> None:
    dates = [
        NOW - timedelta(hours=1),
        NOW - timedelta(days=1),
        NOW - timedelta(days=30),
        NOW + timedelta(days=2),
    ]
    counts = add_articles({"2024-05-01": 9, "2024-05-14": 2, "junk": 3}, dates, NOW)
    # The 1 May count and the 30-day-old article are outside the window; a future date counts today.
    assert counts == {"2024-05-14": 3, "2024-05-15": 2}


def test_items_per_day_over_the_week_or_the_feeds_age() -> None:
    week = {(NOW.date() - timedelta(days=d)).isoformat(): 2 for d in range(7)}
    old = NOW - timedelta(days=90)
    # 14 articles over the 6.5 days since the window opened (midnight six days ago).
    assert items_per_day(week, NOW, old) == round(14 / 6.5, 2)
    # A feed added two days ago with articles only from today is averaged over two days.
    assert items_per_day({"2024-05-15": 10}, NOW, NOW - timedelta(days=2)) == 5.0
    # A feed added an hour ago is averaged over at least one day.
    assert items_per_day({"2024-05-15": 10}, NOW, NOW - timedelta(hours=1)) == 10.0
    # Its backlog from before it was added counts from the backlog's first day.
    assert items_per_day({"2024-05-13": 6}, NOW, NOW - timedelta(hours=1)) == round(6 / 2.5, 2)
    assert items_per_day({}, NOW, old) == 0.0
    assert items_per_day({"2024-04-01": 50}, NOW, old) == 0.0


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Wire.Example.org:8443/rss", "wire.example.org"),
        ("http://127.0.0.1:8080/a", "127.0.0.1"),
        ("http://[::1]:80/", "::1"),
        ("not a url", ""),
        ("http://[broken/", ""),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


def test_host_slots_bound_each_host_separately() -> None:
    slots = HostSlots(per_host=2)
    assert slots.acquire("a") and slots.acquire("a")
    assert slots.full("a") and not slots.acquire("a")
    assert slots.acquire("b") and slots.in_use("b") == 1
    slots.release("a")
    assert not slots.full("a") and slots.acquire("a")
    for _ in range(3):
        slots.release("a")
    assert slots.in_use("a") == 0 and slots.acquire("a")
    with pytest.raises(ValueError):
        HostSlots(per_host=0)
