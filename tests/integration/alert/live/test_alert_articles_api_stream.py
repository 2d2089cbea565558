"""GET /articles/stream: live, filtered, resumable with Last-Event-ID, heartbeats, slow clients cut off."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.live.articles import ArticleStore
from newswatch_alert.live.filters import ArticleFilter
from newswatch_alert.live.index import STREAM, ArticleIndex
from newswatch_alert.live.stream import ArticleEvent, ArticleStreamHub, Gap
from newswatch_alert.settings import AlertSettings
from tests.helpers.sse import Event
from tests.helpers.sse import events as sse_events
from tests.integration.alert.support import ADMIN_TOKEN, eventually, produce_articles, serving
from tests.unit.alert.feed_samples import T0, article

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(fresh_kafka: str, redis_url: str) -> AlertSettings:
    """The suite's settings with a quick heartbeat, so an idle stream shows one within the test."""
    return AlertSettings(
        admin_token=ADMIN_TOKEN,
        kafka_bootstrap=fresh_kafka,
        kafka_partitions=1,
        redis_url=redis_url,
        batch_size=16,
        alert_feed_heartbeat_s=0.3,
    )


async def next_article(events: AsyncIterator[Event], timeout_s: float = 30) -> Event:
    async with asyncio.timeout(timeout_s):
        async for event in events:
            if event.event == "article":
                return event
    raise AssertionError("the stream ended")


def ua(article_id: str, minutes: int) -> object:
    return article(
        article_id,
        title=f"Troops near Kyiv, update {minutes}",
        published_at=T0 + timedelta(minutes=minutes),
        entities=[("Kyiv", "GPE", "Kyiv", "UA")],
        terms=[("troops", "military", "Troops")],
        score=30.0,
    )


def ru(article_id: str, minutes: int) -> object:
    return article(
        article_id,
        title="Moscow statement",
        published_at=T0 + timedelta(minutes=minutes),
        entities=[("Moscow", "GPE", "Moscow", "RU")],
    )


