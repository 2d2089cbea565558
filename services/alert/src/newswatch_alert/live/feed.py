"""The live feed's parts, built once per process: the article index, the trend store, the stream hub.

The ``match`` role calls :meth:`LiveFeed.record` after it stored a batch of articles, so indexing,
trend counting and publishing to the stream happen at ingest time and reads stay cheap. The ``api``
role serves the same parts to the routes (``Depends(part(LiveFeed))``) and tails the stream with the
hub.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from newswatch_alert.common import keys
from newswatch_alert.live.index import FEED, ArticleIndex
from newswatch_alert.live.models import feed_article
from newswatch_alert.live.stories import STORIES, StoryStore
from newswatch_alert.live.stream import ArticleStreamHub
from newswatch_alert.live.trend_store import TrendStore
from newswatch_shared.schemas import EnrichedArticle, utcnow

__all__ = ["LiveConfig", "LiveFeed"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveConfig:
    """Retention of the feed and what bounds one reader's work (from the ``alert_feed_*`` settings)."""

    keep: int
    ttl_s: int
    stream_maxlen: int
    scan_limit: int
    text_scan_limit: int
    client_queue: int
    heartbeat_s: float
    send_timeout_s: float
    trend_retention_days: int
    stream_max_connections: int = 1000
    stream_per_client: int = 10
    replay_max: int = 500
    #: Signs the ``GET /articles`` cursors, so one this deployment did not make is refused (422).
    cursor_key: bytes = b""


def _render(enriched: EnrichedArticle) -> str:
    return feed_article(enriched).model_dump_json()


@dataclass(frozen=True)
class LiveFeed:
    redis: Redis
    index: ArticleIndex
    trends: TrendStore
    hub: ArticleStreamHub
    config: LiveConfig
    stories: StoryStore

    @classmethod
    def build(cls, redis: Redis, config: LiveConfig) -> LiveFeed:
        index = ArticleIndex(
            redis,
            keep=config.keep,
            ttl_s=config.ttl_s,
            stream_maxlen=config.stream_maxlen,
            scan_limit=config.scan_limit,
        )
        return cls(
            redis=redis,
            index=index,
            trends=TrendStore(redis, config.trend_retention_days),
            hub=ArticleStreamHub(
                redis,
                index,
                _render,
                queue_size=config.client_queue,
                max_clients=config.stream_max_connections,
                per_client=config.stream_per_client,
                replay_max=config.replay_max,
            ),
            config=config,
            stories=StoryStore(redis, index, keep=config.keep, ttl_s=config.ttl_s),
        )

    async def record(self, batch: Sequence[EnrichedArticle]) -> None:
        """Index, count and publish articles the article store has just stored (idempotent)."""
        now = utcnow()
        await self.index.add(batch, now.timestamp())
        await self.stories.add(batch)
        await self.trends.add(batch, now)

    async def backfill(self) -> int:
        """Index articles stored before this index existed (an upgrade), without publishing them."""
        await self.trends.forget_legacy()
        if not await self.redis.exists(keys.ARTICLES_BY_TIME):
            return 0
        indexed, storied = await self.redis.exists(FEED), await self.redis.exists(STORIES)
        if indexed and storied:
            return 0
        ids = [str(i) for i in await self.redis.zrevrange(keys.ARTICLES_BY_TIME, 0, -1)]
        done = 0
        now = utcnow()
        for start in range(0, len(ids), 200):
            found = await self.index.load(ids[start : start + 200])
            batch = list(found.values())
            if not storied:  # stories came after the index: an upgrade may need them alone
                await self.stories.add(batch)
            if indexed:
                continue
            await self.index.add(batch, now.timestamp(), publish=False)
            await self.trends.add(batch, now)
            done += len(batch)
        log.info("live feed: indexed %d articles stored before the index existed", done)
        return done
