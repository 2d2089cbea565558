"""The live feed's parts, built once per process: the article index, the trend store, the stream hub.

The handler calls :meth:`LiveFeed.record` after it stored a batch of articles, so indexing, trend
counting and publishing to the stream happen at ingest time and reads stay cheap. The routes reach
the same parts through :func:`get_live`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import Request
from redis.asyncio import Redis

from newswatch_alert import keys
from newswatch_alert.article_index import FEED, ArticleIndex
from newswatch_alert.article_stream import ArticleStreamHub
from newswatch_alert.live_models import feed_article
from newswatch_alert.settings import AlertSettings
from newswatch_alert.trend_store import TrendStore
from newswatch_shared.schemas import EnrichedArticle, utcnow

__all__ = ["LiveFeed", "get_live"]

log = logging.getLogger(__name__)


def _render(enriched: EnrichedArticle) -> str:
    return feed_article(enriched).model_dump_json()


@dataclass(frozen=True)
class LiveFeed:
    settings: AlertSettings
    redis: Redis
    index: ArticleIndex
    trends: TrendStore
    hub: ArticleStreamHub

    @classmethod
    def build(cls, redis: Redis, settings: AlertSettings) -> LiveFeed:
        index = ArticleIndex(
            redis,
            keep=settings.alert_article_retention_count,
            ttl_s=settings.alert_article_ttl_s,
            stream_maxlen=settings.alert_feed_stream_maxlen,
            scan_limit=settings.alert_feed_scan_limit,
        )
        return cls(
            settings=settings,
            redis=redis,
            index=index,
            trends=TrendStore(redis, settings.alert_trend_retention_days),
            hub=ArticleStreamHub(redis, index, _render, queue_size=settings.alert_feed_client_queue),
        )

    async def record(self, batch: Sequence[EnrichedArticle]) -> None:
        """Index, count and publish articles the article store has just stored (idempotent)."""
        now = utcnow()
        await self.index.add(batch, now.timestamp())
        await self.trends.add(batch, now)

    async def backfill(self) -> int:
        """Index articles stored before this index existed (an upgrade), without publishing them."""
        if await self.redis.exists(FEED) or not await self.redis.exists(keys.ARTICLES_BY_TIME):
            return 0
        ids = [str(i) for i in await self.redis.zrevrange(keys.ARTICLES_BY_TIME, 0, -1)]
        done = 0
        now = utcnow()
        for start in range(0, len(ids), 200):
            found = await self.index.load(ids[start : start + 200])
            batch = list(found.values())
            await self.index.add(batch, now.timestamp(), publish=False)
            await self.trends.add(batch, now)
            done += len(batch)
        log.info("live feed: indexed %d articles stored before the index existed", done)
        return done


def get_live(request: Request) -> LiveFeed:
    """FastAPI dependency: the live feed the router's lifespan put on the app."""
    live: LiveFeed = request.app.state.live
    return live
