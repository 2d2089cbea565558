"""The feed registry in Redis: which feeds exist, their health, and when each is polled next.

Keys (all under ``newswatch:ingest:``):

- ``feeds``           SET of feed ids
- ``feed:<id>``       HASH: url, titles, added_at and the health fields of :class:`Feed`
- ``schedule``        ZSET of feed ids scored by next poll time (epoch seconds): due = score ≤ now
- ``lease:<id>``      STRING owner id, ``SET NX EX``: held while one replica polls the feed

A feed's id is ``stable_id(canonical url)``, so adding the same feed twice (in any spelling that
canonicalises alike) is one feed. Only the lease holder writes a feed's health, so those writes need
no transaction against each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from newswatch_ingest.urls import canonical_url
from newswatch_shared.ids import stable_id

__all__ = ["Feed", "FeedRegistry", "PollFailure", "PollSuccess", "feed_id_for"]

PREFIX = "newswatch:ingest:"
FEEDS_KEY = PREFIX + "feeds"
SCHEDULE_KEY = PREFIX + "schedule"

# Delete the lease only if we still hold it (it may have expired and been taken by another replica).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def feed_key(feed_id: str) -> str:
    return f"{PREFIX}feed:{feed_id}"


def lease_key(feed_id: str) -> str:
    return f"{PREFIX}lease:{feed_id}"


def feed_id_for(url: str) -> str:
    """The id of a feed URL (``ValueError`` if it is not an http(s) URL)."""
    return stable_id(canonical_url(url))


class Feed(BaseModel):
    """A registered feed and its health, as ``GET /feeds`` shows it."""

    model_config = ConfigDict(frozen=True)

    id: str
    url: str
    title: str = Field(description="The title given when the feed was added, else the feed's own.")
    custom_title: str = Field(default="", exclude=True)
    added_at: datetime
    last_fetch_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: int | None = Field(default=None, description="HTTP status of the last fetch.")
    last_error: str | None = Field(default=None, description="Why the last poll failed, as a sentence.")
    last_error_kind: str | None = Field(default=None, description="Stable key of the last error.")
    last_warning: str | None = Field(default=None, description="A problem the last poll worked around.")
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    items_seen: int = Field(default=0, description="Entries in the last document read.")
    articles_published: int = Field(default=0, description="New articles published from this feed.")
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class PollSuccess:
    at: datetime
    status: int
    next_poll_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    #: False for a 304: the stored validators and counts stay as they are.
    modified: bool = True
    items_seen: int = 0
    published: int = 0
    feed_title: str = ""
    warning: str | None = None


@dataclass(frozen=True)
class PollFailure:
    at: datetime
    kind: str
    message: str
    failures: int
    next_poll_at: datetime
    status: int | None = None


def _str(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _to_feed(feed_id: str, raw: Mapping[str, str]) -> Feed:
    def opt(name: str) -> str | None:
        return raw.get(name) or None

    custom = raw.get("custom_title", "")
    return Feed.model_validate(
        {
            "id": feed_id,
            "url": raw["url"],
            "title": custom or raw.get("feed_title", ""),
            "custom_title": custom,
            "added_at": raw["added_at"],
            "last_fetch_at": opt("last_fetch_at"),
            "last_success_at": opt("last_success_at"),
            "last_status": opt("last_status"),
            "last_error": opt("last_error"),
            "last_error_kind": opt("last_error_kind"),
            "last_warning": opt("last_warning"),
            "consecutive_failures": raw.get("consecutive_failures") or 0,
            "next_poll_at": opt("next_poll_at"),
            "items_seen": raw.get("items_seen") or 0,
            "articles_published": raw.get("articles_published") or 0,
            "etag": opt("etag"),
            "last_modified": opt("last_modified"),
        }
    )


class FeedRegistry:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def add(self, url: str, title: str | None = None, *, now: datetime) -> tuple[Feed, bool]:
        """Register a feed (idempotent); returns it and whether it is new. New feeds are due at once."""
        canonical = canonical_url(url)
        feed_id = stable_id(canonical)
        key = feed_key(feed_id)
        created = bool(await self._redis.hsetnx(key, "url", canonical))
        if created:
            await self._redis.hset(
                key,
                mapping={
                    "added_at": _iso(now),
                    "custom_title": (title or "").strip(),
                    "next_poll_at": _iso(now),
                },
            )
        elif title and title.strip():
            await self._redis.hset(key, "custom_title", title.strip())
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(FEEDS_KEY, feed_id)
            pipe.zadd(SCHEDULE_KEY, {feed_id: now.timestamp()}, nx=True)  # keep an existing schedule
            await pipe.execute()
        feed = await self.get(feed_id)
        if feed is None:  # only if someone deletes it in between
            raise LookupError(f"feed {feed_id} vanished while being added")
        return feed, created

    async def get(self, feed_id: str) -> Feed | None:
        raw = await self._redis.hgetall(feed_key(feed_id))
        if "url" not in raw or "added_at" not in raw:
            return None
        return _to_feed(feed_id, {_str(k): _str(v) for k, v in raw.items()})

    async def list_feeds(self) -> list[Feed]:
        """Every feed, oldest first."""
        ids = sorted(_str(i) for i in await self._redis.smembers(FEEDS_KEY))
        async with self._redis.pipeline(transaction=False) as pipe:
            for feed_id in ids:
                pipe.hgetall(feed_key(feed_id))
            hashes = await pipe.execute()
        feeds = [
            _to_feed(feed_id, {_str(k): _str(v) for k, v in raw.items()})
            for feed_id, raw in zip(ids, hashes, strict=True)
            if "url" in raw and "added_at" in raw
        ]
        return sorted(feeds, key=lambda f: (f.added_at, f.url))

    async def poll_now(self, feed_id: str, now: datetime) -> None:
        """Make the feed due immediately (a newly added or re-added feed)."""
        await self._redis.zadd(SCHEDULE_KEY, {feed_id: now.timestamp()})
        await self._redis.hset(feed_key(feed_id), "next_poll_at", _iso(now))

    async def due(self, now: datetime, limit: int) -> list[str]:
        ids = await self._redis.zrangebyscore(SCHEDULE_KEY, "-inf", now.timestamp(), start=0, num=limit)
        return [_str(i) for i in ids if isinstance(i, str | bytes)]

    async def next_due_at(self) -> float | None:
        """Epoch seconds of the earliest scheduled poll, or None when nothing is scheduled."""
        first = await self._redis.zrange(SCHEDULE_KEY, 0, 0, withscores=True)
        return float(first[0][1]) if first else None

    async def unschedule(self, feed_id: str) -> None:
        await self._redis.zrem(SCHEDULE_KEY, feed_id)

    async def claim(self, feed_id: str, owner: str, ttl_s: int) -> bool:
        """Take the poll lease; False when another poller holds it."""
        return bool(await self._redis.set(lease_key(feed_id), owner, nx=True, ex=ttl_s))

    async def release(self, feed_id: str, owner: str) -> None:
        await self._redis.eval(_RELEASE, 1, lease_key(feed_id), owner)

    async def record_success(self, feed_id: str, result: PollSuccess) -> None:
        fields: dict[FieldT, EncodableT] = {
            "last_fetch_at": _iso(result.at),
            "last_success_at": _iso(result.at),
            "last_status": result.status,
            "last_error": "",
            "last_error_kind": "",
            "consecutive_failures": 0,
            "next_poll_at": _iso(result.next_poll_at),
        }
        if result.modified:
            fields |= {
                "etag": result.etag or "",
                "last_modified": result.last_modified or "",
                "items_seen": result.items_seen,
                "last_warning": result.warning or "",
            }
            if result.feed_title:
                fields["feed_title"] = result.feed_title
        key = feed_key(feed_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            if result.published:
                pipe.hincrby(key, "articles_published", result.published)
            pipe.zadd(SCHEDULE_KEY, {feed_id: result.next_poll_at.timestamp()})
            await pipe.execute()

    async def record_failure(self, feed_id: str, result: PollFailure) -> None:
        fields: dict[FieldT, EncodableT] = {
            "last_fetch_at": _iso(result.at),
            "last_status": result.status if result.status is not None else "",
            "last_error": result.message,
            "last_error_kind": result.kind,
            "consecutive_failures": result.failures,
            "next_poll_at": _iso(result.next_poll_at),
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(feed_key(feed_id), mapping=fields)
            pipe.zadd(SCHEDULE_KEY, {feed_id: result.next_poll_at.timestamp()})
            await pipe.execute()
