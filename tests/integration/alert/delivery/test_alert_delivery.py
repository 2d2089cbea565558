"""Delivery against real Redis and a real HTTP receiver: digests, rate limits, Retry-After, dead state.

The worker runs in-process, one round at a time (claim what is due, deliver it), with a clock the test
moves: backoffs, digest periods and rate-limit slots are reached without sleeping.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.delivery.channels import AnyChannel, SlackChannel, WebhookChannel
from newswatch_alert.delivery.digest import DigestEvent, digest_id
from newswatch_alert.delivery.outbox import Outbox
from newswatch_alert.delivery.policy import RetryPolicy
from newswatch_alert.delivery.ratelimit import Rate, RateLimiter, reserve
from newswatch_alert.delivery.senders import Senders
from newswatch_alert.delivery.signing import verify
from newswatch_alert.delivery.worker import Deliverer
from newswatch_shared.schemas import AlertEvent
from tests.integration.alert.delivery_support import Clock, Receiver, alert_for, receiving

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 12, 10, tzinfo=UTC)
SECRET = "a-webhook-secret-for-tests"
#: The Slack receiver here is a local server, so its host is listed as a Slack host.
LOCAL_SLACK = frozenset({"127.0.0.1"})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False) as client:
        yield client


def worker(
    redis: Redis,
    http: httpx.AsyncClient,
    clock: Clock,
    *,
    per_user: int = 0,
    per_destination: int = 0,
    policy: RetryPolicy | None = None,
) -> tuple[Outbox, Deliverer]:
    outbox = Outbox(redis, lease_ms=60_000)
    deliverer = Deliverer(
        outbox,
        Senders(http, None, timeout_s=5, slack_hosts=LOCAL_SLACK),
        policy or RetryPolicy(max_attempts=3, base_s=1.0, cap_s=10.0),
        poll_s=0.05,
        concurrency=8,
        limiter=RateLimiter(redis, per_user_per_minute=per_user, per_destination_per_minute=per_destination),
        rng=random.Random(3),
        clock=clock,
    )
    return outbox, deliverer


async def one_round(outbox: Outbox, deliverer: Deliverer, clock: Clock) -> int:
    """Claim everything due now and deliver it; returns how many entries were handled."""
    claimed = await outbox.claim_due(clock.ms(), 100)
    for entry in claimed:
        await deliverer.deliver(entry)
    return len(claimed)


async def test_a_digest_sends_one_message_per_channel_per_period(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    clock = Clock(T0)
    store = AlertStore(redis_client, 86400, 100, digest_grace_s=30)
    outbox, deliverer = worker(redis_client, http, clock)
    channels: list[AnyChannel] = [
        WebhookChannel(id="hook", url=receiver.url("/hook"), secret=SECRET),
        SlackChannel(id="slack", url=receiver.url("/slack")),
    ]
    made = []
    for minute, article in [(0, "a1"), (20, "a2"), (49, "a3")]:
        alert = alert_for(article, T0 + timedelta(minutes=minute))
        stored, created = await store.create(alert, channels, alert.created_at, digest="hourly")
        assert created
        made.append(stored)
    again, created = await store.create(made[0], channels, T0 + timedelta(minutes=55), digest="hourly")
    assert not created and again == made[0]  # a redelivered article changes nothing

    the_digest = digest_id("w1", "hourly", datetime(2026, 11, 20, 12, tzinfo=UTC))
    views = await store.list_for("u1", 10)
    assert {(d.status, d.digest_id) for v in views for d in v.deliveries} == {("pending", the_digest)}

    clock.now = datetime(2026, 11, 20, 13, 0, 29, tzinfo=UTC)  # the period is over, the grace is not
    assert await one_round(outbox, deliverer, clock) == 0
    clock.now = datetime(2026, 11, 20, 13, 0, 30, tzinfo=UTC)
    assert await one_round(outbox, deliverer, clock) == 2

    (hook,) = receiver.received("/hook")
    assert verify(SECRET, hook.body, hook.headers, now=clock.now.timestamp())
    assert hook.headers["x-newswatch-timestamp"] == str(int(clock.now.timestamp()))
    assert hook.headers["idempotency-key"] == hook.headers["x-newswatch-digest-id"] == the_digest
    assert hook.headers["x-newswatch-event"] == "digest"
    digest = DigestEvent.model_validate_json(hook.body)
    assert (digest.id, digest.total, digest.mode) == (the_digest, 3, "hourly")
    assert [a.id for a in digest.alerts] == [a.id for a in made]  # oldest first
    assert (digest.period_start.hour, digest.period_end.hour) == (12, 13)
    (slack,) = receiver.received("/slack")
    assert "3 alerts" in slack.json()["text"] and slack.json()["blocks"]

    views = await store.list_for("u1", 10)
    assert len(views) == 3
    for view in views:
        assert {(d.channel_id, d.status, d.attempts, d.digest_id) for d in view.deliveries} == {
            ("hook", "delivered", 1, the_digest),
            ("slack", "delivered", 1, the_digest),
        }

    # An alert of that period made after its digest went out is not lost, nor a second digest: it
    # goes alone, at once.
    late = alert_for("a4", datetime(2026, 11, 20, 12, 59, 59, tzinfo=UTC))
    await store.create(late, channels, late.created_at, digest="hourly")
    assert await one_round(outbox, deliverer, clock) == 2
    alone = receiver.received("/hook")[-1]
    assert alone.headers["idempotency-key"] == late.id
    assert AlertEvent.model_validate_json(alone.body).id == late.id

    # The next period is a new digest, due at its own end.
    nxt = alert_for("a5", datetime(2026, 11, 20, 13, 5, tzinfo=UTC))
    await store.create(nxt, channels, nxt.created_at, digest="hourly")
    assert await one_round(outbox, deliverer, clock) == 0
    clock.now = datetime(2026, 11, 20, 14, 0, 30, tzinfo=UTC)
    assert await one_round(outbox, deliverer, clock) == 2
    second = DigestEvent.model_validate_json(receiver.received("/hook")[-1].body)
    assert second.id != the_digest and [a.id for a in second.alerts] == [nxt.id]
    assert len(receiver.received()) == 6
    assert await redis_client.zcard("outbox") == 0


async def test_rate_limits_delay_deliveries_and_drop_none(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    clock = Clock(T0)
    store = AlertStore(redis_client, 86400, 100)
    outbox, deliverer = worker(redis_client, http, clock, per_destination=2)
    hook = [WebhookChannel(id="hook", url=receiver.url("/hook"), secret=SECRET)]
    alerts = [alert_for(f"r{i}", T0) for i in range(5)]
    for alert in alerts:
        await store.create(alert, hook, T0)

    # 2 per minute to /hook: two go now, the rest get slots 30 s apart and wait for them.
    assert await one_round(outbox, deliverer, clock) == 5
    assert len(receiver.received("/hook")) == 2
    waiting = [d for v in await store.list_for("u1", 10) for d in v.deliveries if d.status == "pending"]
    assert sorted(d.rate_limited_until - T0 for d in waiting if d.rate_limited_until) == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=90),
    ]
    assert all(d.attempts == 0 and d.next_attempt_at == d.rate_limited_until for d in waiting)

    sent = []
    for _ in range(3):
        clock.advance(seconds=30)
        await one_round(outbox, deliverer, clock)
        sent.append(len(receiver.received("/hook")))
    assert sent == [3, 4, 5]
    keys = [h.headers["idempotency-key"] for h in receiver.received("/hook")]
    assert sorted(keys) == sorted(a.id for a in alerts)  # each exactly once
    statuses = {d.status for v in await store.list_for("u1", 10) for d in v.deliveries}
    assert statuses == {"delivered"} and await redis_client.zcard("outbox") == 0


async def test_the_user_limit_spans_destinations(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    clock = Clock(T0)
    store = AlertStore(redis_client, 86400, 100)
    outbox, deliverer = worker(redis_client, http, clock, per_user=1, per_destination=100)
    for path in ("/one", "/two"):
        channel = WebhookChannel(id=path.strip("/"), url=receiver.url(path), secret=SECRET)
        await store.create(alert_for(path, T0, watchlist_id=path), [channel], T0)
    assert await one_round(outbox, deliverer, clock) == 2
    assert len(receiver.received()) == 1
    clock.advance(seconds=59)
    assert await one_round(outbox, deliverer, clock) == 0
    clock.advance(seconds=1)
    assert await one_round(outbox, deliverer, clock) == 1
    assert sorted(h.path for h in receiver.received()) == ["/one", "/two"]


async def test_retry_after_is_honoured_and_the_last_failure_is_dead(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    clock = Clock(T0)
    store = AlertStore(redis_client, 86400, 100)
    policy = RetryPolicy(max_attempts=3, base_s=1.0, cap_s=300.0)
    outbox, deliverer = worker(redis_client, http, clock, policy=policy)
    receiver.script["/slack"] = [(429, {"Retry-After": "120"}), (500, {}), (503, {})]
    alert = alert_for("busy", T0)
    await store.create(alert, [SlackChannel(id="s", url=receiver.url("/slack"))], T0)

    await one_round(outbox, deliverer, clock)
    ((state,),) = [v.deliveries for v in await store.list_for("u1", 10)]
    assert (state.status, state.attempts, state.last_error, state.type) == ("failed", 1, "HTTP 429", "slack")
    assert state.next_attempt_at is not None and state.next_attempt_at - T0 >= timedelta(seconds=120)

    clock.now = state.next_attempt_at - timedelta(seconds=1)
    assert await one_round(outbox, deliverer, clock) == 0  # not before the receiver asked
    for _ in range(2):
        clock.advance(seconds=400)
        assert await one_round(outbox, deliverer, clock) == 1
    ((state,),) = [v.deliveries for v in await store.list_for("u1", 10)]
    assert (state.status, state.attempts, state.last_error) == ("dead", 3, "HTTP 503")
    assert len(receiver.received("/slack")) == 3 and await redis_client.zcard("outbox") == 0


async def test_each_attempt_is_signed_at_its_own_time(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    """A retry carries a fresh timestamp (a receiver refuses stale ones) and the same Idempotency-Key."""
    clock = Clock(T0)
    store = AlertStore(redis_client, 86400, 100)
    outbox, deliverer = worker(redis_client, http, clock)
    receiver.script["/hook"] = [(500, {})]
    alert = alert_for("retried", T0)
    await store.create(alert, [WebhookChannel(id="hook", url=receiver.url("/hook"), secret=SECRET)], T0)
    await one_round(outbox, deliverer, clock)
    clock.advance(seconds=600)
    await one_round(outbox, deliverer, clock)

    first, second = receiver.received("/hook")
    assert first.body == second.body
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == alert.id
    assert first.headers["x-newswatch-timestamp"] == str(int(T0.timestamp()))
    assert second.headers["x-newswatch-timestamp"] == str(int(T0.timestamp()) + 600)
    assert verify(SECRET, second.body, second.headers, now=clock.now.timestamp())
    assert not verify(SECRET, first.body, first.headers, now=clock.now.timestamp())  # a replay: too old


@pytest.mark.parametrize("max_wait_ms", [None, 45_000])
async def test_the_rate_limit_script_books_what_the_model_says(
    redis_client: Redis, max_wait_ms: int | None
) -> None:
    limiter = RateLimiter(
        redis_client, per_user_per_minute=5, per_destination_per_minute=3, max_wait_ms=max_wait_ms
    )
    rates = [Rate(5), Rate(3)]
    rng = random.Random(11)
    tats: dict[str, int | None] = {}
    now = 1_800_000_000_000
    too_far = 0
    for _ in range(200):
        now += rng.choice([0, 0, 1_000, 7_000, 20_000, 90_000])
        user, dest = rng.choice(["ana", "bo"]), rng.choice(["x", "y", "z"])
        names = [f"ratelimit:user:{user}", f"ratelimit:dest:{dest}"]
        latest = None if max_wait_ms is None else now + max_wait_ms
        expected, booked = reserve([tats.get(n) for n in names], rates, now, latest)
        assert await limiter.reserve(user, dest, now) == expected
        too_far += limiter.too_far(expected, now)
        tats.update(zip(names, booked, strict=True))
    assert (too_far > 0) == (max_wait_ms is not None)  # the case was met, not only the easy one
