"""bench/ingest: polls per second of the real poll loop against 1,000 local feeds.

Two workloads, each beside a baseline in the same run:

(a) every feed answers 304 Not Modified (the steady state of a big feed list). Ingest: the
    :class:`Poller` loop with Redis schedule, leases, conditional fetch and health bookkeeping.
    Baseline: plain concurrent ``httpx`` GETs of the same URLs with the same ``If-None-Match`` and the
    same concurrency. The ratio ``not_modified_vs_baseline`` is what counts.
(b) every feed answers 20 new items. Ingest parses, normalises, de-duplicates and publishes each
    article to ``articles.raw`` on the embedded broker (acks=all) before the poll counts as done;
    ``fresh_articles_per_s`` is articles acknowledged per second. The baseline is the plain GETs of the
    same documents (no parsing), to show what the network side alone costs.

The feeds come from ``feedserver.py`` in its own process, so the server does not share our event loop.
All feeds are on one host (127.0.0.1); ``max_per_host`` is set to the concurrency, as an operator
would for a host they own — with the default of 2 the benchmark would measure the politeness limit.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from newswatch_cli.embedded import EmbeddedBroker, EmbeddedRedis, free_port
from newswatch_ingest.dedupe import SeenStore
from newswatch_ingest.feedpoll import PollerConfig
from newswatch_ingest.feeds import FeedRegistry
from newswatch_ingest.fetch import make_http_client
from newswatch_ingest.poller import Poller
from newswatch_ingest.pollstate import SCHEDULE_KEY
from newswatch_shared.kafka import ensure_topics, make_producer
from newswatch_shared.netguard import EgressPolicy
from newswatch_shared.schemas import utcnow
from newswatch_shared.settings import KafkaConfig
from newswatch_shared.topics import ALL_TOPICS

HERE = Path(__file__).resolve().parent


def start_feed_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(HERE / "feedserver.py"), str(port)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != b"ready":
        proc.kill()
        raise RuntimeError("bench feed server did not start")
    return proc, f"http://127.0.0.1:{port}"


def baseline_client(concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(limits=limits, timeout=20.0)


async def baseline(
    client: httpx.AsyncClient, urls: list[str], concurrency: int, etags: dict[str, str] | None
) -> float:
    """Seconds for plain (conditional) GETs of every URL, ``concurrency`` at a time. The client is
    warmed up beforehand, like the poller's: a cold client is markedly slower on its first pass."""
    queue = list(reversed(urls))

    async def worker() -> None:
        while queue:
            url = queue.pop()
            headers = {"If-None-Match": etags[url]} if etags else {}
            response = await client.get(url, headers=headers)
            assert response.status_code in (200, 304), response.status_code

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def polls_by_outcome() -> dict[str, float]:
    return {
        s.labels["outcome"]: s.value
        for metric in REGISTRY.collect()
        if metric.name == "newswatch_ingest_polls"
        for s in metric.samples
        if s.name.endswith("_total")
    }


async def poll_round(poller: Poller, redis: Redis, n: int, expect: str) -> float:
    """Make all feeds due now, run the poll loop until each has been polled and rescheduled, and
    check from the service's own metrics that each poll happened and had the ``expect`` outcome."""
    before = polls_by_outcome()
    now = time.time()
    await redis.zadd(SCHEDULE_KEY, dict.fromkeys(await redis.zrange(SCHEDULE_KEY, 0, -1), now - 1))
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(poller.run(stop))
    while await redis.zcount(SCHEDULE_KEY, "-inf", now) > 0:
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    assert await redis.zcard(SCHEDULE_KEY) == n
    after = polls_by_outcome()
    delta = {k: v - before.get(k, 0.0) for k, v in after.items() if v != before.get(k, 0.0)}
    assert delta == {expect: n}, f"polls this round by outcome: {delta}"
    return elapsed


