"""Redis leases: one holder at a time for a piece of work (ingest: a feed's poll; alert: an outbox entry).

A lease is a key holding its holder's token, set with NX and an expiry: whoever sets it holds it
until it releases it or the expiry passes, so a holder that dies blocks the work no longer than one
lease. Only the holder may release or extend it (compare-then-act, atomically in Lua), so a slow
holder whose lease expired and was taken by another replica cannot end the new holder's lease.

Steps that must take or check a lease in the same atomic step as other work (ingest takes a feed's
lease only while the feed is still due; the outbox records an outcome only while the lease is its
own) are Lua scripts that begin with :data:`LUA`: the same three operations as Lua functions, so the
rules above are written once for both services.
"""

from __future__ import annotations

import secrets

from redis.asyncio import Redis

__all__ = ["LUA", "Leases", "new_token"]

#: Prepend to a script: ``lease_take(key, token, ms)`` → true if taken, ``lease_held(key, token)``,
#: ``lease_release(key, token)`` → 1 if released (0: not ours, or already gone).
LUA = """
local function lease_take(key, token, ms)
  return redis.call('SET', key, token, 'NX', 'PX', ms) ~= false
end
local function lease_held(key, token)
  return redis.call('GET', key) == token
end
local function lease_release(key, token)
  if redis.call('GET', key) == token then return redis.call('DEL', key) end
  return 0
end
"""

_RELEASE = LUA + "return lease_release(KEYS[1], ARGV[1])"
_EXTEND = (
    LUA
    + """
if lease_held(KEYS[1], ARGV[1]) then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
)


def new_token() -> str:
    """A holder's token: random, so two replicas (or two runs of one) never share one."""
    return secrets.token_hex(8)


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class Leases:
    """The standalone lease operations, for work that needs no other step in the same script."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._release = redis.register_script(_RELEASE)
        self._extend = redis.register_script(_EXTEND)

    async def take(self, key: str, token: str, ttl_s: float) -> bool:
        """Hold ``key`` for ``ttl_s``; False when someone holds it."""
        return bool(await self._redis.set(key, token, nx=True, px=_ms(ttl_s)))

    async def release(self, key: str, token: str) -> bool:
        """Give the lease back; False when it is not ours (any more)."""
        return bool(await self._release(keys=[key], args=[token]))

    async def extend(self, key: str, token: str, ttl_s: float) -> bool:
        """Hold it ``ttl_s`` from now, if it is still ours."""
        return bool(await self._extend(keys=[key], args=[token, _ms(ttl_s)]))

    async def holder(self, key: str) -> str | None:
        value = await self._redis.get(key)
        if isinstance(value, bytes):
            return value.decode()
        return None if value is None else str(value)
