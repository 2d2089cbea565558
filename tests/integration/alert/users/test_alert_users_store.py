"""The user and key stores on a real Redis (no broker): records from before key records existed,
deactivation cut short, and what the matcher loads."""

from __future__ import annotations

import hashlib

import pytest
from redis.asyncio import Redis

from newswatch_alert.users.apikeys import ApiKeyStore, UserInactive
from newswatch_alert.users.store import UserStore
from newswatch_alert.watchlists.cache import WatchlistCache
from newswatch_alert.watchlists.models import WatchlistIn
from newswatch_alert.watchlists.store import WatchlistStore
from tests.integration.alert.support import NOW, border_article

pytestmark = pytest.mark.integration

BODY = WatchlistIn.model_validate({"name": "w", "entities": ["UA"], "keywords": ["troops"]})


def stores(redis: Redis) -> tuple[UserStore, ApiKeyStore]:
    api_keys = ApiKeyStore(redis)
    return UserStore(redis, api_keys), api_keys


async def test_users_and_keys_stored_by_the_first_version_are_backfilled(redis_client: Redis) -> None:
    # What 0.1 wrote: the user record and apikey:<sha> → user id, nothing else.
    legacy_key = "nw_" + "L" * 43
    digest = hashlib.sha256(legacy_key.encode()).hexdigest()
    await redis_client.set(
        "user:old1", '{"id": "old1", "name": "early bird", "created_at": "2026-01-02T03:04:05Z"}'
    )
    await redis_client.set(f"apikey:{digest}", "old1")
    await redis_client.sadd("user:old1:watchlists", "w1")  # not a user record: must be skipped
    users, api_keys = stores(redis_client)

    assert await api_keys.authenticate(legacy_key) == "old1"  # works before any backfill
    assert await users.backfill(NOW) == 2
    assert await users.backfill(NOW) == 0  # idempotent
    (listed,) = await users.list_all()
    assert (listed.id, listed.name, listed.active) == ("old1", "early bird", True)
    (key,) = await api_keys.list_for("old1")
    assert (key.id, key.name, key.prefix) == (digest[:16], "default", None)
    assert key.created_at.isoformat() == "2026-01-02T03:04:05+00:00"

    # The old key is now managed like any other: listed, revocable once another exists.
    new = await api_keys.create("old1", "new", NOW)
    assert await api_keys.revoke("old1", key.id)
    assert await api_keys.authenticate(legacy_key) is None
    assert await api_keys.authenticate(new.api_key) == "old1"


async def test_a_deactivation_cut_short_still_locks_the_user_out(redis_client: Redis) -> None:
    users, api_keys = stores(redis_client)
    created = await users.create("ana", NOW)
    assert await api_keys.authenticate(created.api_key) == created.id
    # As if the process died right after the first step of deactivate(): keys not yet deleted.
    await redis_client.sadd("users:deactivated", created.id)
    assert await api_keys.authenticate(created.api_key) is None
    with pytest.raises(UserInactive):
        await api_keys.create(created.id, "sneaky", NOW)
    # Repeating the deactivation finishes the clean-up.
    assert await users.deactivate(created.id, NOW) is not None
    digest = hashlib.sha256(created.api_key.encode()).hexdigest()
    assert await redis_client.exists(f"apikey:{digest}", f"user:{created.id}:keys") == 0


async def test_the_matcher_sees_only_enabled_watchlists_of_active_users(redis_client: Redis) -> None:
    users, _ = stores(redis_client)
    ana, bo = await users.create("ana", NOW), await users.create("bo", NOW)
    watchlists = WatchlistStore(redis_client, 10)
    cache = WatchlistCache(watchlists, 0.25)
    kept = await watchlists.create(bo.id, BODY, NOW)
    paused = await watchlists.create(bo.id, BODY, NOW)
    gone_with_user = await watchlists.create(ana.id, BODY, NOW)
    assert await cache.refresh()
    assert {w.id for w, _ in cache.index.matches(border_article())} == {kept.id, paused.id, gone_with_user.id}

    assert await watchlists.update(bo.id, paused.id, {"enabled": False}, NOW) is not None
    await users.deactivate(ana.id, NOW)
    assert await cache.refresh()  # both changes moved watchlists:version
    assert [w.id for w, _ in cache.index.matches(border_article())] == [kept.id]
    # Kept in Redis, visible to their owner; just not matched.
    assert await watchlists.get(ana.id, gone_with_user.id) is not None
    assert {w.id for w in await watchlists.list_for(bo.id)} == {kept.id, paused.id}
