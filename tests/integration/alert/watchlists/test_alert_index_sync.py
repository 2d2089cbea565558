"""Replicas keep their watchlist index current from the change log (real Redis): changes are applied in
place, and a change the log cannot account for makes a replica rebuild instead of missing it."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from newswatch_alert.common import keys
from newswatch_alert.watchlists.cache import WatchlistCache
from newswatch_alert.watchlists.models import WatchlistIn
from newswatch_alert.watchlists.store import WatchlistStore
from tests.integration.alert.support import NOW, border_article

pytestmark = pytest.mark.integration


def body(query: str, **fields: object) -> WatchlistIn:
    return WatchlistIn.model_validate({"name": "w", "query": query, **fields})


def matched(cache: WatchlistCache) -> list[str]:
    return [w.id for w, _ in cache.index.matches(border_article())]


async def test_changes_are_applied_in_place_on_every_replica(redis_client: Redis) -> None:
    store = WatchlistStore(redis_client, 10)
    before = await store.create("u1", body("country:UA AND term:troops"), NOW)
    replicas = [WatchlistCache(store, 0.25), WatchlistCache(store, 0.25)]
    for replica in replicas:
        assert await replica.refresh()  # start-up: a full build
        assert matched(replica) == [before.id]
    indexes = [replica.index for replica in replicas]

    miss = await store.create("u1", body("country:BY"), NOW)
    hit = await store.create("u1", body('country:UA NOT source:"Other Wire"'), NOW)
    disabled = await store.update("u1", before.id, {"enabled": False}, NOW)
    assert disabled is not None
    for replica, index in zip(replicas, indexes, strict=True):
        assert await replica.refresh()
        assert replica.index is index  # updated, not rebuilt
        assert matched(replica) == [hit.id]
        assert len(replica.index) == 2
        assert not await replica.refresh()

    assert await store.update("u1", miss.id, {"query": "country:UA"}, NOW) is not None
    assert await store.delete("u1", hit.id)
    for replica, index in zip(replicas, indexes, strict=True):
        assert await replica.refresh()
        assert replica.index is index
        assert matched(replica) == [miss.id]


async def test_a_change_missing_from_the_log_makes_a_full_rebuild(redis_client: Redis) -> None:
    store = WatchlistStore(redis_client, 10)
    replica = WatchlistCache(store, 0.25)
    first = await store.create("u1", body("country:UA"), NOW)
    assert await replica.refresh()
    index = replica.index

    # The log was trimmed past what this replica applied: it cannot know what changed.
    second = await store.create("u1", body("term:troops"), NOW)
    await redis_client.xtrim(keys.WATCHLISTS_CHANGES, maxlen=0)
    assert await replica.refresh()
    assert replica.index is not index
    assert matched(replica) == sorted([first.id, second.id])

    # A writer that bumps the counter without logging (a bug, or an older version) costs a rebuild,
    # never a stale index.
    await redis_client.set(
        keys.watchlist(second.id), second.model_copy(update={"query": "country:BY"}).model_dump_json()
    )
    await redis_client.incr(keys.WATCHLISTS_VERSION)
    index = replica.index
    assert await replica.refresh()
    assert replica.index is not index
    assert matched(replica) == [first.id]
