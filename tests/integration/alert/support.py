"""Helpers for the alert integration tests: sample articles, the webhook receiver, serving the app
under uvicorn, and Kafka look-ups."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, TopicPartition

from newswatch_alert.app import create_app
from newswatch_alert.roles.match import GROUP_ID
from newswatch_alert.settings import AlertSettings
from newswatch_cli.embedded import free_port
from newswatch_shared.kafka import make_producer
from newswatch_shared.schemas import EnrichedArticle, Entity, EscalationMatch, RawArticle, encode
from newswatch_shared.topics import ARTICLES_ENRICHED
from tests.helpers.kafka import group, topic

T = TypeVar("T")

ADMIN_TOKEN = "an-admin-token-only-for-tests"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

TITLE = "Ukraine reports fresh troops massing near its eastern border"
SENTENCE = "Officials in Kyiv said more troops and armour arrived overnight."


def border_article(article_id: str = "border-1", published_at: datetime = NOW) -> EnrichedArticle:
    """An enriched article as enrich would publish it (written for these tests)."""
    raw = RawArticle(
        id=article_id,
        url=f"https://news.example/{article_id}",
        title=TITLE,
        summary=SENTENCE,
        content=SENTENCE + " Diplomats in Geneva plan another round of talks next week.",
        published_at=published_at,
        feed_id="feed-1",
        feed_title="Example Wire",
        fetched_at=published_at,
    )
    return EnrichedArticle(
        article=raw,
        language="en",
        entities=[
            Entity(text="Ukraine", label="GPE", canonical="Ukraine", country="UA"),
            Entity(text="Kyiv", label="GPE", canonical="Kyiv", country="UA"),
            Entity(text="Geneva", label="GPE", canonical="Geneva", country="CH"),
        ],
        escalation=[
            EscalationMatch(
                term="troops",
                category="military",
                weight=3.0,
                text="troops",
                start=26,
                end=32,
                sentence=TITLE,
            )
        ],
        score=42.0,
        enriched_at=published_at,
        enricher="test",
    )


# -- webhook receiver --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers POSTs by path: ``/ok`` 200, ``/flaky`` 500 then 503 then 200, ``/slow`` late, else 500."""

    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def received(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]


def _handler_for(receiver_ref: list[Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            receiver = receiver_ref[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                seen = sum(1 for r in receiver.requests if r.path == self.path)
            if self.path == "/slow":
                time.sleep(1.5)
            code = {"/ok": 200, "/flaky": {1: 500, 2: 503}.get(seen, 200)}.get(self.path, 500)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver on a free port, in a thread, shut down afterwards."""
    ref: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(ref))
    server.daemon_threads = True
    ref.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ref[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# -- the app -----------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def serving(settings: AlertSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The app under uvicorn on a free port, stopped gracefully (lifespan exit) afterwards."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(60):
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("the app did not start")
                await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


# -- helpers -----------------------------------------------------------------------------------------


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def new_user(api: httpx.AsyncClient, name: str) -> str:
    """Create a user; returns its API key."""
    response = await api.post("/users", json={"name": name}, headers=admin())
    assert response.status_code == 201, response.text
    key: str = response.json()["api_key"]
    return key


async def produce(settings: AlertSettings, *values: bytes, key: bytes = b"k") -> None:
    producer = make_producer(settings.kafka("test"))
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic(ARTICLES_ENRICHED), value, key=key)
    finally:
        await producer.stop()


async def produce_articles(settings: AlertSettings, *articles: EnrichedArticle) -> None:
    for article in articles:
        await produce(settings, encode(article), key=article.id.encode())


async def committed(settings: AlertSettings) -> int:
    """Sum of the alert group's committed offsets on articles.enriched."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, group_id=group(GROUP_ID), enable_auto_commit=False
    )
    await consumer.start()
    try:
        total = 0
        for partition in range(settings.kafka_partitions):
            total += await consumer.committed(TopicPartition(topic(ARTICLES_ENRICHED), partition)) or 0
        return total
    finally:
        await consumer.stop()


async def drain(
    settings: AlertSettings, name: str, n: int, timeout_s: float = 30
) -> list[tuple[bytes | None, dict[str, bytes]]]:
    """The first ``n`` records of newswatch's topic ``name`` (read by a group of its own)."""
    consumer = AIOKafkaConsumer(
        topic(name),
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=group(f"reader-{name}"),
        auto_offset_reset="earliest",
    )
    await consumer.start()
    got: list[tuple[bytes | None, dict[str, bytes]]] = []
    try:
        async with asyncio.timeout(timeout_s):
            while len(got) < n:
                for records in (await consumer.getmany(timeout_ms=300)).values():
                    got += [(r.value, dict(r.headers)) for r in records]
    finally:
        await consumer.stop()
    return got


async def eventually(check: Callable[[], Awaitable[T | None]], timeout_s: float = 30, what: str = "") -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout_s``."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what or check}")
        await asyncio.sleep(0.05)