async def test_stream_is_filtered_resumable_and_beats(
    api: httpx.AsyncClient, settings: AlertSettings
) -> None:
    async with api.stream("GET", "/articles/stream", params={"country": "UA"}, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
        async with asyncio.timeout(10):
            first_block = await anext(events)
        assert "connected" in first_block.comments
        async with asyncio.timeout(10):  # idle: heartbeats keep proxies and clients informed
            while "heartbeat" not in (await anext(events)).comments:
                pass

        await produce_articles(settings, ru("r1", 1), ua("u1", 2))  # type: ignore[arg-type]
        got = await next_article(events)
        assert got.id and json.loads(got.data)["id"] == "u1"  # r1 came first but is filtered out
        assert json.loads(got.data)["highlights"]["title"][0]["label"] == "troops"
        first_id = got.id

    # Missed while disconnected: u2 and u3 (and r2, filtered out). Resuming replays exactly those.
    await produce_articles(settings, ua("u2", 3), ru("r2", 4), ua("u3", 5))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    headers = {"Last-Event-ID": first_id}
    async with api.stream("GET", "/articles/stream", params={"country": "UA"}, headers=headers) as response:
        events = sse_events(response)
        seen = [json.loads((await next_article(events)).data)["id"] for _ in range(2)]
        assert seen == ["u2", "u3"]
        await produce_articles(settings, ua("u4", 6))  # type: ignore[arg-type]
        assert json.loads((await next_article(events)).data)["id"] == "u4"

    # Last-Event-ID: 0 replays everything kept (that passes the filter), oldest first.
    async with api.stream(
        "GET", "/articles/stream", params={"country": "UA"}, headers={"Last-Event-ID": "0"}
    ) as r:
        events = sse_events(r)
        replayed = [json.loads((await next_article(events)).data)["id"] for _ in range(4)]
        assert replayed == ["u1", "u2", "u3", "u4"]

    bad = await api.get("/articles/stream", headers={"Last-Event-ID": "yesterday"})
    assert bad.status_code == 422


async def test_a_slow_client_is_cut_off_and_a_fast_one_gets_everything(redis_client: Redis) -> None:
    store = ArticleStore(redis_client, 100, 86400)
    index = ArticleIndex(redis_client, keep=100, ttl_s=86400, stream_maxlen=1000, scan_limit=1000)
    hub = ArticleStreamHub(redis_client, index, lambda a: a.id, queue_size=2, block_ms=200)
    stop = asyncio.Event()
    runner = asyncio.create_task(hub.run(stop))
    slow = hub.events(ArticleFilter.build(), None)
    fast = hub.events(ArticleFilter.build(), None)
    slow_first = asyncio.create_task(anext(slow))  # subscribes, then never reads again
    fast_seen: list[str] = []

    async def read_fast() -> None:
        async for item in fast:
            assert isinstance(item, ArticleEvent)
            fast_seen.append(item.data)
            if len(fast_seen) == 6:
                return

    fast_task = asyncio.create_task(read_fast())
    try:
        async with asyncio.timeout(10):
            while hub.clients < 2:
                await asyncio.sleep(0.01)
        for i in range(6):  # one at a time, so the fast reader keeps up while the slow one falls behind
            batch = [article(f"s{i}", title="Update", published_at=T0 + timedelta(minutes=i))]
            await store.store(batch)
            await index.add(batch, T0.timestamp())
            async with asyncio.timeout(10):
                while len(fast_seen) < i + 1:
                    await asyncio.sleep(0.01)
        async with asyncio.timeout(10):
            await fast_task
        assert fast_seen == [f"s{i}" for i in range(6)]
        assert hub.disconnected_slow == 1
        assert hub.clients == 1  # the slow one was dropped
        await fast.aclose()  # what the response does when its client goes away
        assert hub.clients == 0
        # The slow client's stream ended instead of holding what it could not take.
        async with asyncio.timeout(10):
            first = await slow_first
        assert isinstance(first, ArticleEvent) and first.data == "s0"
        with pytest.raises(StopAsyncIteration):
            await anext(slow)
    finally:
        stop.set()
        fast_task.cancel()
        slow_first.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await fast_task
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await slow_first
        await asyncio.wait_for(runner, 5)


async def test_resuming_after_trimmed_entries_says_so_then_replays_what_is_kept(redis_client: Redis) -> None:
    store = ArticleStore(redis_client, 100, 86400)
    index = ArticleIndex(redis_client, keep=100, ttl_s=86400, stream_maxlen=1000, scan_limit=1000)
    hub = ArticleStreamHub(redis_client, index, lambda a: a.id, queue_size=10)
    batch = [article(f"g{i}", title="Update", published_at=T0 + timedelta(minutes=i)) for i in range(3)]
    await store.store(batch)
    await index.add(batch, T0.timestamp())
    first_id = (await redis_client.xrange(STREAM, count=1))[0][0]
    await redis_client.xtrim(STREAM, maxlen=1, approximate=False)  # g0 and g1 are gone from the stream
    events = hub.events(ArticleFilter.build(), first_id)
    try:
        async with asyncio.timeout(10):
            gap = await anext(events)
            kept = await anext(events)
        assert isinstance(gap, Gap) and gap.last_event_id == first_id
        assert isinstance(kept, ArticleEvent) and kept.data == "g2"
    finally:
        await events.aclose()


async def test_a_replay_is_bounded_and_says_what_it_skipped(redis_client: Redis) -> None:
    """`Last-Event-ID: 0` on a full stream made a replica read every kept entry for one reconnect."""
    store = ArticleStore(redis_client, 100, 86400)
    index = ArticleIndex(redis_client, keep=100, ttl_s=86400, stream_maxlen=1000, scan_limit=1000)
    hub = ArticleStreamHub(redis_client, index, lambda a: a.id, queue_size=50, replay_max=10)
    batch = [article(f"b{i:02}", title="Update", published_at=T0 + timedelta(minutes=i)) for i in range(25)]
    await store.store(batch)
    await index.add(batch, T0.timestamp())
    events = hub.events(ArticleFilter.build(), "0")
    try:
        async with asyncio.timeout(10):
            gap = await anext(events)
            replayed = [await anext(events) for _ in range(10)]
        assert isinstance(gap, Gap) and gap.reason == "too_many" and gap.last_event_id == "0"
        assert [e.data for e in replayed if isinstance(e, ArticleEvent)] == [
            f"b{i:02}" for i in range(15, 25)
        ]
    finally:
        await events.aclose()
    # Ten behind or fewer: an ordinary replay, no gap.
    ten_behind = (await redis_client.xrange(STREAM, count=15))[-1][0]
    events = hub.events(ArticleFilter.build(), ten_behind)
    try:
        async with asyncio.timeout(10):
            first = await anext(events)
        assert isinstance(first, ArticleEvent) and first.data == "b15"
    finally:
        await events.aclose()


async def test_open_streams_are_capped_per_client_and_per_replica(redis_url: str, fresh_kafka: str) -> None:
    settings = AlertSettings(
        admin_token=ADMIN_TOKEN,
        kafka_bootstrap=fresh_kafka,
        kafka_partitions=1,
        redis_url=redis_url,
        alert_roles="api",
        alert_feed_stream_per_client=2,
        alert_feed_stream_max_connections=3,
    )
    async with serving(settings) as api:
        async with contextlib.AsyncExitStack() as streams:
            for _ in range(2):
                opened = await streams.enter_async_context(api.stream("GET", "/articles/stream"))
                assert opened.status_code == 200
            third = await api.get("/articles/stream")
            assert third.status_code == 429 and third.headers["retry-after"] == "5"
            # Another client address (127.0.0.2 is this machine too) may open one; then the replica is full.
            other = httpx.AsyncClient(
                base_url=str(api.base_url), transport=httpx.AsyncHTTPTransport(local_address="127.0.0.2")
            )
            async with other:
                opened = await streams.enter_async_context(other.stream("GET", "/articles/stream"))
                assert opened.status_code == 200
                full = await other.get("/articles/stream")
                assert full.status_code == 503 and full.headers["retry-after"] == "5"

        async def place_again() -> bool:  # closed streams give their places back
            async with api.stream("GET", "/articles/stream") as again:
                return again.status_code == 200

        assert await eventually(place_again, timeout_s=10, what="a place after the streams closed")
