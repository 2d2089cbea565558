"""The poll loop with real Redis, broker and HTTP servers: two replicas share the schedule without
polling a feed twice, a restart does not re-poll everything, and each host gets at most N fetches
at once. The loops run on a clock the test moves, so "once per interval" needs no waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from redis.asyncio import Redis

from newswatch_ingest.dedupe import SeenStore
from newswatch_ingest.feeds import FeedRegistry
from newswatch_ingest.fetch import make_http_client
from newswatch_ingest.poller import Poller, PollerConfig
from newswatch_ingest.settings import IngestSettings
from newswatch_shared.kafka import ensure_topics, make_producer
from newswatch_shared.netguard import EgressPolicy
from newswatch_shared.topics import ALL_TOPICS, ARTICLES_RAW
from tests.helpers.kafka import topic
from tests.integration.ingest.sched_servers import host_servers, metric
from tests.integration.ingest.support import RawReader, eventually, rss

pytestmark = pytest.mark.integration

T0 = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
RSS = {"Content-Type": "application/rss+xml"}

#: The servers here are on 127.0.0.1, which the egress guard refuses unless allowed.
LOCAL = EgressPolicy(allow_private=True)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def producer(make_settings: Callable[..., IngestSettings]) -> AsyncIterator[AIOKafkaProducer]:
    cfg = make_settings().kafka("ingest")
    await ensure_topics(cfg, ALL_TOPICS)
    p = make_producer(cfg)
    await p.start()
    try:
        yield p
    finally:
        await p.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client("newswatch-test/1", timeout_s=30, max_concurrency=16, egress=LOCAL) as client:
        yield client


@asynccontextmanager
async def running(poller: Poller) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


def config(**overrides: float) -> PollerConfig:
    values: dict[str, float] = {"interval_s": 300, "fetch_timeout_s": 30, "idle_s": 0.05, "busy_s": 0.05}
    values.update(overrides)
    return PollerConfig(**values, raw_topic=topic(ARTICLES_RAW))  # type: ignore[arg-type]


def item(n: int) -> list[tuple[str, str, str]]:
    return [(f"story-{n}", f"Story number {n} from the coast", "Boats were counted at the harbour.")]


@pytest.fixture
def servers() -> Iterator[tuple[object, list[object]]]:
    with host_servers("127.0.0.1", "127.0.0.2") as pair:
        yield pair  # type: ignore[misc]


async def test_two_replicas_poll_each_feed_once_per_interval(
    redis_client: Redis,
    producer: AIOKafkaProducer,
    http: httpx.AsyncClient,
    fresh_kafka: str,
) -> None:
    clock = Clock(T0)
    registry = FeedRegistry(redis_client, 300.0, clock=clock)
    seen = SeenStore(redis_client, ttl_s=3600)
    with host_servers("127.0.0.1") as (tracker, (web,)):
        tracker.delay_s = 0.05  # polls overlap, so both replicas see the same feeds due
        paths = [f"/f{n}.xml" for n in range(12)]
        for n, path in enumerate(paths):
            tracker.routes[path] = (200, RSS, rss(f"Coast {n}", item(n)))
            await registry.add(web.url(path), now=T0)
        replicas = [
            Poller(registry, seen, http, producer, config(max_per_host=4), clock=clock) for _ in range(2)
        ]

        async def all_polled_at(when: datetime) -> bool:
            feeds = await registry.list_feeds()
            return len(feeds) == 12 and all(f.last_fetch_at == when for f in feeds)

        async with running(replicas[0]), running(replicas[1]):
            await eventually(lambda: all_polled_at(T0), "every feed polled once")
            # One interval later (past the +10 % jitter) every feed is due again.
            clock.now = T0 + timedelta(seconds=400)
            for replica in replicas:
                replica.wake()
            await eventually(lambda: all_polled_at(T0 + timedelta(seconds=400)), "the second round")
        assert {path: tracker.count(path) for path in paths} == dict.fromkeys(paths, 2)
        # The second round brought nothing new (the same items): twelve articles in all.
        reader = RawReader(fresh_kafka)
        await reader.consumer.start()
        try:
            articles = await reader.read_all()
        finally:
            await reader.consumer.stop()
        assert sorted(a.title for a in articles) == sorted(
            f"Story number {n} from the coast" for n in range(12)
        )

        # A restart (a new replica, a few seconds later) polls nothing that is not due...
        clock.now = T0 + timedelta(seconds=410)
        restarted = Poller(registry, seen, http, producer, config(max_per_host=4), clock=clock)
        sentinel = "/sentinel.xml"
        tracker.routes[sentinel] = (200, RSS, rss("Sentinel", item(99)))
        async with running(restarted):
            # ...while a feed that is due is polled: once it is, the loop has looked at the schedule.
            feed, _ = await registry.add(web.url(sentinel), now=clock.now)
            restarted.wake()

            async def sentinel_polled() -> bool:
                got = await registry.get(feed.id)
                return got is not None and got.last_fetch_at is not None

            await eventually(sentinel_polled, "the sentinel feed to be polled")
        assert {path: tracker.count(path) for path in paths} == dict.fromkeys(paths, 2)


async def test_each_host_gets_at_most_its_share_of_fetches(
    redis_client: Redis, producer: AIOKafkaProducer, http: httpx.AsyncClient
) -> None:
    clock = Clock(T0)
    registry = FeedRegistry(redis_client, 300.0, clock=clock)
    seen = SeenStore(redis_client, ttl_s=3600)
    deferred_before = metric("newswatch_ingest_polls_deferred_total")
    with host_servers("127.0.0.1", "127.0.0.2") as (tracker, (busy, other)):
        tracker.gate.clear()  # every response waits until the test opens the gate
        ids = []
        for n in range(5):
            tracker.routes[f"/busy{n}.xml"] = (200, RSS, rss("Busy", item(n)))
            ids.append((await registry.add(busy.url(f"/busy{n}.xml"), now=T0))[0].id)
        for n in range(2):
            tracker.routes[f"/other{n}.xml"] = (200, RSS, rss("Other", item(10 + n)))
            ids.append((await registry.add(other.url(f"/other{n}.xml"), now=T0))[0].id)
        poller = Poller(
            registry, seen, http, producer, config(max_concurrency=8, max_per_host=2), clock=clock
        )
        async with running(poller):

            async def both_hosts_busy() -> bool:
                return tracker.now_in_flight("127.0.0.1") == 2 and tracker.now_in_flight("127.0.0.2") == 2

            await eventually(both_hosts_busy, "two fetches in flight on each host")
            # Slots are free overall (8), yet the busy host's other three feeds wait their turn.
            assert tracker.host_count("127.0.0.1") == 2
            await eventually(
                lambda: _true(metric("newswatch_ingest_polls_deferred_total") > deferred_before),
                "deferrals to be counted",
            )
            tracker.gate.set()

            async def all_polled() -> bool:
                feeds = [await registry.get(i) for i in ids]
                return all(f is not None and f.last_status == 200 for f in feeds)

            await eventually(all_polled, "every feed to be polled")
        assert tracker.host_count("127.0.0.1") == 5 and tracker.host_count("127.0.0.2") == 2
        assert tracker.peak["127.0.0.1"] == 2 and tracker.peak["127.0.0.2"] == 2


async def _true(value: bool) -> bool:
    return value
