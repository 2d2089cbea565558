"""The poll side of the feed registry: the schedule, leases and poll results in Redis.

:class:`PollState` is what the poll loop needs; :class:`feeds.FeedRegistry` adds managing feeds on
top of it. The keys are listed in :mod:`feeds`. Three Lua scripts keep each step atomic:

- taking a lease only while the feed is still due, so a replica that read the schedule just before
  another one polled and rescheduled the feed does not poll it again;
- releasing a lease only by its holder (after a poll, in the same step that records its result);
  the lease operations themselves are ``newswatch_shared.lease``'s, shared with alert's outbox;
- recording a poll only if the feed still exists at the URL polled, and rescheduling it only if it
  is still enabled, so a poll overlapping a delete, a disable or a move cannot undo them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.typing import EncodableT

from newswatch_ingest.feedmodel import dump_json, iso
from newswatch_shared.lease import LUA, Leases

__all__ = [
    "ALIASES_KEY",
    "DISABLED_KEY",
    "FEEDS_KEY",
    "SCHEDULE_KEY",
    "PollFailure",
    "PollState",
    "PollSuccess",
    "as_text",
    "decoded_hash",
    "feed_key",
    "lease_key",
]

PREFIX = "newswatch:ingest:"
FEEDS_KEY = PREFIX + "feeds"
SCHEDULE_KEY = PREFIX + "schedule"
DISABLED_KEY = PREFIX + "disabled"
ALIASES_KEY = PREFIX + "aliases"

# Take the lease only while the feed is still due: a replica that read the schedule just before
# another one polled and rescheduled the feed must not poll it a second time.
# ARGV: id, owner, now, lease ms.
_CLAIM_DUE = (
    LUA
    + """
local score = redis.call('zscore', KEYS[2], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[3]) then return 0 end
if lease_take(KEYS[1], ARGV[2], ARGV[4]) then return 1 end
return 0
"""
)

# The due feeds (ids and URLs, so the caller can apply its per-host limit before claiming any) and the
# earliest score, in one round trip. ARGV: now, offset, limit, key prefix.
_DUE = """
local ids = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', ARGV[2], ARGV[3])
local first = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
local out = {first[2] or ''}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('hget', ARGV[4] .. 'feed:' .. id, 'url') or ''
end
return out
"""

# _CLAIM_DUE for several feeds at once, returning each claimed feed's hash (read under the lease).
# ARGV: now, owner, lease ms, key prefix, ids...
_CLAIM_MANY = (
    LUA
    + """
