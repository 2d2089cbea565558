"""bench/polling: delay from an item appearing in a feed to its article on ``articles.raw``.

A local feed server (in this process) publishes items at a set rate into two RSS feeds — ``busy``
(one item every 10 s) and ``quiet`` (one every 90 s) — that name a local WebSub hub
(tests/helpers/websub_hub.py, the tests' hub) and ping it on each new item, as publishers do. Three
ingest apps (the real ``create_app``, each under uvicorn in its own thread, each with its own Redis
database and topic prefix on one embedded Valkey and one embedded Tansu broker) poll the same two
feeds at once:

- ``fixed``: every feed every configured interval (``NEWSWATCH_INGEST_ADAPTIVE_POLLING=false``): the
  baseline;
- ``adaptive``: adaptive polling between the floor and the configured interval;
- ``websub``: adaptive polling plus WebSub (``NEWSWATCH_INGEST_PUBLIC_URL`` set): pushes, with
  polling as the safety net.

The delay of an item is the broker timestamp of its record (the producer's send time) minus the
moment the feed server started serving it. Only items appearing after a warm-up count (adaptive
polling needs two polls to learn a rhythm; a subscription needs one poll to be discovered); the run
then waits until every mode has published every counted item. Each mode's polls are counted by its
User-Agent at the feed server.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import uvicorn

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the tests' hub is reused, so both exercise the same hub code
    sys.path.insert(0, str(ROOT))

from newswatch_cli.embedded import EmbeddedBroker, EmbeddedRedis, free_port  # noqa: E402
from newswatch_ingest.app import create_app  # noqa: E402
from newswatch_ingest.settings import IngestSettings  # noqa: E402
from newswatch_shared.kafka import make_consumer  # noqa: E402
from newswatch_shared.schemas import RawArticle, decode  # noqa: E402
from newswatch_shared.topics import ARTICLES_RAW  # noqa: E402
from tests.helpers.websub_hub import LocalHub  # noqa: E402

MODES = ("fixed", "adaptive", "websub")
TOKEN = "bench-polling-admin-token-0123456789"


class Feeds:
    """Two RSS feeds whose items appear on a clock; conditional GETs answered with 304."""

    def __init__(self, hub: LocalHub, every_s: dict[str, float]) -> None:
        self.hub = hub
        self.every_s = every_s
        self.items: dict[str, list[tuple[int, datetime]]] = {name: [] for name in every_s}
        self.appeared: dict[str, float] = {}  # item URL → epoch seconds it was first served
        self.polls: Counter[str] = Counter()  # user agent → GETs
        self.lock = threading.Lock()
        feeds = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.strip("/").removesuffix(".xml")
                with feeds.lock:
                    feeds.polls[self.headers.get("User-Agent", "")] += 1
                    body, etag = feeds.document(name)
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, name: str) -> str:
        return f"{self.base}/{name}.xml"

    def document(self, name: str) -> tuple[bytes, str]:
        entries = "".join(
            f"<item><title>{name} item {n}</title><link>http://bench.local/{name}/{n}</link>"
            f"<pubDate>{format_datetime(at, usegmt=True)}</pubDate>"
            f"<description>Item {n} of the {name} feed.</description></item>"
            for n, at in reversed(self.items[name][-20:])
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            f"<channel><title>{name}</title><link>http://bench.local/{name}</link>"
            f'<atom:link rel="hub" href="{self.hub.url}"/><atom:link rel="self" href="{self.url(name)}"/>'
            f"{entries}</channel></rss>"
        ).encode()
        return body, f'"{name}-{len(self.items[name])}"'

    def add(self, name: str) -> None:
        with self.lock:
            n = len(self.items[name]) + 1
            self.items[name].append((n, datetime.now(UTC)))
            self.appeared[f"http://bench.local/{name}/{n}"] = time.time()
        threading.Thread(target=self.hub.publish, args=(self.url(name),), daemon=True).start()

    def write(self, stop: threading.Event, until: float) -> None:
        """Add items on each feed's clock (the first half a period in) until ``until``."""
        start = time.time()
        next_at = {name: start + every / 2 for name, every in self.every_s.items()}
        while not stop.is_set() and time.time() < until:
            name = min(next_at, key=next_at.__getitem__)
            if stop.wait(max(next_at[name] - time.time(), 0)) or next_at[name] >= until:
                return
            self.add(name)
            next_at[name] += self.every_s[name]

    @contextmanager
    def serving(self) -> Iterator[Feeds]:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        for name in self.every_s:  # a backlog item, so the first poll has something to read
            self.add(name)
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


@contextmanager
def serve(settings: IngestSettings, port: int) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("an ingest app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def summary(delays: list[float]) -> dict[str, Any]:
    if not delays:
        return {"n": 0}
    ordered = sorted(delays)
    p95 = ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]
    return {"n": len(ordered), "mean_s": round(sum(ordered) / len(ordered), 2), "p95_s": round(p95, 2)}


