"""bench/feed: GET /articles through the Redis index beside a bounded scan of every stored article.

    newswatch bench feed [--articles 5000] [--reads 40]

Stores ``--articles`` generated enriched articles (about 2 kB of text each, written here) the way the
handler does — the article store, then the live feed's index and trend counters — and times:

- ``write_ms_per_64``: index + trend update of one 64-article batch (the consume loop's batch size);
- per filter, one 20-article page through ``ArticleIndex.page`` (``index_p50_ms`` / ``index_p99_ms``)
  and the same page by the alternative: read every stored article, parse, filter, sort
  (``scan_p50_ms`` / ``scan_p99_ms``), which is what "a bounded scan" costs at the retention limit.

Uses NEWSWATCH_REDIS_URL (database 14, flushed) or an embedded Valkey. The last line is the JSON figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from newswatch_alert.live.articles import ArticleStore
from newswatch_alert.live.filters import ArticleFilter, member_of
from newswatch_alert.live.index import ArticleIndex
from newswatch_alert.live.trend_store import TrendStore
from newswatch_shared.schemas import EnrichedArticle, Entity, EscalationMatch, RawArticle

PLACES = [
    ("Ukraine", "UA"), ("Kyiv", "UA"), ("Kharkiv", "UA"), ("Russia", "RU"), ("Moscow", "RU"),
    ("Poland", "PL"), ("Warsaw", "PL"), ("Germany", "DE"), ("Berlin", "DE"), ("France", "FR"),
    ("Taiwan", "TW"), ("China", "CN"), ("Beijing", "CN"), ("Israel", "IL"), ("Iran", "IR"),
    ("Syria", "SY"), ("Turkey", "TR"), ("Japan", "JP"), ("India", "IN"), ("Pakistan", "PK"),
]  # fmt: skip
ORGS = ["NATO", "European Union", "United Nations", "Nord Stream 2", "Gazprom", "OSCE", "IAEA"]
TERMS = [
    ("troops", "military"), ("invasion", "military"), ("missile", "military"),
    ("sanctions", "economic"), ("embargo", "economic"), ("talks", "diplomatic"),
    ("ceasefire", "diplomatic"), ("refugees", "humanitarian"),
]  # fmt: skip
SOURCES = ["Example Wire", "Daily Ledger", "Harbour Post", "Morning Courier", "Valley Times"]
WORDS = (
    "the a officials said on monday after during report council market weather river bridge harvest "
    "meeting minister statement border region city village road port energy prices winter supply "
    "government spokesman analysts expect further week month plans reported according sources"
).split()

FILTERS: dict[str, dict[str, Any]] = {
    "none": {},
    "country_UA": {"country": ["UA"]},
    "country_TW_term_missile": {"country": ["TW"], "term": ["missile"]},
    "entity_nord_stream_2": {"entity": ["Nord Stream 2"]},
    "min_score_80": {"min_score": 80},
    "source_lang": {"source": ["Valley Times"], "language": ["en"]},
    "q_two_words": {"q": "harvest minister"},
}


def make_articles(n: int, seed: int = 7) -> list[EnrichedArticle]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    out: list[EnrichedArticle] = []
    for i in range(n):
        places = rng.sample(PLACES, rng.randint(1, 3))
        orgs = rng.sample(ORGS, rng.randint(0, 2))
        terms = rng.sample(TERMS, rng.randint(0, 3))
        title = f"{places[0][0]} {' '.join(t for t, _ in terms[:1])} {' '.join(rng.choices(WORDS, k=6))}"
        content = " ".join(rng.choices(WORDS, k=300)) + " " + " ".join(t for t, _ in terms)
        published = start + timedelta(seconds=i * 60 + rng.randint(0, 59))
        raw = RawArticle(
            id=f"{rng.getrandbits(64):016x}",
            url=f"https://news.example/{i}",
            title=title,
            summary=" ".join(rng.choices(WORDS, k=30)),
            content=content,
            published_at=published,
            language=rng.choice(["en", "en", "en", "de"]),
            feed_id="feed",
            feed_title=rng.choice(SOURCES),
            fetched_at=published,
        )
        text = raw.text
        matches = []
        for term, category in terms:
            at = text.rfind(term)
            matches.append(
                EscalationMatch(
                    term=term, category=category, weight=3, text=term, start=at, end=at + len(term)
                )
            )
        entities = [Entity(text=p, label="GPE", canonical=p, country=c) for p, c in places]
        entities += [Entity(text=o, label="ORG", canonical=o) for o in orgs]
        out.append(
            EnrichedArticle(
                article=raw,
                language=raw.language,
                entities=entities,
                escalation=matches,
                score=round(min(100.0, 25.0 * len(terms) + rng.uniform(0, 25)), 1) if terms else 0.0,
                enriched_at=published,
            )
        )
    return out


async def naive_page(redis: Redis, ids: list[str], flt: ArticleFilter, limit: int) -> list[str]:
    found: list[EnrichedArticle] = []
    for start in range(0, len(ids), 500):
        for raw in await redis.mget([f"article:{i}" for i in ids[start : start + 500]]):
            if raw is not None:
                article = EnrichedArticle.model_validate_json(raw)
                if flt.matches(article):
                    found.append(article)
    return [a.id for a in sorted(found, key=member_of, reverse=True)[:limit]]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def run(redis: Redis, n: int, reads: int) -> dict[str, Any]:
    await redis.flushdb()
    articles = make_articles(n)
    store = ArticleStore(redis, n, 30 * 86400)
    index = ArticleIndex(redis, keep=n, ttl_s=30 * 86400, stream_maxlen=10000, scan_limit=20000)
    trends = TrendStore(redis, 90)
    writes: list[float] = []
    now = datetime(2026, 11, 24, tzinfo=UTC)
    for start in range(0, n, 64):
        batch = articles[start : start + 64]
        await store.store(batch)
        began = time.perf_counter()
        await index.add(batch, now.timestamp())
        await trends.add(batch, now)
        writes.append((time.perf_counter() - began) * 1000)
    ids = [a.id for a in articles]
    figures: dict[str, Any] = {
        "articles": n,
        "write_ms_per_64": round(statistics.median(writes), 2),
        "redis_used_memory_mb": round(int((await redis.info("memory"))["used_memory"]) / 2**20, 1),
    }
    for name, kwargs in FILTERS.items():
        flt = ArticleFilter.build(**kwargs)
        fast: list[float] = []
        slow: list[float] = []
        for i in range(reads):
            began = time.perf_counter()
            page = await index.page(flt, None, 20, 2000)
            fast.append((time.perf_counter() - began) * 1000)
            if i < max(3, reads // 8):  # the scan is slow: fewer rounds
                began = time.perf_counter()
                expected = await naive_page(redis, ids, flt, 20)
                slow.append((time.perf_counter() - began) * 1000)
                if [a.id for a in page.articles] != expected:
                    raise AssertionError(f"{name}: the index and the scan disagree")
        figures[f"{name}_index_p50_ms"] = pct(fast, 0.5)
        figures[f"{name}_index_p99_ms"] = pct(fast, 0.99)
        figures[f"{name}_scan_p50_ms"] = pct(slow, 0.5)
        figures[f"{name}_scan_p99_ms"] = pct(slow, 0.99)
    figures["index_p99_ms_max"] = max(v for k, v in figures.items() if k.endswith("_index_p99_ms"))
    figures["scan_p50_ms_min"] = min(v for k, v in figures.items() if k.endswith("_scan_p50_ms"))
    await redis.flushdb()
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench feed", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="Articles stored (the default retention).")
    parser.add_argument("--reads", type=int, default=40, help="Timed pages per filter.")
    args = parser.parse_args(argv)

    async def go(url: str) -> dict[str, Any]:
        redis = Redis.from_url(url, decode_responses=True)
        try:
            return await run(redis, args.articles, args.reads)
        finally:
            await redis.aclose()

    external = os.environ.get("NEWSWATCH_REDIS_URL")
    if external:
        return asyncio.run(go(external.rsplit("/", 1)[0] + "/14"))
    from newswatch_cli.embedded import EmbeddedRedis

    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp)).start()
        try:
            return asyncio.run(go(server.url))
        finally:
            server.stop()
