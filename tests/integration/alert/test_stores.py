"""The Redis side on its own (real Redis, no broker): retention, leases, index reloads, retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.handler import ArticleHandler
from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.delivery.models import DeliveryState
from newswatch_alert.delivery.outbox import Outbox
from newswatch_alert.live.articles import ArticleStore
from newswatch_alert.watchlists.cache import WatchlistCache
from newswatch_alert.watchlists.match import build_alert, match
from newswatch_alert.watchlists.models import WatchlistIn
from newswatch_alert.watchlists.store import TooManyWatchlists, WatchlistStore
from newswatch_cli.embedded import free_port
from newswatch_shared.errors import RetryableError
from newswatch_shared.redis_client import make_redis
from tests.integration.alert.support import NOW, border_article

pytestmark = pytest.mark.integration

BODY = WatchlistIn.model_validate(
    {
        "name": "w",
        "entities": ["Ukraine"],
        "keywords": ["troops"],
        "channels": [{"type": "webhook", "url": "https://hooks.example/in"}],
    }
)


async def test_articles_keep_the_newest_by_published_time(redis_client: Redis) -> None:
    store = ArticleStore(redis_client, keep=3, ttl_s=3600)
    articles = [border_article(f"a{i}", published_at=NOW + timedelta(minutes=i)) for i in (4, 0, 2, 1, 3)]
    await store.store(articles[:2])
    await store.store(articles[2:])
    assert [a.id for a in await store.newest(10)] == ["a4", "a3", "a2"]
    assert [a.id for a in await store.newest(2)] == ["a4", "a3"]
    assert await redis_client.exists("article:a0", "article:a1") == 0  # trimmed ones are deleted
    assert 0 < await redis_client.ttl("article:a4") <= 3600

    await redis_client.delete("article:a3")  # as if its TTL ran out
    assert [a.id for a in await store.newest(10)] == ["a4", "a2"]
    assert await redis_client.zcard("articles:by_published") == 2


async def test_an_alert_is_made_once_with_one_outbox_entry_per_channel(redis_client: Redis) -> None:
    watchlist = await WatchlistStore(redis_client, 10).create("u1", BODY, NOW)
    article = border_article()
    found = match(watchlist, article)
    assert found is not None
    alerts = AlertStore(redis_client, ttl_s=3600, keep_per_user=10)

    first, created = await alerts.create(build_alert(watchlist, article, found, NOW), watchlist.channels, NOW)
    again, created_again = await alerts.create(
        build_alert(watchlist, article, found, NOW + timedelta(seconds=5)), watchlist.channels, NOW
    )
    assert (created, created_again) == (True, False)
    assert again == first  # the stored alert, with its original created_at
    assert await redis_client.zcard("outbox") == 1
    (view,) = await alerts.list_for("u1", 10)
    assert view.id == first.id and [d.status for d in view.deliveries] == ["pending"]


async def test_a_lease_lets_one_replica_send_and_only_the_holder_record(redis_client: Redis) -> None:
    watchlist = await WatchlistStore(redis_client, 10).create("u1", BODY, NOW)
    article = border_article()
    found = match(watchlist, article)
    assert found is not None
    await AlertStore(redis_client, 3600, 10).create(
        build_alert(watchlist, article, found, NOW), watchlist.channels, NOW
    )
    one, two = Outbox(redis_client, lease_ms=60_000), Outbox(redis_client, lease_ms=60_000)
    now_ms = int(NOW.timestamp() * 1000)

    (claimed,) = await one.claim_due(now_ms, 10)
    assert claimed.item is not None and claimed.item.url == "https://hooks.example/in"
    assert await two.claim_due(now_ms, 10) == []  # held, and no longer due
    # The holder died: once its lease runs out, the entry is due again and another replica takes it.
    assert await two.claim_due(now_ms + 60_001, 10) == []  # the lease key still exists
    await redis_client.delete(f"outbox:lease:{claimed.member}")  # as Redis does when the PX runs out
    (reclaimed,) = await two.claim_due(now_ms + 60_001, 10)
    assert claimed.state is not None
    delivered = claimed.state.model_copy(update={"status": "delivered", "attempts": 1})
    assert not await one.finish(claimed, delivered, None)  # lost its lease: its outcome is dropped
    assert await two.finish(reclaimed, delivered, None)
    assert await two.pending() == 0
    stored = await redis_client.hget(f"alert:{claimed.item.alert_id}:deliveries", claimed.item.channel_id)
    assert stored is not None and DeliveryState.model_validate_json(stored).status == "delivered"


async def test_every_replica_reloads_its_index_when_the_version_moves(redis_client: Redis) -> None:
    store = WatchlistStore(redis_client, 10)
    replica_a, replica_b = WatchlistCache(store, 0.25), WatchlistCache(store, 0.25)
    assert await replica_a.refresh() and await replica_b.refresh()
    assert not await replica_a.refresh()  # nothing changed

    watchlist = await store.create("u1", BODY, NOW)
    assert await replica_a.refresh() and await replica_b.refresh()
    assert [w.id for w, _ in replica_b.index.matches(border_article())] == [watchlist.id]

    assert await store.delete("u1", watchlist.id)
    assert await replica_a.refresh()
    assert replica_a.index.matches(border_article()) == []


async def test_limit_on_watchlists_per_user(redis_client: Redis) -> None:
    store = WatchlistStore(redis_client, max_per_user=1)
    await store.create("u1", BODY, NOW)
    with pytest.raises(TooManyWatchlists):
        await store.create("u1", BODY, NOW)
    await store.create("u2", BODY, NOW)


async def test_redis_outage_in_the_handler_is_retryable() -> None:
    dead = make_redis(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        handler = ArticleHandler(
            WatchlistCache(WatchlistStore(dead, 10), 0.25),
            ArticleStore(dead, 10, 3600),
            AlertStore(dead, 3600, 10),
        )
        with pytest.raises(RetryableError, match="redis unavailable"):
            await handler([border_article()])
    finally:
        await dead.aclose()
