"""The feed registry in Redis: which feeds exist, their settings and health, and when each is polled.

Keys (all under ``newswatch:ingest:``):

- ``feeds``           SET of feed ids
- ``feed:<id>``       HASH: url, titles, settings and the health fields of :class:`Feed`
- ``schedule``        ZSET of enabled feed ids scored by next poll time (epoch seconds): due = score ≤ now
- ``disabled``        SET of the ids of disabled feeds (for the gauge; the hash's ``enabled`` decides)
- ``aliases``         HASH: id of a URL a feed moved to → the feed's id
- ``lease:<id>``      STRING owner id, ``SET NX EX``: held while one replica polls the feed

A feed's id is ``stable_id(canonical url)`` of the URL it was first registered with, so adding the
same feed twice (in any spelling that canonicalises alike) is one feed. When a feed moves (a
permanent redirect, or a new URL set through the API) it keeps its id and the new URL becomes an
alias, so adding the new URL later finds the same feed.

The schedule, leases and poll results are handled by :class:`pollstate.PollState`, which the
registry extends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from newswatch_ingest.feedmodel import Feed, dump_json, feed_from_hash, iso, load_json
from newswatch_ingest.pollstate import (
    ALIASES_KEY,
    DISABLED_KEY,
    FEEDS_KEY,
    SCHEDULE_KEY,
    PollFailure,
    PollState,
    PollSuccess,
    as_text,
    decoded_hash,
    feed_key,
    lease_key,
)
from newswatch_ingest.urls import canonical_url
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import utcnow

__all__ = [
    "ADMIN_DISABLED",
    "ALIASES_KEY",
    "DISABLED_KEY",
    "FEEDS_KEY",
    "SCHEDULE_KEY",
    "Feed",
    "FeedChanges",
    "FeedConflict",
    "FeedRegistry",
    "PollFailure",
    "PollSuccess",
    "feed_id_for",
    "feed_key",
    "lease_key",
]

ADMIN_DISABLED = "Disabled by an administrator."


def feed_id_for(url: str) -> str:
    """The id a feed URL gets when first registered (``ValueError`` if it is not an http(s) URL)."""
    return stable_id(canonical_url(url))


class FeedConflict(Exception):
    """The URL already belongs to another feed."""

    def __init__(self, url: str, other_id: str) -> None:
        super().__init__(f"{url} is already registered as feed {other_id}.")
        self.other_id = other_id


@dataclass(frozen=True)
class FeedChanges:
    """What a PATCH changes; None leaves a field as it is."""

    url: str | None = None
    title: str | None = None  # "" clears the custom title
    interval_s: float | None = None
    reset_interval: bool = False  # back to the service default
    tags: tuple[str, ...] | None = None
    enabled: bool | None = None


class FeedRegistry(PollState):
    def __init__(
        self,
        redis: Redis,
        default_interval_s: float = 300.0,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(redis)
        #: What ``interval_s`` shows for feeds without one of their own (the poller's default).
        self.default_interval_s = default_interval_s
        self._clock = clock

    def _feed(self, feed_id: str, raw: dict[str, str]) -> Feed | None:
        if "url" not in raw or "added_at" not in raw:
            return None
        return feed_from_hash(feed_id, raw, now=self._clock(), default_interval_s=self.default_interval_s)

    async def resolve(self, url: str) -> str | None:
        """The id of the feed registered at ``url`` (or that moved there), else None."""
        own_id = feed_id_for(url)
        if await self.redis.hexists(feed_key(own_id), "url"):
            return own_id
        alias = as_text(await self.redis.hget(ALIASES_KEY, own_id))
        return alias if alias and await self.redis.hexists(feed_key(alias), "url") else None

    async def add(
        self,
        url: str,
        title: str | None = None,
        *,
        now: datetime,
        interval_s: float | None = None,
        tags: tuple[str, ...] | None = None,
        enabled: bool | None = None,
        first_poll_at: datetime | None = None,
    ) -> tuple[Feed, bool]:
        """Register a feed (idempotent); returns it and whether it is new.

        A new feed is first polled at ``first_poll_at`` (default: now). For a feed that exists, the
        values given replace its own; its schedule is kept.
        """
        canonical = canonical_url(url)
        existing = await self.resolve(canonical)
        feed_id = existing or stable_id(canonical)
        key = feed_key(feed_id)
        created = existing is None and bool(await self.redis.hsetnx(key, "url", canonical))
        if created:
            off = enabled is False
            fields: dict[FieldT, EncodableT] = {
                "added_at": iso(now),
                "custom_title": (title or "").strip(),
                "custom_interval": "" if interval_s is None else interval_s,
                "tags": dump_json(list(tags or ())),
                "enabled": "0" if off else "1",
                "next_poll_at": "" if off else iso(first_poll_at or now),
            }
            if off:
                fields |= {"disabled_reason": ADMIN_DISABLED, "disabled_at": iso(now)}
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=fields)
                pipe.sadd(FEEDS_KEY, feed_id)
                if off:
                    pipe.sadd(DISABLED_KEY, feed_id)
                else:
                    pipe.zadd(SCHEDULE_KEY, {feed_id: (first_poll_at or now).timestamp()}, nx=True)
                await pipe.execute()
        else:
            changes = FeedChanges(
                title=title.strip() if title and title.strip() else None,
                interval_s=interval_s,
                tags=tags,
                enabled=enabled,
            )
            await self.update(feed_id, changes, now=now)
            # Feeds stored before the schedule existed, or re-added after a crash, get one back.
            if await self._enabled(feed_id):
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.sadd(FEEDS_KEY, feed_id)
                    pipe.zadd(SCHEDULE_KEY, {feed_id: now.timestamp()}, nx=True)
                    await pipe.execute()
        feed = await self.get(feed_id)
        if feed is None:  # only if someone deletes it in between
            raise LookupError(f"feed {feed_id} vanished while being added")
        return feed, created

    async def claim_feeds(
        self, feed_ids: list[str], owner: str, ttl_s: int, now: datetime
    ) -> list[tuple[str, Feed | None]]:
        """Lease each feed still due (see :meth:`PollState.claim_many`), with the feed as stored
        (None for an id left in the schedule without its hash)."""
        claimed = await self.claim_many(feed_ids, owner, ttl_s, now)
        return [(feed_id, self._feed(feed_id, raw)) for feed_id, raw in claimed]

    async def get(self, feed_id: str) -> Feed | None:
        return self._feed(feed_id, decoded_hash(await self.redis.hgetall(feed_key(feed_id))))

    async def list_feeds(self) -> list[Feed]:
        """Every feed, oldest first."""
        ids = sorted(as_text(i) for i in await self.redis.smembers(FEEDS_KEY))
        async with self.redis.pipeline(transaction=False) as pipe:
            for feed_id in ids:
                pipe.hgetall(feed_key(feed_id))
            hashes = await pipe.execute()
        feeds = [self._feed(i, decoded_hash(raw)) for i, raw in zip(ids, hashes, strict=True)]
        return sorted((f for f in feeds if f is not None), key=lambda f: (f.added_at, f.url))

    async def update(self, feed_id: str, changes: FeedChanges, *, now: datetime) -> Feed | None:
        """Apply a PATCH; None if there is no such feed. :class:`FeedConflict` for a taken URL.

        Re-enabling clears the failure count and makes the feed due now; disabling takes it off the
        schedule. A new URL forgets the old validators and is polled now.
        """
        feed = await self.get(feed_id)
        if feed is None:
            return None
        key = feed_key(feed_id)
        fields: dict[FieldT, EncodableT] = {}
        score: float | None = None  # new schedule score, when it changes
        if changes.url is not None and canonical_url(changes.url) != feed.url:
            await self._move(feed, canonical_url(changes.url), manual=True)
            fields |= {"etag": "", "last_modified": ""}
            score = now.timestamp()
        if changes.title is not None:
            fields["custom_title"] = changes.title.strip()
        if changes.tags is not None:
            fields["tags"] = dump_json(list(changes.tags))
        if changes.reset_interval or changes.interval_s is not None:
            fields["custom_interval"] = "" if changes.reset_interval else changes.interval_s or ""
            interval = changes.interval_s or self.default_interval_s
            current = await self.redis.zscore(SCHEDULE_KEY, feed_id)
            if current is not None and feed.consecutive_failures == 0:
                score = min(score or current, current, now.timestamp() + interval)
        enable = changes.enabled
        async with self.redis.pipeline(transaction=True) as pipe:
            if enable is False and feed.enabled:
                fields |= {"enabled": "0", "disabled_reason": ADMIN_DISABLED, "disabled_at": iso(now)}
                fields["next_poll_at"] = ""
                pipe.sadd(DISABLED_KEY, feed_id)
                pipe.zrem(SCHEDULE_KEY, feed_id)
                score = None
            elif enable is True and not feed.enabled:
                fields |= {
                    "enabled": "1",
                    "disabled_reason": "",
                    "disabled_at": "",
                    "consecutive_failures": 0,
                }
                pipe.srem(DISABLED_KEY, feed_id)
                score = now.timestamp()
            elif not feed.enabled:
                score = None
            if score is not None:
                fields["next_poll_at"] = iso(datetime.fromtimestamp(score, now.tzinfo))
                pipe.zadd(SCHEDULE_KEY, {feed_id: score})
            if fields:
                pipe.hset(key, mapping=fields)
            await pipe.execute()
        return await self.get(feed_id)

    async def move(self, feed_id: str, new_url: str) -> str | None:
        """The feed now lives at ``new_url`` (a permanent redirect). Returns the id of another feed
        already registered there (nothing is changed then), else None."""
        feed = await self.get(feed_id)
        canonical = canonical_url(new_url)
        if feed is None or canonical == feed.url:
            return None
        try:
            await self._move(feed, canonical, manual=False)
        except FeedConflict as e:
            return e.other_id
        return None

    async def _move(self, feed: Feed, url: str, *, manual: bool) -> None:
        other = await self.resolve(url)
        if other is not None and other != feed.id:
            raise FeedConflict(url, other)
        key = feed_key(feed.id)
        alias_id = stable_id(url)
        aliases = load_json(as_text(await self.redis.hget(key, "aliases")), [])
        async with self.redis.pipeline(transaction=True) as pipe:
            if alias_id != feed.id:
                pipe.hset(ALIASES_KEY, alias_id, feed.id)
                aliases = sorted({*aliases, alias_id})
            pipe.hset(key, mapping={"url": url, "aliases": dump_json(aliases)})
            if not manual:
                pipe.hset(key, "moved_from", feed.url)
            await pipe.execute()

    async def delete(self, feed_id: str) -> bool:
        """Forget the feed: its settings, health, schedule, lease and aliases (seen marks stay)."""
        key = feed_key(feed_id)
        aliases = load_json(as_text(await self.redis.hget(key, "aliases")), [])
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.srem(FEEDS_KEY, feed_id)
            pipe.zrem(SCHEDULE_KEY, feed_id)
            pipe.srem(DISABLED_KEY, feed_id)
            pipe.delete(lease_key(feed_id))
            if aliases:
                pipe.hdel(ALIASES_KEY, *aliases)
            deleted, *_ = await pipe.execute()
        return bool(deleted)
