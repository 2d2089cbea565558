"""Enriched articles in Redis, for GET /articles.

Each article is a JSON string under ``article:<id>`` (expiring after the TTL) and a member of one
sorted set scored by published time. Retention by count pops the oldest members and deletes their
JSON in the same script; members whose JSON expired by TTL are dropped when a read finds them gone.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from redis.asyncio import Redis

from newswatch_alert.common import keys
from newswatch_alert.common.entities import current_article
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["ArticleStore"]

# KEYS[1] the sorted set; ARGV: ttl, keep, key prefix, then (id, score, json) per article.
_STORE = """
for i = 4, #ARGV, 3 do
  redis.call('SET', ARGV[3] .. ARGV[i], ARGV[i + 2], 'EX', ARGV[1])
  redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
end
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if extra > 0 then
  local old = redis.call('ZPOPMIN', KEYS[1], extra)
  for j = 1, #old, 2 do
    redis.call('DEL', ARGV[3] .. old[j])
  end
  return extra
end
return 0
"""


class ArticleStore:
    def __init__(self, redis: Redis, keep: int, ttl_s: int) -> None:
        self._redis = redis
        self._keep = keep
        self._ttl_s = ttl_s
        self._store = redis.register_script(_STORE)

    async def store(self, batch: Sequence[EnrichedArticle]) -> None:
        """Store (or overwrite: a redelivery is the same article) and trim to the newest ``keep``."""
        if not batch:
            return
        args: list[str | int | float] = [self._ttl_s, self._keep, keys.ARTICLE_PREFIX]
        for enriched in batch:
            args += [enriched.id, enriched.article.published_at.timestamp(), enriched.model_dump_json()]
        await self._store(keys=[keys.ARTICLES_BY_TIME], args=args)

    async def newest(self, limit: int) -> list[EnrichedArticle]:
        """Up to ``limit`` articles, newest published first."""
        found: list[EnrichedArticle] = []
        start = 0
        for _ in range(5):  # bounded: each round drops the expired members it met
            ids = [
                str(i) for i in await self._redis.zrevrange(keys.ARTICLES_BY_TIME, start, start + limit - 1)
            ]
            if not ids:
                break
            gone: list[str] = []
            docs = await self._redis.mget([keys.article(i) for i in ids])
            for article_id, raw in zip(ids, docs, strict=True):
                if raw is None:
                    gone.append(article_id)
                    continue
                try:
                    found.append(current_article(EnrichedArticle.model_validate_json(raw)))
                except ValidationError:
                    gone.append(article_id)  # written by an incompatible version; unreadable for good
            if gone:
                await self._redis.zrem(keys.ARTICLES_BY_TIME, *gone)
            start += len(ids) - len(gone)
            if len(found) >= limit or len(ids) < limit:
                break
        return found[:limit]
