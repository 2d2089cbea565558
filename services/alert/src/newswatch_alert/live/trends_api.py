"""``GET /trends`` and ``GET /trends/top``: escalation over time, from counters kept at ingest time.

Public like the articles they summarise. ``trends`` explains the buckets and what "rising" means.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from newswatch_alert.common.entities import entity_names
from newswatch_alert.common.openapi import errors, example
from newswatch_alert.common.parts import part
from newswatch_alert.live.feed import LiveFeed
from newswatch_alert.live.models import RisingEntry, RisingNow, TrendBucket, TrendSeries, WindowFigures
from newswatch_alert.live.trend_store import FINE_KEEP_S, Rising, fold_rising
from newswatch_alert.live.trends import floor_to, format_duration, parse_duration
from newswatch_shared.http_api import IsoDatetime, as_utc, invalid
from newswatch_shared.schemas import utcnow

__all__ = ["trends_router"]

LiveDep = Annotated[LiveFeed, Depends(part(LiveFeed))]
_DEFAULT_POINTS = 48
_MIN_WINDOW_S = 15 * 60
_MAX_WINDOW_S = 86400


def _figures(agg_count: int, total: float) -> WindowFigures:
    return WindowFigures(
        count=agg_count,
        escalation=round(total, 2),
        mean_score=round(total / agg_count, 2) if agg_count else None,
    )


def _entry(found: Rising) -> RisingEntry:
    return RisingEntry(
        kind="country" if found.kind == "country" else "entity",
        key=found.key,
        name=found.name,
        rise=round(found.rise, 2),
        current=_figures(found.current.count, found.current.total),
        previous=_figures(found.previous.count, found.previous.total),
    )


_SERIES_EXAMPLE: dict[str, Any] = {
    "kind": "country",
    "key": "UA",
    "bucket": "1h",
    "bucket_seconds": 3600,
    "since": "2026-11-27T06:00:00Z",
    "until": "2026-11-27T09:00:00Z",
    "buckets": [
        {"start": "2026-11-27T06:00:00Z", "count": 0, "mean_score": None, "max_score": None},
        {"start": "2026-11-27T07:00:00Z", "count": 3, "mean_score": 22.4, "max_score": 41.5},
        {"start": "2026-11-27T08:00:00Z", "count": 7, "mean_score": 35.9, "max_score": 63.0},
    ],
}
_FIGURES: dict[str, Any] = {"count": 7, "escalation": 251.3, "mean_score": 35.9}
_PREVIOUS: dict[str, Any] = {"count": 2, "escalation": 40.0, "mean_score": 20.0}
_TOP_EXAMPLE: dict[str, Any] = {
    "window": "6h",
    "now": "2026-11-27T09:00:00Z",
    "countries": [
        {
            "kind": "country",
            "key": "UA",
            "name": "UA",
            "rise": 211.3,
            "current": _FIGURES,
            "previous": _PREVIOUS,
        }
    ],
    "entities": [
        {
            "kind": "entity",
            "key": "nord stream 2",
            "name": "Nord Stream 2",
            "rise": 95.0,
            "current": {"count": 3, "escalation": 120.0, "mean_score": 40.0},
            "previous": {"count": 1, "escalation": 25.0, "mean_score": 25.0},
        }
    ],
}


def trends_router() -> APIRouter:
    router = APIRouter(tags=["trends"])

    @router.get(
        "/trends",
        summary="Article count and mean/max escalation score per time bucket (public)",
        description="For one `country` or one `entity`, or for all articles when neither is given. "
        "An entity is one real thing: `Russian` or `Russians` give Russia's series. "
        "Buckets are aligned to the UNIX epoch (UTC); empty ones are listed with count 0. Buckets "
        "under 1h are kept for 3 days, hourly and daily ones for NEWSWATCH_ALERT_TREND_RETENTION_DAYS.",
        responses={**errors(), **example(_SERIES_EXAMPLE)},
    )
    async def trend_series(
        live: LiveDep,
        country: Annotated[str | None, Query(description="ISO 3166 alpha-2 code.", examples=["UA"])] = None,
        entity: Annotated[
            str | None,
            Query(description="Entity by any of its names (Russian → Russia).", examples=["Nord Stream 2"]),
        ] = None,
        bucket: Annotated[
            str, Query(description="Bucket size: a multiple of 5m, e.g. 15m, 1h, 6h, 1d.", examples=["1h"])
        ] = "1h",
        since: Annotated[
            IsoDatetime | None,
            Query(description=f"Start (ISO 8601); default: {_DEFAULT_POINTS} buckets up to `until`."),
        ] = None,
        until: Annotated[
            IsoDatetime | None, Query(description="End, exclusive (ISO 8601); default now.")
        ] = None,
    ) -> TrendSeries:
        try:
            bucket_s = parse_duration(bucket)
        except ValueError as e:
            raise invalid("query", "bucket", message=str(e)) from e
        if country and entity:
            raise invalid("query", "entity", message="give country or entity, not both")
        if country is not None:
            kind, key = "country", country.strip().upper()
            if len(key) != 2 or not key.isalpha():
                raise invalid("query", "country", message="an ISO 3166 alpha-2 code such as UA")
        elif entity is not None:
            # one series per real thing: "Russian" and "Russians" are Russia's series
            kind, key = "entity", entity_names().canonical_key(entity)
            if not key:
                raise invalid("query", "entity", message="must contain a letter or digit")
        else:
            kind, key = "all", "all"
        now = utcnow()
        end = as_utc(until) or now
        last_start = floor_to(int(end.timestamp()) - 1, bucket_s)
        start = as_utc(since) or datetime.fromtimestamp(last_start - bucket_s * (_DEFAULT_POINTS - 1), UTC)
        if end <= start:
            raise invalid("query", "until", message="until must be later than since")
        if bucket_s % 3600 and start < now - timedelta(seconds=FINE_KEEP_S):
            raise invalid(
                "query",
                "since",
                message="buckets under 1h are kept for 3 days: use a later since or bucket=1h",
            )
        try:
            legacy = sorted(entity_names().legacy_keys(entity) - {key}) if kind == "entity" and entity else []
            points = await live.trends.series(
                kind, key, int(start.timestamp()), int(end.timestamp()), bucket_s, also=legacy
            )
        except ValueError as e:
            raise invalid("query", "since", message=str(e)) from e
        return TrendSeries(
            kind="country" if kind == "country" else "entity" if kind == "entity" else "all",
            key=key,
            bucket=format_duration(bucket_s),
            bucket_seconds=bucket_s,
            since=start,
            until=end,
            buckets=[TrendBucket.of(datetime.fromtimestamp(ts, UTC), agg) for ts, agg in points],
        )

    @router.get(
        "/trends/top",
        summary='"Rising now": countries and entities whose escalation rose most (public)',
        description="Compares the last `window` with the one before it. An entry's escalation in a "
        "window is the sum of its articles' scores; `rise` is the difference. Only rises are listed, "
        "largest first.",
        responses={**errors(), **example(_TOP_EXAMPLE)},
    )
    async def trend_top(
        live: LiveDep,
        window: Annotated[
            str, Query(description="Window length, 15m to 24h, a multiple of 5m.", examples=["6h"])
        ] = "6h",
        limit: Annotated[int, Query(ge=1, le=50, description="Most entries of each kind.")] = 10,
    ) -> RisingNow:
        try:
            window_s = parse_duration(window)
        except ValueError as e:
            raise invalid("query", "window", message=str(e)) from e
        if not _MIN_WINDOW_S <= window_s <= _MAX_WINDOW_S:
            raise invalid("query", "window", message="must be between 15m and 24h")
        now = utcnow()
        now_s = int(now.timestamp())
        countries = await live.trends.rising("country", now_s, window_s, limit)
        entities = fold_rising(await live.trends.rising("entity", now_s, window_s, limit))
        return RisingNow(
            window=format_duration(window_s),
            now=now,
            countries=[_entry(r) for r in countries],
            entities=[_entry(r) for r in entities],
        )

    return router