local out = {}
for i = 5, #ARGV do
  local id = ARGV[i]
  local score = redis.call('zscore', KEYS[1], id)
  if score and tonumber(score) <= tonumber(ARGV[1])
      and lease_take(ARGV[4] .. 'lease:' .. id, ARGV[2], ARGV[3]) then
    out[#out + 1] = id
    out[#out + 1] = redis.call('hgetall', ARGV[4] .. 'feed:' .. id)
  end
end
return out
"""
)

# KEYS: feed hash, schedule, disabled set, lease. ARGV: id, expected url ('' = any), next score,
# published increment, disable ('1'/'0'), lease owner ('' = none), then field/value pairs.
# Releases the lease when ARGV[6] holds it. Returns 0 (feed gone or moved), 1, or 2 (disabled now).
_RECORD = (
    LUA
    + """
if ARGV[6] ~= '' then lease_release(KEYS[4], ARGV[6]) end
local url = redis.call('hget', KEYS[1], 'url')
if not url or (ARGV[2] ~= '' and url ~= ARGV[2]) then return 0 end
if #ARGV > 6 then redis.call('hset', KEYS[1], unpack(ARGV, 7, #ARGV)) end
if tonumber(ARGV[4]) > 0 then redis.call('hincrby', KEYS[1], 'articles_published', ARGV[4]) end
if ARGV[5] == '1' then
  redis.call('hset', KEYS[1], 'enabled', '0', 'next_poll_at', '')
  redis.call('sadd', KEYS[3], ARGV[1])
  redis.call('zrem', KEYS[2], ARGV[1])
  return 2
end
if redis.call('hget', KEYS[1], 'enabled') == '0' then
  redis.call('zrem', KEYS[2], ARGV[1])
  return 1
end
redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
return 1
"""
)


# A WebSub push's result: counts only, and only while the feed exists (a push racing a delete must not
# leave half a hash behind). KEYS: feed hash. ARGV: published, daily JSON, at.
_RECORD_PUSH = """
if redis.call('hexists', KEYS[1], 'url') == 0 then return 0 end
redis.call('hincrby', KEYS[1], 'articles_published', ARGV[1])
redis.call('hset', KEYS[1], 'daily', ARGV[2], 'last_push_at', ARGV[3])
return 1
"""


def feed_key(feed_id: str) -> str:
    return f"{PREFIX}feed:{feed_id}"


def lease_key(feed_id: str) -> str:
    return f"{PREFIX}lease:{feed_id}"


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
    #: The URL that was polled; the result is dropped if the feed has moved since ("" = any).
    url: str = ""
    #: New articles per day, when this poll changed them (see activity.py).
    recent_counts: dict[str, int] | None = None
    #: The adaptive-polling history with this poll added (see adaptive.py), and the interval chosen.
    polls: list[tuple[float, int]] | None = None
    interval_s: float | None = None


@dataclass(frozen=True)
class PollFailure:
    at: datetime
    kind: str
    message: str
    failures: int
    next_poll_at: datetime
    status: int | None = None
    url: str = ""
    #: Set when this failure disables the feed: the reason shown.
    disabled_reason: str | None = None


def as_text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def decoded_hash(raw: dict[bytes | str, bytes | str]) -> dict[str, str]:
    return {as_text(k): as_text(v) for k, v in raw.items()}


class PollState:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        # Registered once: later calls send the script's hash, not its text (EVALSHA).
        self._claim_due = redis.register_script(_CLAIM_DUE)
        self._claim_many = redis.register_script(_CLAIM_MANY)
        self._due = redis.register_script(_DUE)
        self._record_script = redis.register_script(_RECORD)
        self._record_push = redis.register_script(_RECORD_PUSH)
        self._leases = Leases(redis)

    async def _enabled(self, feed_id: str) -> bool:
        return as_text(await self.redis.hget(feed_key(feed_id), "enabled")) != "0"

    async def poll_now(self, feed_id: str, now: datetime) -> None:
        """Make an enabled feed due immediately (a re-added feed)."""
        if not await self._enabled(feed_id):
            return
        await self.redis.zadd(SCHEDULE_KEY, {feed_id: now.timestamp()})
        await self.redis.hset(feed_key(feed_id), "next_poll_at", iso(now))

    async def due(self, now: datetime, limit: int, offset: int = 0) -> list[str]:
        ids = await self.redis.zrangebyscore(SCHEDULE_KEY, "-inf", now.timestamp(), start=offset, num=limit)
        return [as_text(i) for i in ids if isinstance(i, str | bytes)]

    async def due_with_urls(
        self, now: datetime, limit: int, offset: int = 0
    ) -> tuple[list[tuple[str, str]], float | None]:
        """Due feeds with their URLs (``""`` for a feed whose hash is gone), and the earliest
        scheduled poll (epoch seconds; None when nothing is scheduled)."""
        first, *flat = await self._due(keys=[SCHEDULE_KEY], args=[now.timestamp(), offset, limit, PREFIX])
        pairs = [(as_text(flat[i]), as_text(flat[i + 1])) for i in range(0, len(flat), 2)]
        return pairs, float(first) if first else None

    async def claim_many(
        self, feed_ids: list[str], owner: str, ttl_s: int, now: datetime
    ) -> list[tuple[str, dict[str, str]]]:
        """Take the lease of each feed still due; returns the claimed ids with their hashes."""
        if not feed_ids:
            return []
        args: list[EncodableT] = [now.timestamp(), owner, ttl_s * 1000, PREFIX, *feed_ids]
        flat = await self._claim_many(keys=[SCHEDULE_KEY], args=args)
        claimed = []
        for i in range(0, len(flat), 2):
            raw = flat[i + 1]
            fields = {as_text(raw[j]): as_text(raw[j + 1]) for j in range(0, len(raw), 2)}
            claimed.append((as_text(flat[i]), fields))
        return claimed

    async def next_due_at(self) -> float | None:
        """Epoch seconds of the earliest scheduled poll, or None when nothing is scheduled."""
        first = await self.redis.zrange(SCHEDULE_KEY, 0, 0, withscores=True)
        return float(first[0][1]) if first else None

    async def urls(self, feed_ids: list[str]) -> dict[str, str]:
        """The current URL of each feed that still exists."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for feed_id in feed_ids:
                pipe.hget(feed_key(feed_id), "url")
            found = await pipe.execute()
        return {i: as_text(u) for i, u in zip(feed_ids, found, strict=True) if u}

    async def unschedule(self, feed_id: str) -> None:
        await self.redis.zrem(SCHEDULE_KEY, feed_id)

    async def claim(self, feed_id: str, owner: str, ttl_s: int) -> bool:
        """Take the poll lease; False when another poller holds it."""
        return await self._leases.take(lease_key(feed_id), owner, ttl_s)

    async def claim_due(self, feed_id: str, owner: str, ttl_s: int, now: datetime) -> bool:
        """Take the poll lease if the feed is still due at ``now``; False otherwise."""
        args: list[EncodableT] = [feed_id, owner, now.timestamp(), ttl_s * 1000]
        return bool(await self._claim_due(keys=[lease_key(feed_id), SCHEDULE_KEY], args=args))

    async def release(self, feed_id: str, owner: str) -> None:
        await self._leases.release(lease_key(feed_id), owner)

    async def counts(self) -> tuple[int, int]:
        """(feeds registered, feeds disabled)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.scard(FEEDS_KEY)
            pipe.scard(DISABLED_KEY)
            total, disabled = await pipe.execute()
        return int(total), int(disabled)

    async def _record(
        self,
        feed_id: str,
        url: str,
        next_at: datetime,
        fields: dict[str, EncodableT],
        published: int = 0,
        owner: str = "",
    ) -> int:
        disable = "1" if fields.get("disabled_reason") else "0"
        pairs = [x for name, value in fields.items() for x in (name, value)]
        keys = [feed_key(feed_id), SCHEDULE_KEY, DISABLED_KEY, lease_key(feed_id)]
        args = [feed_id, url, next_at.timestamp(), published, disable, owner, *pairs]
        return int(await self._record_script(keys=keys, args=args))

    async def record_success(self, feed_id: str, result: PollSuccess, *, owner: str = "") -> bool:
        """Store a successful poll; False when the feed was deleted or moved meanwhile.

        The lease held by ``owner`` is released in the same step."""
        fields: dict[str, EncodableT] = {
            "last_fetch_at": iso(result.at),
            "last_success_at": iso(result.at),
            "last_status": result.status,
            "last_error": "",
            "last_error_kind": "",
            "consecutive_failures": 0,
            "next_poll_at": iso(result.next_poll_at),
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
        if result.recent_counts is not None:
            fields["daily"] = dump_json(result.recent_counts)
        if result.polls is not None:
            fields["polls"] = dump_json([[round(at, 3), n] for at, n in result.polls])
        if result.interval_s is not None:
            fields["poll_interval"] = round(result.interval_s, 3)
        return bool(
            await self._record(feed_id, result.url, result.next_poll_at, fields, result.published, owner)
        )

    async def record_push(self, feed_id: str, published: int, recent_counts: dict[str, int]) -> bool:
        """Count the articles a WebSub push published; False if the feed is gone. The schedule stays."""
        args: list[EncodableT] = [published, dump_json(recent_counts), iso(datetime.now(UTC))]
        return bool(await self._record_push(keys=[feed_key(feed_id)], args=args))

    async def record_failure(self, feed_id: str, result: PollFailure, *, owner: str = "") -> bool:
        """Store a failed poll (disabling the feed when the result says so); False if the feed is gone.

        The lease held by ``owner`` is released in the same step."""
        fields: dict[str, EncodableT] = {
            "last_fetch_at": iso(result.at),
            "last_status": result.status if result.status is not None else "",
            "last_error": result.message,
            "last_error_kind": result.kind,
            "consecutive_failures": result.failures,
            "next_poll_at": iso(result.next_poll_at),
        }
        if result.disabled_reason:
            fields |= {"disabled_reason": result.disabled_reason, "disabled_at": iso(result.at)}
        return bool(await self._record(feed_id, result.url, result.next_poll_at, fields, owner=owner))