async def read_mode(settings: IngestSettings, sink: dict[str, float], stop: asyncio.Event) -> None:
    """First broker timestamp of each article URL on this mode's ``articles.raw``."""
    consumer = make_consumer(settings.kafka("bench"), [ARTICLES_RAW], f"bench-{settings.kafka_topic_prefix}")
    await consumer.start()
    try:
        while not stop.is_set():
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    article = decode(RawArticle, r.value)
                    sink.setdefault(article.url, r.timestamp / 1000)
    finally:
        await consumer.stop()


async def measure(args: argparse.Namespace, bootstrap: str, redis_url: str) -> dict[str, Any]:
    every = {"busy": args.busy_every, "quiet": args.quiet_every}
    published: dict[str, dict[str, float]] = {mode: {} for mode in MODES}
    with ExitStack() as stack:
        hub = stack.enter_context(LocalHub())
        feeds = stack.enter_context(Feeds(hub, every).serving())
        settings: dict[str, IngestSettings] = {}
        for db, mode in enumerate(MODES, start=1):
            port = free_port()
            settings[mode] = IngestSettings(
                admin_token=TOKEN,
                kafka_bootstrap=bootstrap,
                kafka_enable_idempotence=False,
                kafka_partitions=1,
                kafka_topic_prefix=f"{mode}.",
                redis_url=f"{redis_url.rsplit('/', 1)[0] if redis_url.count('/') > 2 else redis_url}/{db}",
                ingest_feeds=[feeds.url(name) for name in every],
                ingest_poll_interval_s=args.interval,
                ingest_min_poll_interval_s=args.floor,
                ingest_adaptive_polling=mode != "fixed",
                ingest_public_url=f"http://127.0.0.1:{port}" if mode == "websub" else None,
                ingest_user_agent=f"bench-{mode}",
                allow_private_urls=True,
                log_format="text",
            )
            stack.enter_context(serve(settings[mode], port))
        stop_reading = asyncio.Event()
        readers = [asyncio.create_task(read_mode(settings[m], published[m], stop_reading)) for m in MODES]
        started = time.time()
        counted_from, counted_until = started + args.warmup, started + args.warmup + args.measure
        stop_writing = threading.Event()
        writer = threading.Thread(target=feeds.write, args=(stop_writing, counted_until), daemon=True)
        writer.start()
        await asyncio.to_thread(writer.join)
        with feeds.lock:
            counted = {url: at for url, at in feeds.appeared.items() if counted_from <= at < counted_until}
        deadline = time.time() + args.interval * 1.2 + 10
        while time.time() < deadline and not all(counted.keys() <= published[m].keys() for m in MODES):
            await asyncio.sleep(0.25)
        stop_reading.set()
        await asyncio.gather(*readers)
        with feeds.lock:
            polls = dict(feeds.polls)
    result: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "configured_interval_s": args.interval,
        "min_interval_s": args.floor,
        "busy_every_s": args.busy_every,
        "quiet_every_s": args.quiet_every,
        "warmup_s": args.warmup,
        "measured_s": args.measure,
        "items_counted": len(counted),
    }
    for mode in MODES:
        delays: dict[str, list[float]] = {"busy": [], "quiet": []}
        missing = 0
        for url, appeared in counted.items():
            at = published[mode].get(url)
            if at is None:
                missing += 1
            else:
                delays[url.split("/")[3]].append(max(at - appeared, 0.0))
        result[mode] = {
            "all": summary(delays["busy"] + delays["quiet"]),
            "busy": summary(delays["busy"]),
            "quiet": summary(delays["quiet"]),
            "missing": missing,
            "feed_polls": polls.get(f"bench-{mode}", 0),
        }
    base = result["fixed"]["all"].get("mean_s")
    for mode in ("adaptive", "websub"):
        mean = result[mode]["all"].get("mean_s")
        result[f"{mode}_mean_vs_fixed"] = round(mean / base, 3) if base and mean is not None else None
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    broker = EmbeddedBroker().start()
    with tempfile.TemporaryDirectory(prefix="nw-bench-polling-") as tmp:
        redis_server = EmbeddedRedis(Path(tmp)).start()
        try:
            return await measure(args, broker.bootstrap, redis_server.url)
        finally:
            redis_server.stop()
            broker.stop()


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench polling")
    parser.add_argument("--quick", action="store_true", help="under a minute: shorter interval and windows")
    parser.add_argument("--interval", type=float, default=None, help="configured poll interval (s)")
    parser.add_argument("--floor", type=float, default=2.0, help="NEWSWATCH_INGEST_MIN_POLL_INTERVAL_S")
    parser.add_argument("--busy-every", type=float, default=10.0, help="seconds between busy items")
    parser.add_argument("--quiet-every", type=float, default=90.0, help="seconds between quiet items")
    parser.add_argument("--warmup", type=float, default=None)
    parser.add_argument("--measure", type=float, default=None)
    args = parser.parse_args(argv)
    quick = {"interval": 15.0, "warmup": 18.0, "measure": 18.0}
    full = {"interval": 30.0, "warmup": 40.0, "measure": 100.0}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    figures = asyncio.run(run(args))
    figures["quick"] = args.quick
    return figures