async def run(n: int, concurrency: int, rounds: int) -> dict[str, Any]:
    feed_proc, base_url = start_feed_server()
    broker = EmbeddedBroker().start()
    with tempfile.TemporaryDirectory(prefix="nw-bench-ingest-") as tmp:
        redis_server = EmbeddedRedis(Path(tmp)).start()
        try:
            return await measure(n, concurrency, rounds, base_url, broker.bootstrap, redis_server.url)
        finally:
            redis_server.stop()
            broker.stop()
            feed_proc.kill()
            feed_proc.wait()


async def measure(
    n: int, concurrency: int, rounds: int, base_url: str, bootstrap: str, redis_url: str
) -> dict[str, Any]:
    cfg = KafkaConfig(
        bootstrap=bootstrap,
        client_id="bench-ingest",
        enable_idempotence=False,
        partitions=3,
        create_topics=True,
    )
    await ensure_topics(cfg, ALL_TOPICS)
    producer = make_producer(cfg)
    await producer.start()
    redis = Redis.from_url(redis_url)
    http = make_http_client(
        "newswatch-bench/1",
        20.0,
        concurrency,
        egress=EgressPolicy(allow_private=True),  # local feeds
    )
    plain = baseline_client(concurrency)
    poller_cfg = PollerConfig(
        max_concurrency=concurrency, max_per_host=concurrency, interval_s=3600, idle_s=0.05, busy_s=0.002
    )
    try:
        static = [f"{base_url}/static/{i}.xml" for i in range(n)]
        fresh = [f"{base_url}/fresh/1/{i}.xml" for i in range(n)]
        registry = FeedRegistry(redis, 3600)
        seen = SeenStore(redis, 86_400)
        now = utcnow()
        for url in static:
            await registry.add(url, now=now)
        poller = Poller(registry, seen, http, producer, poller_cfg, rng=random.Random(7))
        # Warm-up: the first round fetches every static feed in full and stores its ETag.
        warm = await poll_round(poller, redis, n, "ok")
        print(f"warm-up (200s, {n * 20} articles): {warm:6.2f} s", flush=True)

        etags = {url: f'"v{i}"' for i, url in enumerate(static)}
        await baseline(plain, static, concurrency, etags)  # warm-up, not counted
        ingest_304, base_304 = [], []
        for r in range(rounds):
            base_304.append(n / await baseline(plain, static, concurrency, etags))
            ingest_304.append(n / await poll_round(poller, redis, n, "not_modified"))
            print(
                f"round {r} 304: ingest {ingest_304[-1]:7.0f} polls/s, baseline {base_304[-1]:7.0f}",
                flush=True,
            )

        # (b) fresh items: a registry of its own so the 304 feeds are not polled again.
        await redis.flushdb()
        base_fresh = n / await baseline(plain, fresh, concurrency, None)
        for url in fresh:
            await registry.add(url, now=utcnow() + timedelta(hours=1))
        fresh_s = await poll_round(poller, redis, n, "ok")
        seen_count = 0
        async for _ in redis.scan_iter("newswatch:ingest:seen:*", count=5000):
            seen_count += 1
        articles = n * 20
        print(
            f"fresh: {n / fresh_s:7.0f} polls/s, {articles / fresh_s:7.0f} articles/s; "
            f"baseline GETs {base_fresh:7.0f}/s; marked seen {seen_count}",
            flush=True,
        )
        best_ingest, best_base = max(ingest_304), max(base_304)
        return {
            "feeds": n,
            "concurrency": concurrency,
            "not_modified_polls_per_s": round(best_ingest),
            "baseline_not_modified_gets_per_s": round(best_base),
            "not_modified_vs_baseline": round(best_ingest / best_base, 3),
            "fresh_polls_per_s": round(n / fresh_s, 1),
            "fresh_articles_per_s": round(articles / fresh_s),
            "baseline_fresh_gets_per_s": round(base_fresh),
            "fresh_articles_marked_seen": seen_count,
        }
    finally:
        await http.aclose()
        await plain.aclose()
        await producer.stop()
        await redis.aclose()


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench ingest")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.feeds, args.concurrency, args.rounds))
