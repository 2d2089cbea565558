"""Helpers for the ingest integration tests: the real app in its own thread, feeds we write, a
reader of ``articles.raw`` with its own consumer group, and a deadline-bound wait.

The app runs under uvicorn in a thread with its own event loop, as it would in its own process, so
the test's loop (which reads Kafka) never shares a loop with the service under test.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TypeVar
from xml.sax.saxutils import escape

import uvicorn
from aiokafka import AIOKafkaConsumer

from newswatch_cli.embedded import free_port
from newswatch_ingest.app import create_app
from newswatch_ingest.settings import IngestSettings
from newswatch_shared.ids import new_id
from newswatch_shared.kafka import make_consumer, make_producer
from newswatch_shared.schemas import RawArticle, decode
from newswatch_shared.settings import KafkaConfig
from newswatch_shared.topics import ARTICLES_RAW
from tests.helpers.kafka import IDEMPOTENT, prefix

ADMIN_TOKEN = "integration-admin-token-0123456789"
PARTITIONS = 3
T = TypeVar("T")


def rss(title: str, items: list[tuple[str, str, str]], base: str = "https://wire.example.org") -> bytes:
    """An RSS 2.0 document from (slug, title, description) items, newest first."""
    now = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{base}/news/{slug}?utm_source=rss&amp;utm_medium=feed</link>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=i), usegmt=True)}</pubDate>"
        f"<description>{escape(d)}</description></item>"
        for i, (slug, t, d) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{base}/</link><language>en</language>{body}</channel></rss>"
    ).encode()


async def eventually(check: Callable[[], Awaitable[T | None]], what: str, timeout_s: float = 30.0) -> T:
    """Await ``check`` until it returns something truthy, or fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while True:
        try:
            result = await check()
            if result:
                return result
        except Exception as e:  # not there yet
            last = e
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what} (last error: {last})")
        await asyncio.sleep(0.1)


@contextmanager
def serve_app(settings: IngestSettings, port: int | None = None) -> Iterator[str]:
    """Run the app under uvicorn in a thread; yields its base URL once it is serving. ``port``: one
    chosen beforehand (a WebSub test gives the app its own public URL)."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="ingest-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the ingest app exited during start-up")
        if time.monotonic() > deadline:
            raise TimeoutError("the ingest app did not start within 60 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        assert not thread.is_alive(), "the ingest app did not shut down"


class RawReader:
    """Reads ``articles.raw`` from the start with a consumer group of its own.

    "Nothing more was published" is checked with a barrier rather than end offsets (the embedded
    broker reports end offsets of batched writes short): a marker is written to every partition,
    and once all markers are read, everything acknowledged before them has been read too.
    """

    def __init__(self, bootstrap: str) -> None:
        self.cfg = KafkaConfig(
            bootstrap=bootstrap,
            client_id="test-reader",
            enable_idempotence=IDEMPOTENT,
            topic_prefix=prefix(),
            partitions=PARTITIONS,
            create_topics=False,
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
        )
        self.consumer: AIOKafkaConsumer = make_consumer(self.cfg, [ARTICLES_RAW], f"test-reader-{new_id()}")
        self.articles: list[RawArticle] = []
        self.keys: list[bytes | None] = []
        self._markers_seen = 0

    async def _read(self, done: Callable[[], bool], timeout_s: float, what: str) -> None:
        try:
            async with asyncio.timeout(timeout_s):
                while not done():
                    for records in (await self.consumer.getmany(timeout_ms=200)).values():
                        for r in records:
                            if dict(r.headers).get(_BARRIER):
                                self._markers_seen += 1
                                continue
                            self.keys.append(r.key)
                            self.articles.append(decode(RawArticle, r.value))
        except TimeoutError:
            titles = [a.title for a in self.articles]
            raise AssertionError(f"timed out waiting for {what}; articles read: {titles}") from None

    async def read_until(self, count: int, timeout_s: float = 30.0) -> list[RawArticle]:
        """Read until at least ``count`` articles have arrived in total; returns them all."""
        await self._read(lambda: len(self.articles) >= count, timeout_s, f"{count} articles")
        return self.articles

    async def read_all(self, timeout_s: float = 30.0) -> list[RawArticle]:
        """Every article acknowledged on the topic so far (read up to a barrier on each partition)."""
        producer = make_producer(self.cfg)
        await producer.start()
        try:
            for partition in range(PARTITIONS):
                await producer.send_and_wait(
                    self.cfg.topic(ARTICLES_RAW),
                    b"{}",
                    key=b"barrier",
                    partition=partition,
                    headers=[(_BARRIER, b"1")],
                )
        finally:
            await producer.stop()
        target = self._markers_seen + PARTITIONS
        await self._read(lambda: self._markers_seen >= target, timeout_s, "the barrier markers")
        return self.articles


_BARRIER = "test-barrier"
