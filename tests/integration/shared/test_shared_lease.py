"""Redis leases against a real Redis: one holder at a time, only the holder lets go, expiry frees.

Ingest's feed leases and alert's outbox leases both stand on these operations (the Lua prelude
inside their own scripts), so the rules are checked once here, in both forms.
"""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from newswatch_shared.lease import LUA, Leases, new_token

pytestmark = pytest.mark.integration

KEY = "test:lease"


async def test_one_holder_at_a_time_and_only_the_holder_releases(redis_client: Redis) -> None:
    leases = Leases(redis_client)
    mine, theirs = new_token(), new_token()
    assert mine != theirs
    assert await leases.take(KEY, mine, 30)
    assert not await leases.take(KEY, theirs, 30)
    assert not await leases.release(KEY, theirs)  # not theirs to release
    assert await leases.holder(KEY) == mine
    assert await leases.release(KEY, mine)
    assert await leases.holder(KEY) is None
    assert not await leases.release(KEY, mine)  # already gone
    assert await leases.take(KEY, theirs, 30)


async def test_an_expired_lease_is_free_and_its_old_holder_cannot_touch_the_new_one(
    redis_client: Redis,
) -> None:
    leases = Leases(redis_client)
    slow, fast = new_token(), new_token()
    assert await leases.take(KEY, slow, 0.1)
    await asyncio.sleep(0.2)
    assert await leases.take(KEY, fast, 30)
    assert not await leases.extend(KEY, slow, 30)
    assert not await leases.release(KEY, slow)
    assert await leases.holder(KEY) == fast


async def test_the_holder_extends_its_lease(redis_client: Redis) -> None:
    leases = Leases(redis_client)
    token = new_token()
    assert await leases.take(KEY, token, 0.2)
    assert await leases.extend(KEY, token, 30)
    await asyncio.sleep(0.3)
    assert await leases.holder(KEY) == token
    assert 25_000 < await redis_client.pttl(KEY) <= 30_000


async def test_the_lua_functions_compose_into_a_script(redis_client: Redis) -> None:
    # Take the lease and record work in one atomic step, as ingest's claim and alert's outbox do.
    script = redis_client.register_script(
        LUA
        + """
if not lease_take(KEYS[1], ARGV[1], ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
if lease_held(KEYS[1], ARGV[1]) then return lease_release(KEYS[1], ARGV[1]) + 1 end
return -1
"""
    )
    token = new_token()
    assert await script(keys=[KEY, "test:work"], args=[token, 30_000]) == 2
    assert await redis_client.get("test:work") == token
    assert await redis_client.exists(KEY) == 0
    await Leases(redis_client).take(KEY, "someone-else", 30)
    assert await script(keys=[KEY, "test:work"], args=[token, 30_000]) == 0
