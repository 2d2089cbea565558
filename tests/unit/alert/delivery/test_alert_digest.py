"""Digest periods (UTC windows) and ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newswatch_alert.delivery.digest import digest_id, digest_mode, period_of


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, tz: timezone = UTC
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=tz)


@pytest.mark.parametrize(
    ("mode", "moment", "start", "end"),
    [
        ("hourly", at(2026, 11, 20, 12, 0), at(2026, 11, 20, 12), at(2026, 11, 20, 13)),
        ("hourly", at(2026, 11, 20, 12, 59, 59), at(2026, 11, 20, 12), at(2026, 11, 20, 13)),
        ("hourly", at(2026, 12, 31, 23, 30), at(2026, 12, 31, 23), at(2027, 1, 1, 0)),
        ("daily", at(2026, 11, 20, 0, 0), at(2026, 11, 20), at(2026, 11, 21)),
        ("daily", at(2026, 11, 20, 23, 59, 59), at(2026, 11, 20), at(2026, 11, 21)),
        ("daily", at(2028, 2, 28, 12), at(2028, 2, 28), at(2028, 2, 29)),
        # 01:30 at UTC+2 is 23:30 UTC the day before: periods are UTC, whatever the zone given
        (
            "daily",
            at(2026, 11, 20, 1, 30, tz=timezone(timedelta(hours=2))),
            at(2026, 11, 19),
            at(2026, 11, 20),
        ),
    ],
)
def test_periods_are_utc_windows(mode: str, moment: datetime, start: datetime, end: datetime) -> None:
    assert period_of(mode, moment) == (start, end)  # type: ignore[arg-type]
    assert period_of(mode, moment)[0].tzinfo == UTC  # type: ignore[arg-type]


def test_the_digest_id_is_the_watchlist_and_period() -> None:
    start = at(2026, 11, 20, 12)
    first = digest_id("w1", "hourly", start)
    assert first == digest_id("w1", "hourly", start.astimezone(timezone(timedelta(hours=-5))))
    others = {
        digest_id("w2", "hourly", start),
        digest_id("w1", "daily", start),
        digest_id("w1", "hourly", start + timedelta(hours=1)),
    }
    assert first not in others and len(others) == 3


@dataclass
class _Old:
    name: str = "stored before modes existed"


@dataclass
class _With:
    mode: str


@pytest.mark.parametrize(
    ("watchlist", "mode"),
    [
        (_Old(), None),
        (_With("immediate"), None),
        (_With("hourly"), "hourly"),
        (_With("daily"), "daily"),
        (_With("weekly"), None),
    ],
)
def test_the_mode_defaults_to_immediate(watchlist: object, mode: str | None) -> None:
    assert digest_mode(watchlist) == mode
