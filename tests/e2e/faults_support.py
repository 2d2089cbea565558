"""What the fault tests share: a stream of articles released into local feeds, webhook receivers that
count what they get by idempotency key, and a reader of a whole topic.

The articles are written by us: a title and text made of random Latin words (Faker's lorem, seeded), so no
two are alike, and one escalation sentence chosen by the article's number, so which watchlist each
must reach is known in advance: every even article mentions troops, every third one sanctions.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

import httpx
import redis
from aiokafka import AIOKafkaConsumer, TopicPartition
from faker import Faker
from faker.providers.lorem.la import Provider as LatinLorem

from tests.helpers.kafka import topic
from tests.helpers.servers import LocalHTTPServer

__all__ = ["ArticleStream", "Receivers", "StreamItem", "make_user", "read_topic"]

LATIN = LatinLorem.word_list  # Faker's English word list has "soldier" and "war" in it
# Each article is its own event: its lead names its own town and figure, so story grouping (which joins
# texts that share their words and their names and numbers) never folds two of them into one alert.
TROOPS = "Troops massed near {town} overnight, {n} officials said."
SANCTIONS = "Ministers in {town} threatened {n} new sanctions against the government."


@dataclass(frozen=True)
class StreamItem:
    n: int
    link: str
    title: str
    text: str

    @property
    def troops(self) -> bool:
        return self.n % 2 == 0

    @property
    def sanctions(self) -> bool:
        return self.n % 3 == 0


def _items(count: int, base: str) -> list[StreamItem]:
    fake = Faker()
    fake.seed_instance(1234)
    items = []
    for n in range(count):
        words = " ".join(fake.sentence(nb_words=9, ext_word_list=LATIN) for _ in range(3))
        town = fake.city()
        lead = " ".join(
            s.format(town=town, n=n + 2) for s, on in ((TROOPS, n % 2 == 0), (SANCTIONS, n % 3 == 0)) if on
        )
        title = f"{fake.sentence(nb_words=6, ext_word_list=LATIN).rstrip('.')} {n}"
        items.append(StreamItem(n, f"{base}/story/{n}", title, f"{lead} {words}".strip()))
    return items


class ArticleStream:
    """``count`` articles released at ``rate_per_s`` round-robin into ``feeds`` RSS feeds, each feed
    showing its newest ``window`` items (as real feeds do, so an item can scroll off a feed that is not
    polled for long)."""

    def __init__(self, web: LocalHTTPServer, count: int, feeds: int, rate_per_s: float, window: int = 150):
        self.web = web
        self.items = _items(count, "http://wire.test")
        self.feeds = feeds
        self.rate_per_s = rate_per_s
        self.window = window
        self.released = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        for f in range(feeds):
            self._publish(f)

    def feed_url(self, f: int) -> str:
        return self.web.url(f"/feed/{f}.xml")

    def _publish(self, f: int) -> None:
        mine = [i for i in self.items[: self.released] if i.n % self.feeds == f][-self.window :]
        now = format_datetime(datetime.now(UTC))
        entries = "".join(
            f"<item><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
            f"<guid>{escape(i.link)}</guid><pubDate>{now}</pubDate>"
            f"<description>{escape(i.text)}</description></item>"
            for i in reversed(mine)
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Fault wire {f}</title><link>http://wire.test/</link>{entries}</channel></rss>"
        )
        self.web.route(f"/feed/{f}.xml", body.encode(), headers={"Content-Type": "application/rss+xml"})

    def start(self) -> ArticleStream:
        self._thread.start()
        return self

    def _run(self) -> None:
        started = time.monotonic()
        while self.released < len(self.items) and not self._stop.is_set():
            due = min(len(self.items), int((time.monotonic() - started) * self.rate_per_s) + 1)
            if due > self.released:
                self.released = due
                for f in range(self.feeds):
                    self._publish(f)
            time.sleep(0.1)

    @property
    def done(self) -> bool:
        return self.released >= len(self.items)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


@dataclass
class Receivers:
    """Webhook calls per path, counted by their Idempotency-Key."""

    web: LocalHTTPServer
    keys: dict[str, Counter[str]] = field(default_factory=dict)

    def count(self, path: str) -> Counter[str]:
        counted: Counter[str] = Counter()
        for post in self.web.posts(path):
            key = post.headers["idempotency-key"]
            assert key == json.loads(post.body)["id"], "the idempotency key is the alert's id"
            counted[key] += 1
        return counted


def alert_progress(
    store_url: str, user: str, receivers: Receivers, path: str, want: int
) -> Callable[[], str]:
    """How far alerts got: made by the match role (in Redis) and received, against what is wanted."""

    def describe() -> str:
        made = redis.Redis.from_url(store_url).zcard(f"user:{user}:alerts")
        return f"{made} of {want} alerts made, {len(receivers.count(path))} received at {path}"

    return describe


def make_user(alert_api: httpx.Client, admin_token: str, name: str, watchlist: dict[str, object]) -> str:
    """A user with one watchlist; returns the user's id."""
    user = alert_api.post("/users", json={"name": name}, headers={"Authorization": f"Bearer {admin_token}"})
    assert user.status_code == 201, user.text
    made = alert_api.post(
        "/watchlists", json=watchlist, headers={"Authorization": f"Bearer {user.json()['api_key']}"}
    )
    assert made.status_code == 201, made.text
    return str(user.json()["id"])


def read_topic(bootstrap: str, name: str) -> list[bytes]:
    """Every record now on newswatch's topic ``name``, from the beginning (no consumer group)."""

    async def read() -> list[bytes]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer.topics()  # metadata of every topic, so partitions_for_topic knows ours
            numbers = sorted(consumer.partitions_for_topic(topic(name)))
            parts = [TopicPartition(topic(name), p) for p in numbers]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            ends = await consumer.end_offsets(parts)
            got: list[bytes] = []

            async def behind() -> bool:
                return any([await consumer.position(p) < ends[p] for p in parts])

            async with asyncio.timeout(60):
                while await behind():
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        got += [r.value or b"" for r in records]
            return got
        finally:
            await consumer.stop()

    return asyncio.run(read())
