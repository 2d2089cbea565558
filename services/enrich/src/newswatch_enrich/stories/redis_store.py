"""Story members and records in Redis, shared by every enrich replica.

Keys (docs/enrich.md, "Stories", is the reference the alert service reads):

- ``story:band:<i>:<hash>`` — set of member (article) ids whose MinHash band ``i`` hashes to ``hash``;
- ``story:member:<article id>`` — JSON: the member's signature and the assignment it got;
- ``story:<story id>`` — hash: the story record (``StoryRecord``; list fields as JSON);
- ``stories:recent`` — sorted set of story ids by last copy's publication time (epoch seconds).

Concurrency is optimistic (WATCH / MULTI / EXEC): an attempt watches the article's member key and its
band keys before reading them, and the chosen story's key before reading it; the commit fails if any
of them changed meanwhile — another replica added a member to a shared band, joined the same story,
or assigned this very article — and the assigner reads again. Two copies that share a band therefore
can never both open a story: the second commit fails and, read again, finds the first.

Every key expires ``ttl_s`` after its last write (the story window plus a margin), so Redis holds at
most one window of articles; a story closes to new copies after the window anyway (``decide.is_open``).
Single-node Redis (or Valkey): a transaction over keys of many hash slots would need one slot in a
cluster.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError
from redis.typing import EncodableT, FieldT

from newswatch_enrich.stories.records import Member, StoryRecord
from newswatch_enrich.stories.store import Attempt, StoreConflict

__all__ = ["RECENT_KEY", "RedisStore", "band_key", "member_key", "story_key"]

RECENT_KEY = "stories:recent"
_LIST_FIELDS = ("sources", "copies")


def band_key(band: str) -> str:
    return f"story:band:{band}"


def member_key(member_id: str) -> str:
    return f"story:member:{member_id}"


def story_key(story_id: str) -> str:
    return f"story:{story_id}"


def _text(value: bytes | str) -> str:
    """The store works with clients that decode responses (the service's) and ones that do not."""
    return value.decode() if isinstance(value, bytes) else value


def record_to_hash(record: StoryRecord) -> dict[FieldT, EncodableT]:
    data = record.model_dump(mode="json")
    return {k: json.dumps(v) if k in _LIST_FIELDS else str(v) for k, v in data.items()}


def record_from_hash(fields: dict[str, str]) -> StoryRecord:
    data: dict[str, Any] = {k: json.loads(v) if k in _LIST_FIELDS else v for k, v in fields.items()}
    return StoryRecord.model_validate(data)


class _RedisAttempt:
    def __init__(
        self, redis: Redis, pipe: Pipeline, member_id: str, bands: Sequence[str], ttl_s: int
    ) -> None:
        self._redis, self._pipe, self._id, self._bands, self._ttl = redis, pipe, member_id, bands, ttl_s

    async def read(self) -> tuple[Member | None, list[Member]]:
        # Read on another connection: WATCH holds for the keys whoever reads them, and one round trip
        # for all bands beats one per command on the watching connection.
        async with self._redis.pipeline(transaction=False) as reads:
            reads.get(member_key(self._id))
            if self._bands:
                reads.sunion([band_key(b) for b in self._bands])
            got = await reads.execute()
        own = Member.from_json(self._id, _text(got[0])) if got[0] else None
        ids = sorted(i for i in (got[1] if self._bands else ()) if i != self._id)
        members: list[Member] = []
        if ids and own is None:
            for member_id, text in zip(
                ids, await self._redis.mget([member_key(i) for i in ids]), strict=True
            ):
                if text:  # an id whose member expired stays in a band until the band expires
                    members.append(Member.from_json(member_id, _text(text)))
        return own, members

    async def story(self, story_id: str) -> StoryRecord | None:
        await self._pipe.watch(story_key(story_id))
        fields = await self._redis.hgetall(story_key(story_id))
        return record_from_hash({_text(k): _text(v) for k, v in fields.items()}) if fields else None

    async def commit(self, member: Member, bands: Sequence[str], record: StoryRecord) -> None:
        pipe, ttl = self._pipe, self._ttl
        pipe.multi()  # type: ignore[no-untyped-call]
        pipe.set(member_key(member.id), member.to_json(), ex=ttl)
        for band in bands:
            pipe.sadd(band_key(band), member.id)
            pipe.expire(band_key(band), ttl)
        key = story_key(record.id)
        pipe.delete(key)
        pipe.hset(key, mapping=record_to_hash(record))
        pipe.expire(key, ttl)
        last = record.last_seen.timestamp()
        pipe.zadd(RECENT_KEY, {record.id: last})
        pipe.zremrangebyscore(RECENT_KEY, "-inf", last - ttl)
        pipe.expire(RECENT_KEY, ttl)
        try:
            await pipe.execute()
        except WatchError as e:
            raise StoreConflict(str(e)) from e


class RedisStore:
    """The store the service uses; ``ttl_s`` is how long every key outlives its last write."""

    def __init__(self, redis: Redis, ttl_s: float) -> None:
        self.redis = redis
        self.ttl_s = max(1, round(ttl_s))

    @contextlib.asynccontextmanager
    async def attempt(self, member_id: str, bands: Sequence[str]) -> AsyncIterator[Attempt]:
        async with self.redis.pipeline(transaction=True) as pipe:
            await pipe.watch(member_key(member_id), *[band_key(b) for b in bands])
            yield _RedisAttempt(self.redis, pipe, member_id, bands, self.ttl_s)
