"""The adaptive poll interval: a pure function of the recent polls, a floor and a cap."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newswatch_ingest.adaptive import FACTOR, HISTORY_POLLS, HISTORY_WINDOW_S, adaptive_interval, add_poll


@pytest.mark.parametrize(
    ("history", "expected", "why"),
    [
        ([], 300.0, "nothing known: the configured interval"),
        ([(0.0, 50)], 300.0, "one poll: its items are backlog, no rhythm yet"),
        ([(0.0, 50), (300.0, 0)], 300.0, "no new item since the first poll: the cap"),
        ([(0.0, 0), (300.0, 3)], FACTOR * 100, "3 items in 300 s: a gap of 100 s, polled every 50 s"),
        ([(0.0, 0), (300.0, 30)], 30.0, "a burst: never below the floor"),
        ([(0.0, 0), (3000.0, 1)], 300.0, "quieter than the cap: never above the configured interval"),
        (
            [(0.0, 9), (100.0, 1), (200.0, 1), (300.0, 1)],
            FACTOR * 100,
            "the oldest poll's items do not count",
        ),
        (
            [(300.0, 1), (0.0, 0), (200.0, 1), (100.0, 1)],
            FACTOR * 100,
            "order of the history does not matter",
        ),
    ],
)
def test_interval_follows_the_observed_gap(
    history: list[tuple[float, int]], expected: float, why: str
) -> None:
    assert adaptive_interval(history, cap_s=300.0, floor_s=30.0) == pytest.approx(expected), why


def test_a_floor_above_the_cap_gives_the_cap() -> None:
    # A feed whose own interval is shorter than the floor keeps its own interval.
    assert adaptive_interval([(0.0, 0), (10.0, 10)], cap_s=30.0, floor_s=60.0) == 30.0


def test_busy_feeds_are_polled_more_often_than_quiet_ones() -> None:
    busy = [(float(t), 2) for t in range(0, 600, 60)]  # 2 items a minute
    quiet = [(float(t), 1 if t == 300 else 0) for t in range(0, 600, 60)]  # 1 item in 9 minutes
    assert adaptive_interval(busy, 300.0, 5.0) < adaptive_interval(quiet, 300.0, 5.0)


def test_history_keeps_the_last_polls_within_the_window() -> None:
    history: list[tuple[float, int]] = []
    for t in range(100):
        history = add_poll(history, float(t), 1)
    assert len(history) == HISTORY_POLLS and history[-1] == (99.0, 1) and history[0] == (80.0, 1)
    old = add_poll([(0.0, 5), (10.0, 1)], HISTORY_WINDOW_S + 5, 0)
    assert old == [(10.0, 1), (HISTORY_WINDOW_S + 5, 0)]
    assert add_poll([], 1.0, -3) == [(1.0, 0)]


polls = st.lists(
    st.tuples(st.floats(0, 1e7, allow_nan=False), st.integers(0, 1000)), min_size=0, max_size=HISTORY_POLLS
)
bounds = st.tuples(st.floats(1, 1e6), st.floats(1, 1e6))


@given(polls, bounds)
def test_the_interval_stays_between_floor_and_cap(
    history: list[tuple[float, int]], b: tuple[float, float]
) -> None:
    cap, floor = b
    interval = adaptive_interval(history, cap, floor)
    assert min(floor, cap) <= interval <= cap


@given(polls, st.integers(1, 100), bounds)
def test_more_new_items_never_lengthen_the_interval(
    history: list[tuple[float, int]], extra: int, b: tuple[float, float]
) -> None:
    cap, floor = b
    if len(history) < 2:
        return
    ordered = sorted(history)
    busier = [*ordered[:-1], (ordered[-1][0], ordered[-1][1] + extra)]
    assert adaptive_interval(busier, cap, floor) <= adaptive_interval(ordered, cap, floor)
