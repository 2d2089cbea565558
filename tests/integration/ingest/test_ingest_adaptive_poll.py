"""Adaptive polling in the real poll loop: a feed that publishes often is polled more often than one
that does not, within the floor and the configured interval (real Redis, broker and HTTP servers)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

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
from newswatch_shared.schemas import utcnow
from newswatch_shared.topics import ALL_TOPICS, ARTICLES_RAW
from tests.helpers.kafka import topic
from tests.integration.ingest.sched_servers import host_servers
from tests.integration.ingest.support import rss

pytestmark = pytest.mark.integration

RSS = {"Content-Type": "application/rss+xml"}
CAP_S, FLOOR_S = 4.0, 1.0  # 1 s: the shortest delay the scheduler allows


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


def items(n: int) -> list[tuple[str, str, str]]:
    return [(f"s{k}", f"Shipping update {k}", "A vessel docked.") for k in range(n, 0, -1)]


@pytest.mark.parametrize("adaptive", [True, False])
async def test_a_busy_feed_is_polled_more_often_than_a_quiet_one(
    adaptive: bool, redis_client: Redis, producer: AIOKafkaProducer
) -> None:
    registry = FeedRegistry(redis_client, CAP_S)
    config = PollerConfig(
        interval_s=CAP_S,
        min_interval_s=FLOOR_S,
        adaptive=adaptive,
        idle_s=0.05,
        busy_s=0.05,
        raw_topic=topic(ARTICLES_RAW),
    )
    stop_writing = threading.Event()
    with host_servers("127.0.0.1") as (tracker, (web,)):
        tracker.routes["/busy.xml"] = (200, RSS, rss("Busy", items(1)))
        tracker.routes["/quiet.xml"] = (200, RSS, rss("Quiet", items(1)))

        def write() -> None:  # a new item on the busy feed every 0.2 s
            n = 1
            while not stop_writing.wait(0.2):
                n += 1
                with tracker.lock:
                    tracker.routes["/busy.xml"] = (200, RSS, rss("Busy", items(n)))

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        busy, _ = await registry.add(web.url("/busy.xml"), now=utcnow())
        quiet, _ = await registry.add(web.url("/quiet.xml"), now=utcnow())
        local = EgressPolicy(allow_private=True)
        async with make_http_client("t/1", timeout_s=10, max_concurrency=4, egress=local) as http:
            poller = Poller(registry, SeenStore(redis_client, 3600), http, producer, config)
            stop = asyncio.Event()
            task = asyncio.create_task(poller.run(stop))
            await asyncio.sleep(2.5 * CAP_S)
            stop.set()
            await asyncio.wait_for(task, 30)
        stop_writing.set()
        writer.join()
        busy_polls, quiet_polls = tracker.count("/busy.xml"), tracker.count("/quiet.xml")
    got_busy, got_quiet = await registry.get(busy.id), await registry.get(quiet.id)
    assert got_busy is not None and got_quiet is not None
    assert got_quiet.poll_interval_s == CAP_S and quiet_polls <= 3
    if adaptive:
        # The busy feed drops to the floor once its rhythm is known (after its second poll).
        assert got_busy.poll_interval_s == FLOOR_S
        assert busy_polls >= 2 * quiet_polls, (busy_polls, quiet_polls)
    else:
        assert got_busy.poll_interval_s == CAP_S and busy_polls <= 3
