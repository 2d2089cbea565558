"""WebSub subscriptions in Redis, shared by every ingest replica.

A subscription is known by its callback id (the last part of its callback URL), not by its feed: when
a feed changes hub or topic, or is deleted, its old subscription lives on as ``unsubscribing`` until
the hub confirms, while a new one may already be pending. Keys (under ``newswatch:ingest:websub:``):

- ``sub:<callback id>``    HASH: feed_id, hub, topic, secret, state, lease_s, expires_at, verified_at,
                           requested_at, attempts, last_error, created_at
- ``feed:<feed id>``       STRING: the callback id of the feed's current subscription
- ``due``                  ZSET: callback id → when the worker acts next (subscribe, renew, retry,
                           unsubscribe, give up waiting)
- ``lease:<callback id>``  the worker's lease while it talks to the hub (one replica at a time)
- ``rate:<callback id>:<minute>``  pushes received in that minute (the callback's rate limit)

States: ``subscribing`` (asked, not verified yet), ``active`` (the hub verified; ``expires_at`` is
when its lease ends), ``unsubscribing`` (the feed no longer wants it; pushes get 410).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from newswatch_ingest.pollstate import as_text, decoded_hash
from newswatch_ingest.websub import new_callback_id, new_secret, renew_delay_s
from newswatch_shared.lease import Leases

__all__ = ["DUE_KEY", "State", "Subscription", "SubscriptionStore"]

PREFIX = "newswatch:ingest:websub:"
DUE_KEY = PREFIX + "due"
State = Literal["subscribing", "active", "unsubscribing"]


# Wait for a verification only if none came since the request: the hub may verify (and so schedule
# the renewal) between our request and this step. KEYS: sub hash, due. ARGV: id, at, since.
_AWAIT_VERIFICATION = """
local verified = tonumber(redis.call('hget', KEYS[1], 'verified_at') or '0') or 0
if verified >= tonumber(ARGV[3]) then return 0 end
redis.call('zadd', KEYS[2], ARGV[2], ARGV[1])
return 1
"""


def _sub_key(callback_id: str) -> str:
    return f"{PREFIX}sub:{callback_id}"


def _feed_key(feed_id: str) -> str:
    return f"{PREFIX}feed:{feed_id}"


def _lease_key(callback_id: str) -> str:
    return f"{PREFIX}lease:{callback_id}"


@dataclass(frozen=True)
class Subscription:
    callback_id: str
    feed_id: str
    hub: str
    topic: str
    secret: str
    state: State
    lease_s: float = 0.0
    expires_at: float = 0.0
    verified_at: float = 0.0
    requested_at: float = 0.0
    attempts: int = 0
    last_error: str = ""

    def live(self, now: float) -> bool:
        return self.state == "active" and self.expires_at > now


def _number(raw: dict[str, str], name: str) -> float:
    try:
        return float(raw.get(name) or 0)
    except ValueError:
        return 0.0


def _subscription(callback_id: str, raw: dict[str, str]) -> Subscription | None:
    state = raw.get("state")
    if state not in ("subscribing", "active", "unsubscribing") or not raw.get("feed_id"):
        return None
    return Subscription(
        callback_id=callback_id,
        feed_id=raw["feed_id"],
        hub=raw.get("hub", ""),
        topic=raw.get("topic", ""),
        secret=raw.get("secret", ""),
        state=cast(State, state),
        lease_s=_number(raw, "lease_s"),
        expires_at=_number(raw, "expires_at"),
        verified_at=_number(raw, "verified_at"),
        requested_at=_number(raw, "requested_at"),
        attempts=int(_number(raw, "attempts")),
        last_error=raw.get("last_error", ""),
    )


class SubscriptionStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._leases = Leases(redis)
        self._await_verification = redis.register_script(_AWAIT_VERIFICATION)

    async def get(self, callback_id: str) -> Subscription | None:
        if not callback_id:
            return None
        return _subscription(callback_id, decoded_hash(await self.redis.hgetall(_sub_key(callback_id))))

    async def current(self, feed_id: str) -> Subscription | None:
        """The feed's own subscription (not one it is leaving)."""
        return await self.get(as_text(await self.redis.get(_feed_key(feed_id))))

    async def create(self, feed_id: str, hub: str, topic: str, now: datetime) -> Subscription:
        """A new pending subscription for the feed, due at once; the feed's previous one is retired."""
        await self.retire(feed_id, now)
        callback_id = new_callback_id()
        fields: dict[FieldT, EncodableT] = {
            "feed_id": feed_id,
            "hub": hub,
            "topic": topic,
            "secret": new_secret(),
            "state": "subscribing",
            "created_at": now.timestamp(),
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(_sub_key(callback_id), mapping=fields)
            pipe.set(_feed_key(feed_id), callback_id)
            pipe.zadd(DUE_KEY, {callback_id: now.timestamp()})
            await pipe.execute()
        sub = await self.get(callback_id)
        assert sub is not None
        return sub

    async def retire(self, feed_id: str, now: datetime) -> bool:
        """Mark the feed's subscription for unsubscribing (due now); False when it had none."""
        callback_id = as_text(await self.redis.getdel(_feed_key(feed_id)))
        if not callback_id or not await self.redis.exists(_sub_key(callback_id)):
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                _sub_key(callback_id), mapping={"state": "unsubscribing", "attempts": 0, "requested_at": 0}
            )
            pipe.zadd(DUE_KEY, {callback_id: now.timestamp()})
            await pipe.execute()
        return True

    async def activate(self, callback_id: str, lease_s: float, now: datetime) -> None:
        """The hub verified (a new subscription or a renewal): live until the lease ends, renewed before."""
        at = now.timestamp()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                _sub_key(callback_id),
                mapping={
                    "state": "active",
                    "lease_s": lease_s,
                    "expires_at": at + lease_s,
                    "verified_at": at,
                    "attempts": 0,
                    "last_error": "",
                },
            )
            pipe.zadd(DUE_KEY, {callback_id: at + renew_delay_s(lease_s)})
            await pipe.execute()

    async def requested(self, callback_id: str, now: datetime) -> None:
        await self.redis.hset(_sub_key(callback_id), "requested_at", now.timestamp())

    async def schedule(
        self, callback_id: str, at: float, *, attempts: int | None = None, error: str | None = None
    ) -> None:
        """Act on the subscription again at ``at`` (epoch seconds), noting a failure if there was one."""
        fields: dict[FieldT, EncodableT] = {}
        if attempts is not None:
            fields["attempts"] = attempts
        if error is not None:
            fields["last_error"] = error[:500]
        async with self.redis.pipeline(transaction=True) as pipe:
            if fields:
                pipe.hset(_sub_key(callback_id), mapping=fields)
            pipe.zadd(DUE_KEY, {callback_id: at})
            await pipe.execute()

    async def await_verification(self, callback_id: str, at: float, since: float) -> None:
        """Ask again at ``at`` unless the hub has verified since ``since`` (epoch seconds)."""
        await self._await_verification(keys=[_sub_key(callback_id), DUE_KEY], args=[callback_id, at, since])

    async def forget(self, callback_id: str) -> None:
        """The subscription is over: its hash, schedule and lease go (the feed's pointer, if still its)."""
        sub = await self.get(callback_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(_sub_key(callback_id))
            pipe.zrem(DUE_KEY, callback_id)
            await pipe.execute()
        if sub is not None and as_text(await self.redis.get(_feed_key(sub.feed_id))) == callback_id:
            await self.redis.delete(_feed_key(sub.feed_id))

    async def due(self, now: datetime, limit: int = 50) -> tuple[list[str], float | None]:
        """Callback ids due now, and when the earliest one is due (epoch seconds, None: none)."""
        ids = await self.redis.zrangebyscore(DUE_KEY, "-inf", now.timestamp(), start=0, num=limit)
        first = await self.redis.zrange(DUE_KEY, 0, 0, withscores=True)
        return [as_text(i) for i in ids if isinstance(i, str | bytes)], float(first[0][1]) if first else None

    async def take(self, callback_id: str, owner: str, ttl_s: float) -> bool:
        return await self._leases.take(_lease_key(callback_id), owner, ttl_s)

    async def release(self, callback_id: str, owner: str) -> None:
        await self._leases.release(_lease_key(callback_id), owner)

    async def count_push(self, callback_id: str, now: datetime) -> int:
        """Pushes to this callback in the current minute, this one included."""
        key = f"{PREFIX}rate:{callback_id}:{int(now.timestamp() // 60)}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = await pipe.execute()
        return int(count)
