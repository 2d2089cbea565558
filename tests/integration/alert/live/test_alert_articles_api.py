"""The live feed index against a real Redis, and GET /articles end to end through the running app."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.live.articles import ArticleStore
from newswatch_alert.live.filters import ArticleFilter, Cursor, member_of
from newswatch_alert.live.index import FEED, FEED_INDEXED, STREAM, ArticleIndex
from newswatch_alert.settings import AlertSettings
from newswatch_shared.schemas import EnrichedArticle
from tests.integration.alert.support import eventually, produce_articles
from tests.unit.alert.feed_samples import T0, article, random_articles

pytestmark = pytest.mark.integration

TTL_S = 7 * 86400


async def stored(redis: Redis, batch: list[EnrichedArticle], keep: int = 1000, **kw: Any) -> ArticleIndex:
    """Store like the handler does: the article store first, then the index."""
    await ArticleStore(redis, keep, TTL_S).store(batch)
    index = ArticleIndex(
        redis, keep=keep, ttl_s=TTL_S, stream_maxlen=1000, scan_limit=kw.get("scan_limit", 5000)
    )
    await index.add(batch, kw.get("now_s", T0.timestamp()))
    return index


SHORT_PAGES: list[int] = []  # pages cut short by a scan budget yet with a cursor (the test checks some were)


async def all_pages(index: ArticleIndex, flt: ArticleFilter, limit: int, text_scan: int = 2000) -> list[str]:
    ids: list[str] = []
    cursor: Cursor | None = None
    for _ in range(500):
        page = await index.page(flt, cursor, limit, text_scan)
        ids += [a.id for a in page.articles]
        if page.next_cursor is None:
            return ids
        if len(page.articles) < limit:
            SHORT_PAGES.append(len(page.articles))
        cursor = page.next_cursor
    raise AssertionError("paging did not end")


FILTERS: list[dict[str, Any]] = [
    {},
    {"country": ["UA"]},
    {"country": ["UA", "RU"]},
    {"country": ["PL"], "term": ["troops"]},
    {"entity": ["Nord Stream 2"], "category": ["economic", "military"]},
    {"min_score": 40},
    {"language": ["en"], "source": ["Daily Ledger"]},
    {"q": "harvest"},
    {"q": '"weather market"', "country": ["UA"]},
    {"since": T0 + timedelta(hours=1), "until": T0 + timedelta(hours=4)},
    {"term": ["invasion"], "min_score": 10, "since": T0 + timedelta(hours=2)},
    {"country": ["FR"]},
    {"min_score": 85},
    {"language": ["de"], "min_score": 60},
]


@pytest.mark.parametrize("scan_limit", [5000, 40])  # 40: pages end early on the budget, paging goes on
async def test_filtered_pages_equal_a_brute_force_scan(redis_client: Redis, scan_limit: int) -> None:
    articles = random_articles(150, seed=11)
    index = await stored(redis_client, articles, scan_limit=scan_limit)
    SHORT_PAGES.clear()
    for kwargs in FILTERS:
        flt = ArticleFilter.build(**kwargs)
        expected = [a.id for a in sorted(articles, key=member_of, reverse=True) if flt.matches(a)]
        for limit in (1, 7, 50):
            assert await all_pages(index, flt, limit, text_scan=60) == expected, (kwargs, limit)
    assert SHORT_PAGES  # the budgets (the text one always, the scan one at 40) did cut pages short


async def test_cursor_is_stable_while_new_articles_arrive(redis_client: Redis) -> None:
    articles = random_articles(30, seed=5)
    index = await stored(redis_client, articles)
    flt = ArticleFilter.build()
    first = await index.page(flt, None, 10, 100)
    newer = [
        article(f"new{i}", title="Late news", published_at=T0 + timedelta(days=2, minutes=i))
        for i in range(5)
    ]
    await stored(redis_client, newer)
    rest = await all_pages_from(index, flt, first.next_cursor)
    expected = [a.id for a in sorted(articles, key=member_of, reverse=True)]
    assert [a.id for a in first.articles] + rest == expected  # nothing skipped or repeated
    assert [a.id for a in (await index.page(flt, None, 5, 100)).articles] == [
        f"new{i}" for i in range(4, -1, -1)
    ]


async def all_pages_from(index: ArticleIndex, flt: ArticleFilter, cursor: Cursor | None) -> list[str]:
    ids: list[str] = []
    while cursor is not None:
        page = await index.page(flt, cursor, 10, 100)
        ids += [a.id for a in page.articles]
        cursor = page.next_cursor
    return ids


async def test_retention_by_count_and_age_reaches_every_index_key(redis_client: Redis) -> None:
    articles = [
        article(
            f"r{i}",
            title="Troops near Kyiv",
            published_at=T0 + timedelta(minutes=i),
            entities=[("Kyiv", "GPE", "Kyiv", "UA")],
        )
        for i in range(15)
    ]
    index = await stored(redis_client, articles, keep=10)
    assert await redis_client.zcard(FEED) == 10
    assert await redis_client.zcard("articles:facet:country:UA") == 10
    assert await redis_client.hlen(FEED_INDEXED) == 10
    kept = await all_pages(index, ArticleFilter.build(country=["UA"]), 4)
    assert kept == [f"r{i}" for i in range(14, 4, -1)]

    # A write more than the TTL later unindexes what was stored before (its JSON has expired).
    late = article("late", title="Later", published_at=T0 + timedelta(days=9))
    await ArticleStore(redis_client, 10, TTL_S).store([late])
    await index.add([late], T0.timestamp() + TTL_S + 60)
    assert await all_pages(index, ArticleFilter.build(), 20) == ["late"]
    assert await redis_client.zcard("articles:facet:country:UA") == 0
    assert await redis_client.hlen(FEED_INDEXED) == 1


async def test_rewrites_publish_only_changes(redis_client: Redis) -> None:
    a = article("x1", title="Troops", terms=[("troops", "military", "Troops")], score=10.0)
    index = await stored(redis_client, [a])
    assert await index.add([a], T0.timestamp()) == 0  # a redelivery: nothing new
    changed = a.model_copy(update={"score": 55.0})
    assert await index.add([changed], T0.timestamp()) == 1
    assert await redis_client.xlen(STREAM) == 2
    assert await redis_client.zrange(FEED, 0, -1) == [member_of(changed)]
    assert await redis_client.zrange("articles:facet:term:troops", 0, -1) == [member_of(changed)]


async def test_entries_whose_article_vanished_are_skipped_and_dropped(redis_client: Redis) -> None:
    articles = random_articles(12, seed=8)
    index = await stored(redis_client, articles)
    gone = sorted(articles, key=member_of, reverse=True)[:3]
    await redis_client.delete(*[f"article:{a.id}" for a in gone])
    page = await index.page(ArticleFilter.build(), None, 5, 100)
    assert [a.id for a in page.articles] == [a.id for a in sorted(articles, key=member_of, reverse=True)[3:8]]
    assert await redis_client.zcard(FEED) == 9


# -- through the running app -------------------------------------------------------------------------


async def test_articles_api_filters_pages_and_details(
    api: httpx.AsyncClient, settings: AlertSettings
) -> None:
    articles = [
        article(
            "k1",
            title="Troops gather near Kyiv",
            summary="Officials in Kyiv expect sanctions.",
            published_at=T0,
            entities=[("Kyiv", "GPE", "Kyiv", "UA")],
            terms=[("troops", "military", "Troops"), ("sanctions", "economic", "sanctions")],
            score=48.0,
        ),
        article("k2", title="Harvest fair opens", published_at=T0 + timedelta(hours=1), score=0.0),
        article(
            "k3",
            title="Moscow rejects talks",
            published_at=T0 + timedelta(hours=2),
            entities=[("Moscow", "GPE", "Moscow", "RU")],
            terms=[("talks", "diplomatic", "talks")],
            score=20.0,
            language="de",
        ),
    ]
    await produce_articles(settings, *articles)

    async def listed() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = (await api.get("/articles")).json()["articles"]
        return found if len(found) == 3 else None

    everything = await eventually(listed, what="three articles listed")
    assert [a["id"] for a in everything] == ["k3", "k2", "k1"]

    ua = (await api.get("/articles", params={"country": "ua", "min_score": 40})).json()
    assert [a["id"] for a in ua["articles"]] == ["k1"] and ua["next_cursor"] is None
    title_marks = [(h["start"], h["end"], h["kind"]) for h in ua["articles"][0]["highlights"]["title"]]
    assert title_marks == [(0, 6, "term"), (19, 23, "entity")]
    assert (await api.get("/articles", params={"q": "harvest fair"})).json()["articles"][0]["id"] == "k2"
    several = await api.get("/articles", params=[("country", "UA"), ("country", "RU")])
    assert [a["id"] for a in several.json()["articles"]] == ["k3", "k1"]

    first = (await api.get("/articles", params={"limit": 2})).json()
    second = (await api.get("/articles", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [a["id"] for a in first["articles"] + second["articles"]] == ["k3", "k2", "k1"]
    assert second["next_cursor"] is None

    detail = (await api.get("/articles/k1")).json()
    assert detail["text"][detail["escalation"][1]["start"] : detail["escalation"][1]["end"]] == "sanctions"
    assert {"content", "feed_title", "enricher", "highlights"} <= set(detail)
    assert (await api.get("/articles/nope")).status_code == 404

    # A cursor this API did not make — garbage, or a well-formed position typed by hand — is a 422,
    # never an empty page that looks like the end of the feed.
    made_by_hand = base64.urlsafe_b64encode(b"1795768200000:k1").decode().rstrip("=")
    params_list: list[dict[str, object]] = [
        {"cursor": "bogus"},
        {"cursor": made_by_hand},
        {"country": "Ukraine"},
        {"limit": 0},
        {"min_score": 101},
    ]
    for params in params_list:
        response = await api.get("/articles", params=params)
        assert response.status_code == 422, params
        assert isinstance(response.json()["detail"], list)

    spec = (await api.get("/openapi.json")).json()
    for path in ("/articles", "/articles/stream", "/articles/{article_id}", "/trends", "/trends/top"):
        ok = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert any("example" in body for body in ok.values()), path
