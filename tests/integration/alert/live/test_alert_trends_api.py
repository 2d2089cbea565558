"""Trend counters against a real Redis, and GET /trends, /trends/top through the running app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.live.trend_store import TrendStore
from newswatch_alert.live.trends import floor_to
from newswatch_alert.settings import AlertSettings
from newswatch_shared.schemas import EnrichedArticle, utcnow
from tests.integration.alert.support import eventually, produce_articles
from tests.unit.alert.feed_samples import article

pytestmark = pytest.mark.integration

KYIV = ("Kyiv", "GPE", "Kyiv", "UA")
MOSCOW = ("Moscow", "GPE", "Moscow", "RU")


def at(
    when: datetime, article_id: str, score: float, *places: tuple[str, str, str, str | None]
) -> EnrichedArticle:
    return article(
        article_id, title=f"Report {article_id}", published_at=when, entities=list(places), score=score
    )


async def test_buckets_hold_count_mean_and_max_and_count_each_article_once(redis_client: Redis) -> None:
    store = TrendStore(redis_client, retention_days=30)
    now = utcnow()
    # A 3-hour bucket boundary (buckets are aligned to the epoch) that is at least 3 hours old.
    h0 = datetime.fromtimestamp(floor_to(int(now.timestamp()) - 6 * 3600, 3 * 3600), UTC)
    batch = [
        at(h0 + timedelta(minutes=5), "a", 20.0, KYIV),
        at(h0 + timedelta(minutes=50), "b", 60.0, KYIV, MOSCOW),
        at(h0 + timedelta(hours=2, minutes=1), "c", 10.0, KYIV),
        at(h0 + timedelta(hours=2, minutes=2), "d", 99.0, MOSCOW),
    ]
    assert await store.add(batch, now) == 4
    assert await store.add(batch, now) == 0  # redelivered: counted once
    since, until = int(h0.timestamp()), int((h0 + timedelta(hours=3)).timestamp())
    ua = await store.series("country", "UA", since, until, 3600)
    assert [(agg.count, agg.mean, agg.peak) for _, agg in ua] == [
        (2, 40.0, 60.0),
        (0, None, None),
        (1, 10.0, 10.0),
    ]
    wide = await store.series("all", "all", since, until, 3 * 3600)
    assert [(agg.count, agg.total, agg.peak) for _, agg in wide] == [(4, 189.0, 99.0)]
    fine = await store.series(
        "entity", "kyiv", since, since + 3600, 900
    )  # 15-minute points from 5-minute buckets
    assert [agg.count for _, agg in fine] == [1, 0, 0, 1]
    with pytest.raises(ValueError):
        await store.series("all", "all", since - 30 * 86400, until, 300)  # too many stored buckets


async def test_rising_compares_the_last_window_with_the_one_before(redis_client: Redis) -> None:
    store = TrendStore(redis_client, retention_days=30)
    now = utcnow()
    recent, earlier = now - timedelta(minutes=20), now - timedelta(minutes=90)
    await store.add(
        [
            at(earlier, "e1", 50.0, MOSCOW),
            at(earlier, "e2", 10.0, KYIV),
            at(recent, "n1", 40.0, KYIV),
            at(recent, "n2", 30.0, KYIV),
            at(recent, "n3", 5.0, MOSCOW),
        ],
        now,
    )
    rising = await store.rising("country", int(now.timestamp()), 3600, 10)
    assert [(r.key, r.rise) for r in rising] == [("UA", 60.0)]  # RU fell from 50 to 5: not rising
    (ukraine,) = rising
    assert (ukraine.current.count, ukraine.current.total, ukraine.previous.count) == (2, 70.0, 1)
    entities = await store.rising("entity", int(now.timestamp()), 3600, 10)
    assert [(r.key, r.name) for r in entities] == [("kyiv", "Kyiv")]
    assert await redis_client.keys("trend:tmp:*") == []


async def test_trends_api(api: httpx.AsyncClient, settings: AlertSettings) -> None:
    now = datetime.now(UTC)
    await produce_articles(
        settings,
        at(now - timedelta(minutes=10), "t1", 30.0, KYIV),
        at(now - timedelta(minutes=15), "t2", 50.0, KYIV),
        at(now - timedelta(hours=3), "t3", 70.0, MOSCOW),
    )

    async def counted() -> dict[str, Any] | None:
        body: dict[str, Any] = (
            await api.get("/trends", params={"bucket": "1h", "since": (now - timedelta(hours=4)).isoformat()})
        ).json()
        return body if sum(b["count"] for b in body["buckets"]) == 3 else None

    everything = await eventually(counted, what="three articles counted")
    assert everything["kind"] == "all" and everything["bucket_seconds"] == 3600
    assert [b["start"] for b in everything["buckets"]] == sorted(b["start"] for b in everything["buckets"])

    ua = (await api.get("/trends", params={"country": "ua", "bucket": "1d"})).json()
    today = ua["buckets"][-1]
    assert (today["count"], today["mean_score"], today["max_score"]) == (2, 40.0, 50.0)
    assert ua["key"] == "UA" and len(ua["buckets"]) == 48

    top = (await api.get("/trends/top", params={"window": "1h"})).json()
    assert [c["key"] for c in top["countries"]] == ["UA"]
    assert top["countries"][0]["current"] == {"count": 2, "escalation": 80.0, "mean_score": 40.0}
    assert [e["name"] for e in top["entities"]] == ["Kyiv"]

    for params in (
        {"bucket": "7m"},
        {"country": "UA", "entity": "Kyiv"},
        {"country": "Ukraine"},
        {"bucket": "5m", "since": (now - timedelta(days=5)).isoformat()},
        {"since": now.isoformat(), "until": (now - timedelta(hours=1)).isoformat()},
    ):
        assert (await api.get("/trends", params=params)).status_code == 422, params
    assert (await api.get("/trends/top", params={"window": "2d"})).status_code == 422


async def test_every_trend_key_expires_and_the_old_name_hash_is_removed(redis_client: Redis) -> None:
    """The names of rising entities once lived in one hash that grew with every entity ever seen."""
    await redis_client.hset(
        "trend:names", mapping={"kyiv": "Kyiv", "old-entity": "Old"}
    )  # an older version's
    store = TrendStore(redis_client, retention_days=30)
    now = utcnow()
    await store.add(
        [at(now - timedelta(minutes=5), f"x{i}", 10.0 + i, KYIV if i % 2 else MOSCOW) for i in range(6)], now
    )
    assert await store.forget_legacy() and not await redis_client.exists("trend:names")
    keys = [str(k) async for k in redis_client.scan_iter(match="trend:*")]
    assert keys and any(k.startswith("trend:name:") for k in keys)
    without_expiry = [k for k in keys if await redis_client.ttl(k) < 0]
    assert without_expiry == []
    entities = await store.rising("entity", int(now.timestamp()), 3600, 10)
    assert {r.name for r in entities} >= {"Kyiv"}
