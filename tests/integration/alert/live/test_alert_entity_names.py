"""One entity per real thing, end to end: "Russian" and "Russia" are one trend series, one filter, one
watchlist key, whether the article came from today's enricher or from one before the change.

Articles go through the real broker and the running app (Kafka → handler → Redis → HTTP), and the
stores are also driven directly to stand for what an older alert version left in Redis.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.live.articles import ArticleStore
from newswatch_alert.live.filters import ArticleFilter
from newswatch_alert.live.index import ArticleIndex
from newswatch_alert.live.trend_store import TrendStore, fold_rising
from newswatch_alert.settings import AlertSettings
from newswatch_shared.schemas import EnrichedArticle, utcnow
from tests.integration.alert.support import bearer, eventually, new_user, produce_articles
from tests.unit.alert.feed_samples import article

pytestmark = pytest.mark.integration

# (text, label, canonical, country) as each enricher writes them
RUSSIAN_BEFORE = ("Russian", "NORP", "Russian", "RU")  # an enricher before the change
RUSSIA = ("Russia", "GPE", "Russia", "RU")


def _article(
    article_id: str, title: str, when: datetime, score: float, *ents: tuple[str, str, str, str]
) -> EnrichedArticle:
    made = article(article_id, title=title, published_at=when, entities=list(ents), score=score)
    # country_name as enrich sets it
    return made.model_copy(
        update={"entities": [e.model_copy(update={"country_name": "Russia"}) for e in made.entities]}
    )


async def test_russian_and_russia_are_one_series_one_filter_and_one_watchlist_key(
    api: httpx.AsyncClient, settings: AlertSettings
) -> None:
    key = bearer(await new_user(api, "ana"))
    created = await api.post(
        "/watchlists",
        json={
            "name": "Russia by its people's name",
            "query": "entity:Russian",
            "channels": [{"type": "webhook", "url": "https://hooks.example/in"}],
        },
        headers=key,
    )
    assert created.status_code == 201, created.text
    now = datetime.now(UTC)
    await produce_articles(
        settings,
        _article(
            "says-russian",
            "Russian troops moved overnight",
            now - timedelta(minutes=10),
            30.0,
            RUSSIAN_BEFORE,
        ),
        _article("says-russia", "Russia denied the report", now - timedelta(minutes=5), 20.0, RUSSIA),
    )

    async def both() -> dict[str, Any] | None:
        body: dict[str, Any] = (await api.get("/articles", params={"entity": "Russian"})).json()
        return body if len(body["articles"]) == 2 else None

    found = await eventually(both, what="both articles found by entity=Russian")
    assert {a["id"] for a in found["articles"]} == {"says-russian", "says-russia"}
    # the article's chips: the older enricher's "Russian" is shown as the thing it names
    chips = {
        a["id"]: [(e["canonical"], e["label"], e["text"]) for e in a["entities"]] for a in found["articles"]
    }
    assert chips["says-russian"] == [("Russia", "GPE", "Russian")]
    for name in ("Russia", "Russians", "russian federation"):
        body = (await api.get("/articles", params={"entity": name})).json()
        assert {a["id"] for a in body["articles"]} == {"says-russian", "says-russia"}, name

    series = (await api.get("/trends", params={"entity": "Russian", "bucket": "1d"})).json()
    assert series["key"] == "russia" and series["buckets"][-1]["count"] == 2
    top = (await api.get("/trends/top", params={"window": "1h"})).json()
    assert [(e["name"], e["current"]["count"]) for e in top["entities"]] == [("Russia", 2)]

    async def alerted() -> list[str] | None:
        alerts = (await api.get("/alerts", headers=key)).json()["alerts"]
        return sorted(a["article_id"] for a in alerts) if len(alerts) == 2 else None

    assert await eventually(alerted, what="entity:Russian alerting on both") == [
        "says-russia",
        "says-russian",
    ]


async def test_what_an_older_version_left_in_redis_reads_as_one_thing(redis_client: Redis) -> None:
    """Counted and indexed by an alert before the change: canonical "Russian" in buckets and sets."""
    now = utcnow()
    old = _article("old", "Russian troops moved", now - timedelta(minutes=20), 40.0, RUSSIAN_BEFORE)
    new = _article("new", "Russia denied it", now - timedelta(minutes=10), 10.0, RUSSIA)
    trends = TrendStore(redis_client, retention_days=30)
    assert await trends.add([old, new], now) == 2  # the store counts what it is given, as before
    since = int((now - timedelta(hours=1)).timestamp())
    merged = await trends.series("entity", "russia", since, int(now.timestamp()) + 1, 3600, also=["russian"])
    assert sum(agg.count for _, agg in merged) == 2
    rising = fold_rising(await trends.rising("entity", int(now.timestamp()), 3600, 10))
    assert [(r.key, r.name, r.current.count, r.rise) for r in rising] == [("russia", "Russia", 2, 50.0)]

    await ArticleStore(redis_client, 100, 86400).store([old, new])
    index = ArticleIndex(redis_client, keep=100, ttl_s=86400, stream_maxlen=100, scan_limit=1000)
    await index.add([old, new], now.timestamp())  # indexed under "russian" by an older version
    for name in ("Russia", "Russian", "Russians"):
        page = await index.page(ArticleFilter.build(entity=[name]), None, 10, 100)
        assert [a.id for a in page.articles] == ["new", "old"], name
        (read,) = [a for a in page.articles if a.id == "old"]
        assert [(e.canonical, e.label, e.forms) for e in read.entities] == [("Russia", "GPE", ["Russian"])]
