"""Bucket maths for escalation trends. Pure: no I/O, no clock.

Every stored article adds itself (count 1, its escalation score) to fixed buckets at three base
resolutions — 5 minutes, 1 hour, 1 day, aligned to the UNIX epoch, so in UTC — for each of its
dimensions: ``all`` articles, each ``country`` its entities are placed in, each ``entity`` it names.
A bucket holds the count, the sum and the maximum of the scores. A read for any bucket size that is
a multiple of 5 minutes combines the base buckets of the largest resolution that divides it, so
``GET /trends?bucket=6h`` reads six 1-hour buckets per point and never touches an article.

"Rising now" compares two adjacent windows of 5-minute buckets: the last ``window`` (ending with
the current, partial bucket) and the one before. An entry's escalation in a window is the sum of its
articles' scores (volume × intensity: ten articles at 40 weigh more than one at 60); it rises by the
difference. Only positive rises are listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from newswatch_alert.common.text import norm
from newswatch_shared.schemas import EnrichedArticle

__all__ = [
    "DIMENSIONS",
    "FINE_S",
    "RESOLUTIONS",
    "Agg",
    "Dimension",
    "base_resolution",
    "base_starts",
    "combine",
    "dimensions_of",
    "floor_to",
    "format_duration",
    "parse_duration",
    "series",
    "trend_time",
    "windows",
]

FINE_S = 300
RESOLUTIONS = (86400, 3600, FINE_S)  # largest first: the read picks the largest that divides
DIMENSIONS = ("all", "country", "entity")
_UNITS = {"m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([mhd])\s*$")


def parse_duration(text: str) -> int:
    """``"15m"`` → 900, ``"6h"`` → 21600, ``"1d"`` → 86400; a multiple of 5 minutes, else ValueError."""
    found = _DURATION.match(text.lower())
    if not found:
        raise ValueError(f"{text!r} is not a duration such as 15m, 1h or 1d")
    seconds = int(found.group(1)) * _UNITS[found.group(2)]
    if seconds <= 0 or seconds % FINE_S:
        raise ValueError(f"{text!r} must be a positive multiple of 5m")
    return seconds


def format_duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def base_resolution(bucket_s: int) -> int:
    """The largest stored resolution that divides ``bucket_s``."""
    for resolution in RESOLUTIONS:
        if bucket_s % resolution == 0:
            return resolution
    raise ValueError(f"bucket of {bucket_s}s is not a multiple of {FINE_S}s")


def floor_to(ts: int, size: int) -> int:
    return ts - ts % size


@dataclass(frozen=True)
class Dimension:
    kind: str  # "all" | "country" | "entity"
    key: str  # normalised: "all", "UA", "nord stream 2"
    name: str  # what a reader sees: "All articles", "UA", "Nord Stream 2"


def dimensions_of(enriched: EnrichedArticle) -> list[Dimension]:
    """Everything an article counts towards, each once."""
    found: dict[tuple[str, str], Dimension] = {("all", "all"): Dimension("all", "all", "All articles")}
    for entity in enriched.entities:
        if entity.country and re.fullmatch(r"[A-Za-z]{2}", entity.country):
            code = entity.country.upper()
            found.setdefault(("country", code), Dimension("country", code, code))
        key = norm(entity.canonical)
        if key:
            found.setdefault(("entity", key), Dimension("entity", key, entity.canonical))
    return list(found.values())


@dataclass(frozen=True)
class Agg:
    """Count, sum and maximum of the escalation scores in a bucket."""

    count: int = 0
    total: float = 0.0
    peak: float | None = None

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def __add__(self, other: Agg) -> Agg:
        peaks = [p for p in (self.peak, other.peak) if p is not None]
        return Agg(self.count + other.count, self.total + other.total, max(peaks) if peaks else None)


def base_starts(since_s: int, until_s: int, bucket_s: int) -> list[int]:
    """Starts of the base buckets covering the output buckets from ``since`` up to ``until``."""
    base = base_resolution(bucket_s)
    start = floor_to(since_s, bucket_s)
    return list(range(start, until_s, base))


def series(since_s: int, until_s: int, bucket_s: int, stored: Mapping[int, Agg]) -> list[tuple[int, Agg]]:
    """Output buckets (start, aggregate) from the bucket holding ``since`` to the one holding the last
    second before ``until``; ``stored`` maps base-bucket starts to what Redis holds (missing = empty)."""
    base = base_resolution(bucket_s)
    out: list[tuple[int, Agg]] = []
    for start in range(floor_to(since_s, bucket_s), until_s, bucket_s):
        agg = Agg()
        for sub in range(start, start + bucket_s, base):
            agg = agg + stored.get(sub, Agg())
        out.append((start, agg))
    return out


def windows(now_s: int, window_s: int) -> tuple[list[int], list[int]]:
    """5-minute bucket starts of the current window (ending with ``now``'s bucket) and the previous."""
    n = max(1, window_s // FINE_S)
    last = floor_to(now_s, FINE_S)
    current = [last - i * FINE_S for i in range(n)]
    previous = [last - (n + i) * FINE_S for i in range(n)]
    return current, previous


def trend_time(published: datetime, stored: datetime) -> int:
    """The second an article counts at: when it was published, but never in the future."""
    return int(min(published, stored).timestamp())


def combine(aggs: Iterable[Agg]) -> Agg:
    total = Agg()
    for agg in aggs:
        total = total + agg
    return total
