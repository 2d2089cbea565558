"""bench/redis-sizing: Redis memory per article, per watchlist, per alert and per story, measured
with the services' own store code on a fresh embedded Valkey.

    newswatch bench redis-sizing [--articles 2000] [--watchlists 10000] [--alerts 2000]

Each figure is the growth of Valkey's ``used_memory`` divided by the count, after writing through the
code the services run: ingest's seen-marks (``SeenStore``), alert's match role handler
(``ArticleHandler``: the article, its live-feed and filter-index entries, trend buckets, the story read
model, and the alerts with their outbox entries), alert's ``WatchlistStore``, enrich's story grouping
(``StoryAssigner`` on Redis: story record, member record and LSH bands; each article its own story,
the upper end). Articles are bench/match's generated ones
(about 600 words; a typical RSS item is smaller, so the per-article figure is an upper end). The
"baseline" is the bare key: what Valkey charges for one small string key with an expiry, measured
the same way in the same run, so the ratios say how many plain keys each object costs.

At the end: what one Redis holds at the default retention (``NEWSWATCH_ALERT_ARTICLE_RETENTION_COUNT``
articles, alerts kept ``NEWSWATCH_ALERT_ALERT_TTL_S``) within a memory budget.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "match"))

from generate import as_input, make_articles, make_watchlists  # noqa: E402
from vocab import build_vocabulary  # noqa: E402

from newswatch_alert.alerts.handler import ArticleHandler  # noqa: E402
from newswatch_alert.roles import build  # noqa: E402
from newswatch_alert.settings import AlertSettings  # noqa: E402
from newswatch_alert.watchlists.cache import WatchlistCache  # noqa: E402
from newswatch_alert.watchlists.models import WatchlistIn  # noqa: E402
from newswatch_alert.watchlists.store import WatchlistStore  # noqa: E402
from newswatch_cli.embedded import EmbeddedRedis  # noqa: E402
from newswatch_enrich.app import STORY_KEY_MARGIN_S  # noqa: E402
from newswatch_enrich.stories.assign import StoryAssigner  # noqa: E402
from newswatch_enrich.stories.decide import DecideParams  # noqa: E402
from newswatch_enrich.stories.pipeline import story_item  # noqa: E402
from newswatch_enrich.stories.redis_store import RedisStore  # noqa: E402
from newswatch_ingest.dedupe import SeenStore  # noqa: E402


async def used(redis: Redis) -> int:
    await asyncio.sleep(0.2)
    return int((await redis.info("memory"))["used_memory"])


async def measure(args: argparse.Namespace, url: str) -> dict[str, Any]:
    redis = Redis.from_url(url)
    settings = AlertSettings(admin_token="x" * 32, redis_url=url)
    vocab = build_vocabulary()
    articles = make_articles(vocab, args.articles * 2, seed=5)
    figures: dict[str, Any] = {}

    start = await used(redis)
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(args.articles):
            pipe.set(f"bench:plain:{i:08d}", 1, ex=86400)
        await pipe.execute()
    plain = (await used(redis) - start) / args.articles
    figures["baseline_plain_key_bytes"] = round(plain)
    await redis.flushdb()

    # ingest: the seen-mark of each article id
    start = await used(redis)
    await SeenStore(redis, 30 * 86400).mark(a.article.id for a in articles[: args.articles])
    figures["ingest_seen_bytes_per_article"] = round((await used(redis) - start) / args.articles)
    await redis.flushdb()

    # alert: articles through the match role's handler, no watchlists
    store = WatchlistStore(redis, 100)
    cache = WatchlistCache(store, 0.25)
    handler = ArticleHandler(
        cache,
        build.article_store(settings, redis),
        build.alert_store(settings, redis),
        on_stored=build.live_feed(settings, redis).record,
    )
    start = await used(redis)
    batch = articles[: args.articles]
    for i in range(0, len(batch), 50):
        await handler(batch[i : i + 50])
    figures["alert_bytes_per_article"] = round((await used(redis) - start) / args.articles)

    # watchlists: generated ones through the store, as the API creates them
    start = await used(redis)
    now = datetime.now(UTC)
    drawn = make_watchlists(vocab, args.watchlists, seed=3)
    for i, w in enumerate(drawn):
        body = as_input(w)
        await store.create(f"user{i % (args.watchlists // 100 + 1):05d}", body, now)
    figures["watchlist_bytes"] = round((await used(redis) - start) / args.watchlists)
    await redis.flushdb()

    # alerts: one watchlist with a webhook matching every article, so each article makes one alert
    probe = WatchlistIn.model_validate(
        {
            "name": "all",
            "query": 'NOT source:"nowhere at all"',
            "channels": [{"type": "webhook", "url": "https://receiver.example/hook"}],
        }
    )
    await store.create("probe", probe, now)
    fresh = articles[args.articles : args.articles + args.alerts]
    # the same articles without a watchlist cost alert_bytes_per_article; the rest is the alerts
    start = await used(redis)
    await cache.refresh()
    for i in range(0, len(fresh), 50):
        await handler(fresh[i : i + 50])
    with_alerts = (await used(redis) - start) / args.alerts
    alerts_made = await redis.zcard("user:probe:alerts")
    figures["alerts_made"] = alerts_made
    figures["alert_bytes"] = round(with_alerts - figures["alert_bytes_per_article"])
    await redis.flushdb()

    # stories: enrich's grouping state (story record, member record, LSH bands), one story per article
    assigner = StoryAssigner(RedisStore(redis, 72 * 3600 + STORY_KEY_MARGIN_S), decide=DecideParams())
    start = await used(redis)
    for enriched in articles[: args.articles]:
        await assigner.assign(story_item(enriched))
    figures["story_bytes"] = round((await used(redis) - start) / args.articles)
    await redis.aclose()

    budget = 1024**3
    per_article = figures["alert_bytes_per_article"] + figures["ingest_seen_bytes_per_article"]
    kept = settings.alert_article_retention_count
    figures["default_article_retention"] = kept
    figures["articles_mib_at_default_retention"] = round(kept * figures["alert_bytes_per_article"] / 2**20, 1)
    figures["alerts_per_gib_after_articles"] = int(
        (budget - kept * per_article - 10_000 * figures["watchlist_bytes"]) / max(1, figures["alert_bytes"])
    )
    figures["ratio_article_to_plain_key"] = round(figures["alert_bytes_per_article"] / plain, 1)
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench redis-sizing", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--watchlists", type=int, default=10_000)
    parser.add_argument("--alerts", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nw-redis-sizing-") as tmp:
        server = EmbeddedRedis(Path(tmp), maxmemory="4gb").start()
        try:
            return asyncio.run(measure(args, server.url))
        finally:
            server.stop()
