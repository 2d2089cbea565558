""" "Already published?" marks in Redis, keyed by article id.

The order is what makes this safe: check before publishing, mark only after the broker has
acknowledged. A broker outage therefore leaves articles unmarked and they are sent on a later poll
(delayed, never dropped); a crash between the acknowledgement and the mark sends them twice, which
consumers tolerate because the article id is the idempotency key. Marks expire after the TTL so the
key space stays bounded; feeds rarely repeat items older than that.

Key: ``newswatch:ingest:seen:<article id>`` = ``1`` with ``EX ttl``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from redis.asyncio import Redis

__all__ = ["SeenStore", "seen_key"]


def seen_key(article_id: str) -> str:
    return f"newswatch:ingest:seen:{article_id}"


class SeenStore:
    def __init__(self, redis: Redis, ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = ttl_s

    async def unseen(self, article_ids: Sequence[str]) -> list[str]:
        """The ids not yet marked, in the order given."""
        if not article_ids:
            return []
        marks = await self._redis.mget([seen_key(i) for i in article_ids])
        return [i for i, mark in zip(article_ids, marks, strict=True) if mark is None]

    async def mark(self, article_ids: Iterable[str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for article_id in article_ids:
                pipe.set(seen_key(article_id), 1, ex=self._ttl_s)
            await pipe.execute()
