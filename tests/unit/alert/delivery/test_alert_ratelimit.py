"""The GCRA model of the rate-limit script: bursts, spacing, and two limits at once."""

from __future__ import annotations

import pytest

from newswatch_alert.delivery.ratelimit import Rate, reserve

T0 = 1_800_000_000_000


def book(rates: list[Rate], times: list[int]) -> list[int]:
    """Slots given to deliveries asking at ``times`` (all buckets shared by all of them)."""
    tats: list[int | None] = [None] * len(rates)
    slots = []
    for now in times:
        slot, booked = reserve(tats, rates, now)
        tats = list(booked)
        slots.append(slot)
    return slots


@pytest.mark.parametrize(
    ("per_minute", "interval", "tolerance"), [(1, 60_000, 0), (2, 30_000, 30_000), (7, 8572, 51_432)]
)
def test_rate_parameters(per_minute: int, interval: int, tolerance: int) -> None:
    assert (Rate(per_minute).interval_ms, Rate(per_minute).tolerance_ms) == (interval, tolerance)


def test_a_burst_of_n_goes_at_once_then_one_per_interval() -> None:
    slots = book([Rate(3)], [T0] * 6)
    assert [s - T0 for s in slots] == [0, 0, 0, 20_000, 40_000, 60_000]


def test_the_sustained_rate_is_n_per_minute_and_a_minute_holds_at_most_2n_minus_1() -> None:
    slots = book([Rate(5)], [T0 + i * 1_000 for i in range(40)])
    assert all(b - a >= 0 for a, b in zip(slots, slots[1:], strict=False))  # in order
    assert [b - a for a, b in zip(slots[5:], slots[6:], strict=False)] == [12_000] * 34
    for start in slots:
        assert sum(1 for s in slots if start <= s < start + 60_000) <= 2 * 5 - 1


def test_an_idle_bucket_refills() -> None:
    slots = book([Rate(2)], [T0, T0, T0 + 60_000, T0 + 60_000])
    assert [s - T0 for s in slots] == [0, 0, 60_000, 60_000]


def test_the_stricter_of_two_limits_decides_and_both_are_booked() -> None:
    user, destination = Rate(2), Rate(60)
    tats: list[int | None] = [None, None]
    slots = []
    for _ in range(3):
        slot, tats_after = reserve(tats, [user, destination], T0)
        tats = list(tats_after)
        slots.append(slot - T0)
    assert slots == [0, 0, 30_000]
    assert tats == [T0 + 90_000, T0 + 30_000 + 1_000]  # the destination is booked at the user's slot


def test_a_slot_past_the_latest_books_nothing() -> None:
    """Given up deliveries must not push back the ones behind them: the buckets stay as they were."""
    rates = [Rate(2), Rate(60)]
    tats: list[int | None] = [T0 + 120_000, None]
    slot, after = reserve(tats, rates, T0, latest_ms=T0 + 30_000)
    assert slot == T0 + 90_000 and after == tats
    slot, after = reserve(tats, rates, T0, latest_ms=T0 + 90_000)
    assert slot == T0 + 90_000 and after == [T0 + 150_000, T0 + 91_000]


def test_a_rate_per_period_longer_than_a_minute() -> None:
    """E-mail confirmations: one per day to an address, no burst."""
    day = Rate(1, 86_400_000)
    assert (day.interval_ms, day.tolerance_ms) == (86_400_000, 0)
    first, tats = reserve([None], [day], T0)
    second, _ = reserve(tats, [day], T0 + 1000)
    assert (first, second) == (T0, T0 + 86_400_000)
