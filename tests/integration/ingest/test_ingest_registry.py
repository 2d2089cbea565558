"""The feed registry and the seen marks against a real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from newswatch_ingest.dedupe import SeenStore, seen_key
from newswatch_ingest.feeds import SCHEDULE_KEY, FeedRegistry, PollFailure, PollSuccess, feed_id_for

pytestmark = pytest.mark.integration

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
URL = "https://wire.example.org/feeds/world.xml"


async def test_add_is_idempotent_across_spellings(redis_client: Redis) -> None:
    registry = FeedRegistry(redis_client)
    feed, created = await registry.add(URL, now=NOW)
    assert created and feed.id == feed_id_for(URL) and feed.url == URL
    assert feed.added_at == NOW and feed.next_poll_at == NOW and feed.title == ""
    again, created_again = await registry.add(
        "HTTPS://Wire.Example.org/feeds/world.xml?utm_source=x#a", now=NOW + timedelta(hours=1)
    )
    assert not created_again and again.id == feed.id and again.added_at == NOW
    assert [f.id for f in await registry.list_feeds()] == [feed.id]


async def test_titles_given_by_people_win(redis_client: Redis) -> None:
    registry = FeedRegistry(redis_client)
    feed, _ = await registry.add(URL, now=NOW)
    await registry.record_success(
        feed.id, PollSuccess(at=NOW, status=200, next_poll_at=NOW, feed_title="Wire World")
    )
    assert (await registry.get(feed.id)).title == "Wire World"  # type: ignore[union-attr]
    await registry.add(URL, "Our name", now=NOW)
    assert (await registry.get(feed.id)).title == "Our name"  # type: ignore[union-attr]


async def test_bad_url_is_refused(redis_client: Redis) -> None:
    with pytest.raises(ValueError):
        await FeedRegistry(redis_client).add("file:///etc/passwd", now=NOW)
    assert await FeedRegistry(redis_client).list_feeds() == []


async def test_schedule_orders_feeds_by_next_poll(redis_client: Redis) -> None:
    registry = FeedRegistry(redis_client)
    a, _ = await registry.add("https://a.example/rss", now=NOW)
    b, _ = await registry.add("https://b.example/rss", now=NOW + timedelta(seconds=1))
    assert await registry.due(NOW, limit=10) == [a.id]
    assert await registry.due(NOW + timedelta(seconds=5), limit=10) == [a.id, b.id]
    assert await registry.due(NOW + timedelta(seconds=5), limit=1) == [a.id]
    assert await registry.next_due_at() == NOW.timestamp()
    await registry.record_success(
        a.id, PollSuccess(at=NOW, status=200, next_poll_at=NOW + timedelta(minutes=5))
    )
    assert await registry.due(NOW + timedelta(seconds=5), limit=10) == [b.id]
    await registry.poll_now(a.id, NOW)
    assert await registry.due(NOW, limit=10) == [a.id]
    # Re-adding keeps an existing schedule (start-up must not make every feed due at once).
    await registry.record_success(
        a.id, PollSuccess(at=NOW, status=200, next_poll_at=NOW + timedelta(minutes=5))
    )
    await registry.add("https://a.example/rss", now=NOW)
    assert await redis_client.zscore(SCHEDULE_KEY, a.id) == (NOW + timedelta(minutes=5)).timestamp()


async def test_lease_is_exclusive_and_released_only_by_its_holder(redis_client: Redis) -> None:
    registry = FeedRegistry(redis_client)
    assert await registry.claim("f1", "replica-a", ttl_s=60)
    assert not await registry.claim("f1", "replica-b", ttl_s=60)
    await registry.release("f1", "replica-b")  # not b's to release
    assert not await registry.claim("f1", "replica-b", ttl_s=60)
    await registry.release("f1", "replica-a")
    assert await registry.claim("f1", "replica-b", ttl_s=60)


async def test_health_is_recorded(redis_client: Redis) -> None:
    registry = FeedRegistry(redis_client)
    feed, _ = await registry.add(URL, now=NOW)
    later = NOW + timedelta(minutes=5)
    await registry.record_success(
        feed.id,
        PollSuccess(
            at=NOW,
            status=200,
            next_poll_at=later,
            etag='"v1"',
            last_modified="Wed, 15 May 2024 10:00:00 GMT",
            items_seen=7,
            published=3,
            feed_title="Wire",
            warning="Read despite a problem: x.",
        ),
    )
    ok = await registry.get(feed.id)
    assert ok is not None
    assert (ok.last_status, ok.etag, ok.items_seen, ok.articles_published) == (200, '"v1"', 7, 3)
    assert ok.last_warning == "Read despite a problem: x." and ok.next_poll_at == later

    await registry.record_failure(
        feed.id,
        PollFailure(
            at=later,
            kind="http_status",
            message="The server answered HTTP 502 Bad Gateway.",
            failures=2,
            next_poll_at=later + timedelta(minutes=20),
            status=502,
        ),
    )
    bad = await registry.get(feed.id)
    assert bad is not None
    assert (bad.last_status, bad.last_error_kind, bad.consecutive_failures) == (502, "http_status", 2)
    assert bad.last_error == "The server answered HTTP 502 Bad Gateway."
    assert bad.etag == '"v1"' and bad.last_success_at == NOW  # a failure keeps the validators

    # A 304 clears the error, keeps validators and counts, and adds nothing to the published total.
    await registry.record_success(
        feed.id, PollSuccess(at=later, status=304, next_poll_at=later, modified=False)
    )
    fine = await registry.get(feed.id)
    assert fine is not None
    assert (fine.last_status, fine.last_error, fine.consecutive_failures) == (304, None, 0)
    assert (fine.etag, fine.items_seen, fine.articles_published, fine.title) == ('"v1"', 7, 3, "Wire")


async def test_seen_marks_expire_and_filter(redis_client: Redis) -> None:
    seen = SeenStore(redis_client, ttl_s=3600)
    assert await seen.unseen([]) == []
    assert await seen.unseen(["a", "b", "c"]) == ["a", "b", "c"]
    await seen.mark(["b"])
    assert await seen.unseen(["a", "b", "c"]) == ["a", "c"]
    assert 0 < await redis_client.ttl(seen_key("b")) <= 3600
