"""Feed management in the registry against a real Redis: settings, enable/disable, moves, deletion,
and poll results that arrive after a feed changed under them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from newswatch_ingest.dedupe import SeenStore, seen_key
from newswatch_ingest.feeds import (
    ADMIN_DISABLED,
    ALIASES_KEY,
    DISABLED_KEY,
    FEEDS_KEY,
    SCHEDULE_KEY,
    FeedChanges,
    FeedConflict,
    FeedRegistry,
    PollFailure,
    PollSuccess,
    feed_id_for,
    feed_key,
    lease_key,
)

pytestmark = pytest.mark.integration

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
OLD = "https://old.example.org/rss"
NEW = "https://new.example.org/feed.xml"


def registry(redis: Redis) -> FeedRegistry:
    return FeedRegistry(redis, 300.0, clock=lambda: NOW)


async def test_settings_given_at_creation_are_stored(redis_client: Redis) -> None:
    reg = registry(redis_client)
    feed, created = await reg.add(OLD, "Old Wire", now=NOW, interval_s=60, tags=("border", "sea"))
    assert created and (feed.title, feed.tags, feed.interval_s, feed.enabled) == (
        "Old Wire",
        ("border", "sea"),
        60,
        True,
    )
    plain, _ = await reg.add(NEW, now=NOW)
    assert plain.interval_s == 300 and plain.custom_interval_s is None and plain.tags == ()
    off, _ = await reg.add("https://off.example.org/rss", now=NOW, enabled=False)
    assert not off.enabled and off.disabled_reason == ADMIN_DISABLED and off.next_poll_at is None
    assert await redis_client.zscore(SCHEDULE_KEY, off.id) is None
    assert await reg.counts() == (3, 1)


async def test_bulk_registration_can_schedule_the_first_poll_later(redis_client: Redis) -> None:
    reg = registry(redis_client)
    later = NOW + timedelta(seconds=200)
    feed, _ = await reg.add(OLD, now=NOW, first_poll_at=later)
    assert feed.next_poll_at == later
    assert await reg.due(NOW, limit=10) == [] and await reg.due(later, limit=10) == [feed.id]


async def test_disable_and_re_enable(redis_client: Redis) -> None:
    reg = registry(redis_client)
    feed, _ = await reg.add(OLD, now=NOW)
    await reg.record_failure(
        feed.id,
        PollFailure(at=NOW, kind="network", message="x.", failures=4, next_poll_at=NOW + timedelta(hours=1)),
    )
    off = await reg.update(feed.id, FeedChanges(enabled=False), now=NOW)
    assert off is not None and not off.enabled and off.disabled_reason == ADMIN_DISABLED
    assert off.disabled_at == NOW and off.next_poll_at is None
    assert await redis_client.zscore(SCHEDULE_KEY, feed.id) is None
    assert await redis_client.sismember(DISABLED_KEY, feed.id)
    # Re-adding a disabled feed does not bring back its schedule.
    await reg.add(OLD, now=NOW)
    await reg.poll_now(feed.id, NOW)
    assert await redis_client.zscore(SCHEDULE_KEY, feed.id) is None

    later = NOW + timedelta(minutes=3)
    on = await reg.update(feed.id, FeedChanges(enabled=True), now=later)
    assert on is not None and on.enabled and on.disabled_reason is None and on.consecutive_failures == 0
    assert on.next_poll_at == later and await reg.due(later, limit=5) == [feed.id]
    assert not await redis_client.sismember(DISABLED_KEY, feed.id)


async def test_title_tags_and_interval_changes(redis_client: Redis) -> None:
    reg = registry(redis_client)
    feed, _ = await reg.add(OLD, "Mine", now=NOW)
    await reg.record_success(
        feed.id,
        PollSuccess(at=NOW, status=200, next_poll_at=NOW + timedelta(seconds=300), feed_title="Theirs"),
    )
    changed = await reg.update(feed.id, FeedChanges(title="", tags=("x",), interval_s=60), now=NOW)
    assert changed is not None
    assert (changed.title, changed.tags, changed.interval_s) == ("Theirs", ("x",), 60)
    # A shorter interval brings the next poll forward; resetting it does not push it back.
    assert changed.next_poll_at == NOW + timedelta(seconds=60)
    reset = await reg.update(feed.id, FeedChanges(reset_interval=True), now=NOW)
    assert reset is not None and reset.interval_s == 300 and reset.custom_interval_s is None
    assert reset.next_poll_at == NOW + timedelta(seconds=60)
    assert await reg.update("no-such-feed", FeedChanges(title="x"), now=NOW) is None


async def test_a_move_keeps_the_id_and_the_new_url_finds_the_feed(redis_client: Redis) -> None:
    reg = registry(redis_client)
    feed, _ = await reg.add(OLD, now=NOW)
    assert await reg.move(feed.id, NEW + "?utm_source=x") is None
    moved = await reg.get(feed.id)
    assert moved is not None and (moved.id, moved.url, moved.moved_from) == (feed.id, NEW, OLD)
    assert await reg.resolve(NEW) == feed.id and await reg.resolve(OLD) == feed.id
    again, created = await reg.add(NEW, now=NOW)
    assert not created and again.id == feed.id
    assert [f.id for f in await reg.list_feeds()] == [feed.id]


async def test_a_move_onto_another_feed_changes_nothing(redis_client: Redis) -> None:
    reg = registry(redis_client)
    a, _ = await reg.add(OLD, now=NOW)
    b, _ = await reg.add(NEW, now=NOW)
    assert await reg.move(a.id, NEW) == b.id
    assert (await reg.get(a.id)).url == OLD  # type: ignore[union-attr]
    with pytest.raises(FeedConflict, match=f"already registered as feed {b.id}"):
        await reg.update(a.id, FeedChanges(url=NEW), now=NOW)


async def test_a_new_url_through_the_api_forgets_validators_and_polls_now(redis_client: Redis) -> None:
    reg = registry(redis_client)
    feed, _ = await reg.add(OLD, now=NOW)
    await reg.record_success(
        feed.id, PollSuccess(at=NOW, status=200, next_poll_at=NOW + timedelta(hours=1), etag='"e"')
    )
    later = NOW + timedelta(minutes=1)
    changed = await reg.update(feed.id, FeedChanges(url=NEW), now=later)
    assert changed is not None and changed.url == NEW and changed.etag is None
    assert changed.moved_from is None and changed.next_poll_at == later
    assert await reg.resolve(NEW) == feed.id


async def test_delete_forgets_everything_but_the_seen_marks(redis_client: Redis) -> None:
    reg = registry(redis_client)
    seen = SeenStore(redis_client, ttl_s=3600)
    feed, _ = await reg.add(OLD, now=NOW)
    await reg.move(feed.id, NEW)
    await seen.mark(["article-1"])
    assert await reg.claim(feed.id, "replica-a", ttl_s=60)
    assert await reg.delete(feed.id)
    assert await reg.get(feed.id) is None and await reg.list_feeds() == []
    for key in (feed_key(feed.id), lease_key(feed.id)):
        assert not await redis_client.exists(key)
    assert await redis_client.zscore(SCHEDULE_KEY, feed.id) is None
    assert not await redis_client.sismember(FEEDS_KEY, feed.id)
    assert await redis_client.hlen(ALIASES_KEY) == 0
    assert await redis_client.exists(seen_key("article-1"))
    assert await reg.resolve(NEW) is None and not await reg.delete(feed.id)
    # Registering the new URL now makes a new feed with its own id.
    fresh, created = await reg.add(NEW, now=NOW)
    assert created and fresh.id == feed_id_for(NEW) != feed.id


async def test_results_of_polls_overtaken_by_changes_are_dropped(redis_client: Redis) -> None:
    reg = registry(redis_client)
    later = NOW + timedelta(minutes=5)
    ok = PollSuccess(at=NOW, status=200, next_poll_at=later, url=OLD, items_seen=3)

    deleted, _ = await reg.add(OLD, now=NOW)
    await reg.delete(deleted.id)
    assert not await reg.record_success(deleted.id, ok)
    assert not await redis_client.exists(feed_key(deleted.id))
    assert await redis_client.zscore(SCHEDULE_KEY, deleted.id) is None

    disabled, _ = await reg.add(OLD, now=NOW)
    await reg.update(disabled.id, FeedChanges(enabled=False), now=NOW)
    assert await reg.record_success(disabled.id, ok)  # health is kept...
    assert await redis_client.zscore(SCHEDULE_KEY, disabled.id) is None  # ...but it stays off the schedule
    assert (await reg.get(disabled.id)).items_seen == 3  # type: ignore[union-attr]

    await reg.update(disabled.id, FeedChanges(enabled=True, url=NEW), now=NOW)
    assert not await reg.record_success(disabled.id, ok)  # polled at the old URL: dropped
    assert (await reg.get(disabled.id)).next_poll_at == NOW  # type: ignore[union-attr]


async def test_a_failure_can_disable_the_feed(redis_client: Redis) -> None:
    reg = registry(redis_client)
    feed, _ = await reg.add(OLD, now=NOW)
    reason = "Disabled after 3 failed polls in a row. The last error: The server answered HTTP 410 Gone."
    assert await reg.record_failure(
        feed.id,
        PollFailure(
            at=NOW,
            kind="http_status",
            message="The server answered HTTP 410 Gone.",
            failures=3,
            next_poll_at=NOW + timedelta(hours=1),
            status=410,
            url=OLD,
            disabled_reason=reason,
        ),
    )
    off = await reg.get(feed.id)
    assert off is not None and not off.enabled and off.disabled_reason == reason
    assert off.disabled_at == NOW and off.next_poll_at is None and off.consecutive_failures == 3
    assert await redis_client.zscore(SCHEDULE_KEY, feed.id) is None
    assert await reg.counts() == (1, 1)


async def test_a_lease_is_granted_only_while_the_feed_is_still_due(redis_client: Redis) -> None:
    reg = registry(redis_client)
    feed, _ = await reg.add(OLD, now=NOW)
    # Replica B read the schedule (the feed was due) but replica A polled and rescheduled it first.
    (stale,) = await reg.due(NOW, limit=10)
    assert await reg.claim_due(stale, "replica-a", 60, NOW)
    await reg.record_success(
        feed.id, PollSuccess(at=NOW, status=200, next_poll_at=NOW + timedelta(minutes=5))
    )
    await reg.release(feed.id, "replica-a")
    assert not await reg.claim_due(stale, "replica-b", 60, NOW)
    assert not await redis_client.exists(lease_key(feed.id))
    assert await reg.claim_due(stale, "replica-b", 60, NOW + timedelta(minutes=6))
    assert not await reg.claim_due("no-such-feed", "replica-b", 60, NOW)


async def test_due_feeds_come_with_their_urls_and_the_earliest_time(redis_client: Redis) -> None:
    reg = registry(redis_client)
    assert await reg.due_with_urls(NOW, limit=10) == ([], None)
    a, _ = await reg.add(OLD, now=NOW - timedelta(seconds=5))
    b, _ = await reg.add(NEW, now=NOW + timedelta(seconds=30))
    assert await reg.due_with_urls(NOW, limit=10) == ([(a.id, OLD)], (NOW - timedelta(seconds=5)).timestamp())
    later = NOW + timedelta(minutes=1)
    assert (await reg.due_with_urls(later, limit=1, offset=1))[0] == [(b.id, NEW)]
    # An id left in the schedule without its hash comes back without a URL.
    await redis_client.delete(feed_key(b.id))
    assert (await reg.due_with_urls(later, limit=10))[0] == [(a.id, OLD), (b.id, "")]


async def test_claiming_many_leases_only_due_unleased_feeds(redis_client: Redis) -> None:
    reg = registry(redis_client)
    a, _ = await reg.add(OLD, "A", now=NOW)
    b, _ = await reg.add(NEW, now=NOW)
    c, _ = await reg.add("https://later.example.org/rss", now=NOW + timedelta(hours=1))
    assert await reg.claim(b.id, "replica-b", ttl_s=60)
    claimed = await reg.claim_feeds([a.id, b.id, c.id, "gone"], "replica-a", 60, NOW)
    assert [(i, f.title if f else None) for i, f in claimed] == [(a.id, "A")]
    assert await redis_client.get(lease_key(a.id)) == "replica-a"
    assert await reg.claim_feeds([], "replica-a", 60, NOW) == []


async def test_recording_a_result_releases_the_owners_lease(redis_client: Redis) -> None:
    reg = registry(redis_client)
    feed, _ = await reg.add(OLD, now=NOW)
    ok = PollSuccess(at=NOW, status=304, next_poll_at=NOW + timedelta(minutes=5), modified=False)
    assert await reg.claim(feed.id, "replica-a", ttl_s=60)
    await reg.record_success(feed.id, ok, owner="replica-b")  # not b's lease: kept
    assert await redis_client.get(lease_key(feed.id)) == "replica-a"
    await reg.record_success(feed.id, ok, owner="replica-a")
    assert not await redis_client.exists(lease_key(feed.id))
    # Also when the result is dropped because the feed is gone.
    assert await reg.claim(feed.id, "replica-a", ttl_s=60)
    await redis_client.delete(feed_key(feed.id))
    failure = PollFailure(at=NOW, kind="network", message="x.", failures=1, next_poll_at=NOW)
    assert not await reg.record_failure(feed.id, failure, owner="replica-a")
    assert not await redis_client.exists(lease_key(feed.id))
