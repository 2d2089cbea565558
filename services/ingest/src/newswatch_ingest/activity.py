"""How active a feed is: new articles per day over the last week.

A feed's health keeps a count of the new articles it contributed per UTC day, by each article's
published date (so a first poll that brings a month of backlog counts only the last week of it, on
the days it was written), for at most :data:`WINDOW_DAYS` days. ``items_per_day`` is the sum over
that window divided by the days the window covers; a feed added more recently than that is
averaged over its own age (at least one day), so a new feed is not shown as seven times quieter
than it is. Pure: the caller stores the counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta

__all__ = ["WINDOW_DAYS", "add_articles", "items_per_day"]

WINDOW_DAYS = 7
_DAY_S = 86_400.0


def _first_day(now: datetime) -> date:
    return now.astimezone(UTC).date() - timedelta(days=WINDOW_DAYS - 1)


def _in_window(counts: Mapping[str, int], now: datetime) -> dict[date, int]:
    first, today = _first_day(now), now.astimezone(UTC).date()
    kept: dict[date, int] = {}
    for key, count in counts.items():
        try:
            day = date.fromisoformat(key)
        except ValueError:
            continue
        if first <= day <= today and count > 0:
            kept[day] = kept.get(day, 0) + count
    return kept


def add_articles(counts: Mapping[str, int], published: Iterable[datetime], now: datetime) -> dict[str, int]:
    """The counts with these articles added and days that left the window dropped."""
    kept = _in_window(counts, now)
    first, today = _first_day(now), now.astimezone(UTC).date()
    for when in published:
        day = min(when.astimezone(UTC).date(), today)
        if day >= first:
            kept[day] = kept.get(day, 0) + 1
    return {day.isoformat(): count for day, count in sorted(kept.items())}


def items_per_day(counts: Mapping[str, int], now: datetime, added_at: datetime) -> float:
    """New articles per day over the window (or over the feed's age when it is younger)."""
    kept = _in_window(counts, now)
    start = datetime.combine(_first_day(now), time(), tzinfo=UTC)
    known_since = min([added_at.astimezone(UTC), *(datetime.combine(d, time(), tzinfo=UTC) for d in kept)])
    days = max((now - max(start, known_since)).total_seconds() / _DAY_S, 1.0)
    return round(sum(kept.values()) / days, 2)
