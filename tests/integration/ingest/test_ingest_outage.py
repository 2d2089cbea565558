"""A broker outage delays articles, never drops them: nothing is marked seen until acknowledged.

Uses a broker of its own (not ``fresh_kafka``) because the test stops and restarts it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from redis.asyncio import Redis

from newswatch_cli.embedded import EmbeddedBroker
from newswatch_ingest.dedupe import SeenStore
from newswatch_ingest.feeds import FeedRegistry
from newswatch_ingest.fetch import make_http_client
from newswatch_ingest.poller import Poller, PollerConfig
from newswatch_shared.kafka import ensure_topics, make_producer
from newswatch_shared.netguard import EgressPolicy
from newswatch_shared.schemas import RawArticle, decode, utcnow
from newswatch_shared.settings import KafkaConfig
from newswatch_shared.topics import ARTICLES_RAW
from tests.helpers.kafka import EXTERNAL
from tests.helpers.servers import LocalHTTPServer
from tests.integration.ingest.support import rss

pytestmark = [
    pytest.mark.integration,
    # The outage is made by stopping and restarting embedded brokers, which an existing Kafka is not.
    pytest.mark.skipif(EXTERNAL is not None, reason="stops and restarts its own embedded brokers"),
]

FIRST = ("talks-open", "Talks open in a neutral capital", "Both delegations arrived overnight.")
SECOND = ("talks-stall", "Talks stall over the prisoner list", "Negotiators left without a statement.")
RSS = {"Content-Type": "application/rss+xml"}

#: The servers here are on 127.0.0.1, which the egress guard refuses unless allowed.
LOCAL = EgressPolicy(allow_private=True)


class Brokers:
    """A broker on one port that the test can stop and start again; all are stopped at the end."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self.started: list[EmbeddedBroker] = []
        self.current = self.start()

    def start(self, port: int | None = None) -> EmbeddedBroker:
        log = self._log_dir / f"tansu-{len(self.started)}.log"
        self.current = EmbeddedBroker(port=port, log_path=log).start()
        self.started.append(self.current)
        return self.current

    def restart(self) -> None:
        self.start(self.current.port)

    def stop_all(self) -> None:
        for broker in self.started:
            broker.stop()


@pytest.fixture
def brokers(tmp_path: Path) -> Iterator[Brokers]:
    if os.environ.get("NEWSWATCH_KAFKA_BOOTSTRAP"):
        pytest.skip("needs the embedded broker, which it stops and restarts")
    b = Brokers(tmp_path)
    try:
        yield b
    finally:
        b.stop_all()


async def read_titles(cfg: KafkaConfig, count: int) -> list[str]:
    consumer = AIOKafkaConsumer(
        ARTICLES_RAW, bootstrap_servers=cfg.bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    titles: list[str] = []
    try:
        async with asyncio.timeout(30):
            while len(titles) < count:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    titles += [decode(RawArticle, r.value).title for r in records]
    finally:
        await consumer.stop()
    return titles


async def test_articles_sent_during_an_outage_are_sent_after_it(
    brokers: Brokers, redis_client: Redis
) -> None:
    cfg = KafkaConfig(
        bootstrap=brokers.current.bootstrap,
        client_id="outage-test",
        enable_idempotence=False,
        partitions=1,
        create_topics=True,
        request_timeout_ms=3000,
    )
    await ensure_topics(cfg, [ARTICLES_RAW])
    producer = make_producer(cfg)
    await producer.start()
    registry = FeedRegistry(redis_client)
    seen = SeenStore(redis_client, ttl_s=3600)
    with LocalHTTPServer() as web:
        web.route("/f.xml", rss("Wire", [FIRST]), headers={**RSS, "ETag": '"v1"'})
        feed, _ = await registry.add(web.url("/f.xml"), now=utcnow())
        async with make_http_client("test", 5, 2, egress=LOCAL) as http:
            poller = Poller(registry, seen, http, producer, PollerConfig(interval_s=1, fetch_timeout_s=5))
            try:
                await poller.poll_feed(feed.id)
                assert await read_titles(cfg, 1) == [FIRST[1]]

                # The broker goes away while the feed gains an item.
                brokers.current.stop()
                web.route("/f.xml", rss("Wire", [SECOND, FIRST]), headers={**RSS, "ETag": '"v2"'})
                await poller.poll_feed(feed.id)
                failed = await registry.get(feed.id)
                assert failed is not None
                assert (failed.last_error_kind, failed.consecutive_failures) == ("publish", 1)
                assert failed.etag == '"v1"'  # so the next fetch is not answered with 304
                assert failed.articles_published == 1

                # The broker is back (empty: it keeps data in memory); the next poll sends the item.
                brokers.restart()
                await ensure_topics(cfg, [ARTICLES_RAW])
                await poller.poll_feed(feed.id)
                recovered = await registry.get(feed.id)
                assert recovered is not None
                assert (recovered.consecutive_failures, recovered.etag, recovered.articles_published) == (
                    0,
                    '"v2"',
                    2,
                )
                assert await read_titles(cfg, 1) == [SECOND[1]]
                assert [r.headers.get("if-none-match") for r in web.requests("/f.xml")] == [
                    None,
                    '"v1"',
                    '"v1"',
                ]
            finally:
                await producer.stop()
