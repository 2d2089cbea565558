"""The outside world of the end-to-end benchmark: feeds that publish, and a receiver of webhooks.

``FeedFarm`` serves ``feeds`` RSS feeds from one local server and releases new items into them at a
rate that can change while it runs. For each item it records when it appeared and when a poll first
served it, so a measured time-to-alert splits into the polling wait (appeared → fetched) and the
pipeline (fetched → alert at the receiver).

The items are written by us from the match benchmark's vocabulary: a title, a two-sentence summary
and a short body, about 120 words (an RSS item's usual size), naming countries, entities and escalation
terms with news-like skew, and every title carries the word "dispatch" so that one probe watchlist
matches every item and its webhook times each one.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

__all__ = ["FeedFarm", "Item", "Receiver"]

PROBE_WORD = "dispatch"


@dataclass
class Item:
    n: int
    feed: int
    link: str
    title: str
    summary: str
    content: str
    appeared: float  # wall clock (time.time()), comparable across processes
    fetched: float | None = None
    alerted: float | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


class FeedFarm:
    def __init__(self, feeds: int, words: list[str], names: list[str], seed: int = 7, window: int = 60):
        self.feeds = feeds
        self.window = window
        self.items: list[Item] = []
        self.by_link: dict[str, Item] = {}
        self._per_feed: list[list[Item]] = [[] for _ in range(feeds)]
        self._rng = random.Random(seed)
        self._words = words
        self._names = names
        self._lock = threading.Lock()
        self._rate = 0.0
        self._stop = threading.Event()
        self._hub_url: str | None = None
        self._ping: Callable[[str], object] | None = None
        self.ping_errors = 0
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                try:
                    f = int(self.path.removeprefix("/feed/").removesuffix(".xml"))
                except ValueError:
                    self.send_error(404)
                    return
                body = farm._document(f)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._threads = [
            threading.Thread(target=self._server.serve_forever, daemon=True),
            threading.Thread(target=self._release, daemon=True),
        ]

    def url(self, f: int) -> str:
        return f"http://127.0.0.1:{self.port}/feed/{f}.xml"

    def start(self) -> FeedFarm:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def set_rate(self, per_s: float) -> None:
        self._rate = per_s

    def advertise_hub(self, hub_url: str | None, ping: Callable[[str], object] | None) -> None:
        """From now on the feeds name a WebSub hub, and each new item pings it (``ping(feed URL)``), as
        a publisher using a hub does; ``None`` stops both."""
        self._hub_url = hub_url
        self._ping = ping

    def _ping_hub(self, ping: Callable[[str], object], url: str) -> None:
        try:
            ping(url)
        except Exception:  # a hub that failed one fetch or push: counted, the run goes on
            self.ping_errors += 1

    # -- items ------------------------------------------------------------------------------------

    def _sentence(self, n: int) -> str:
        words = [self._rng.choice(self._words) for _ in range(n)]
        for _ in range(self._rng.randint(1, 3)):
            words.insert(self._rng.randrange(len(words)), self._rng.choice(self._names))
        return " ".join(words).capitalize() + "."

    def _new_item(self) -> Item:
        n = len(self.items)
        title = f"{self._sentence(7)[:-1]} {PROBE_WORD} {n}"
        item = Item(
            n=n,
            feed=n % self.feeds,
            link=f"https://wire{n % self.feeds}.example/story/{n}",
            title=title,
            summary=" ".join(self._sentence(14) for _ in range(2)),
            content=" ".join(self._sentence(16) for _ in range(5)),
            appeared=time.time(),
        )
        return item

    def _release(self) -> None:
        owed = 0.0
        last = time.monotonic()
        while not self._stop.is_set():
            time.sleep(0.02)
            now = time.monotonic()
            owed += (now - last) * self._rate
            last = now
            fresh: set[int] = set()
            while owed >= 1:
                owed -= 1
                item = self._new_item()
                with self._lock:
                    self.items.append(item)
                    self.by_link[item.link] = item
                    self._per_feed[item.feed].append(item)
                fresh.add(item.feed)
            ping = self._ping
            if ping is not None:
                for f in fresh:
                    threading.Thread(target=self._ping_hub, args=(ping, self.url(f)), daemon=True).start()

    def _document(self, f: int) -> bytes:
        now = time.time()
        with self._lock:
            shown = self._per_feed[f][-self.window :]
            for item in shown:
                if item.fetched is None:
                    item.fetched = now
        entries = "".join(
            f"<item><title>{escape(i.title)}</title><link>{i.link}</link><guid>{i.link}</guid>"
            f"<pubDate>{formatdate(i.appeared, usegmt=True)}</pubDate>"
            f"<description>{escape(i.summary)}</description>"
            f"<content:encoded>{escape(i.content)}</content:encoded></item>"
            for i in reversed(shown)
        )
        hub = (
            f'<atom:link rel="hub" href="{self._hub_url}"/><atom:link rel="self" href="{self.url(f)}"/>'
            if self._hub_url
            else ""
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">'
            f"<channel><title>Bench wire {f}</title><link>https://wire{f}.example/</link>{hub}{entries}"
            "</channel></rss>"
        ).encode()


class Receiver:
    """A webhook receiver that timestamps each alert by the article it is about (first arrival)."""

    def __init__(self, farm: FeedFarm) -> None:
        self.keys: dict[str, int] = {}
        self.unknown = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.time()
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                try:
                    url = json.loads(body)["url"]
                except (ValueError, KeyError):
                    return
                key = self.headers.get("Idempotency-Key", "")
                with lock:
                    receiver.keys[key] = receiver.keys.get(key, 0) + 1
                    item = farm.by_link.get(url)
                    if item is None:
                        receiver.unknown += 1
                    elif item.alerted is None:
                        item.alerted = now

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
