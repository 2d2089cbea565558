"""Dead letters against real Redis and a real HTTP receiver: what dies is kept, bounded, and redriven.

- a stored state, outbox item or alert that no longer parses is buried once, with the parse error,
  and the worker (running as the service runs it) carries on with the rest;
- a delivery the rate limits would hold past the maximum wait dies at once and books no slot;
- each owner keeps at most the cap, the oldest going first.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.delivery.channels import WebhookChannel
from newswatch_alert.delivery.outbox import DeadLetterLimits, Outbox
from newswatch_alert.delivery.policy import RetryPolicy
from newswatch_alert.delivery.ratelimit import RateLimiter
from newswatch_alert.delivery.redrive import DeadLetterFilter, DeadLetters
from newswatch_alert.delivery.senders import Senders
from newswatch_alert.delivery.worker import Deliverer
from newswatch_shared.runtime import Worker
from newswatch_shared.schemas import utcnow
from tests.integration.alert.delivery_support import Clock, Receiver, alert_for, receiving
from tests.integration.alert.support import eventually

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 12, 10, tzinfo=UTC)
SECRET = "a-webhook-secret-for-tests"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False) as client:
        yield client


def hook(receiver: Receiver, name: str = "hook") -> WebhookChannel:
    return WebhookChannel(id=name, url=receiver.url(f"/{name}"), secret=SECRET)


async def test_what_no_longer_parses_is_dead_lettered_once_and_the_worker_carries_on(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    now = utcnow()
    store = AlertStore(redis_client, 3600, 50)
    good, bad_state, bad_item, bad_alert = (alert_for(f"p{i}", now, watchlist_id=f"w{i}") for i in range(4))
    for alert in (good, bad_state, bad_item, bad_alert):
        await store.create(alert, [hook(receiver)], now)
    await redis_client.hset(f"alert:{bad_state.id}:deliveries", "hook", '{"channel_id": "hook", "status": 7')
    await redis_client.set(f"outbox:item:{bad_item.id}:hook", "not json at all")
    # What an alert entry sends is its notification's snapshot (the alert as it was when notified).
    await redis_client.set(f"notification:{bad_alert.id}", '{"id": "only an id"}')

    outbox = Outbox(redis_client, lease_ms=60_000)
    policy = RetryPolicy(max_attempts=3, base_s=0.05, cap_s=0.2)
    deliverer = Deliverer(outbox, Senders(http, None, timeout_s=5), policy, poll_s=0.02, concurrency=8)
    worker = Worker("alert-deliver", deliverer.run)
    worker.start()
    dead = DeadLetters(redis_client, 86400, 3600)
    try:

        async def all_handled() -> bool:
            return await redis_client.zcard("outbox") == 0 and len(receiver.received()) == 1

        await eventually(all_handled, what="the good delivery sent and the broken ones buried")
        for _ in range(3):  # a few more polls of a now empty outbox: nothing comes back
            await asyncio.sleep(0.05)
        assert worker.running and worker.restarts == 0
    finally:
        await worker.stop()

    (post,) = receiver.received()
    assert post.headers["idempotency-key"] == good.id
    found, total = await dead.list_all(DeadLetterFilter(), 10, utcnow())
    assert total == 3 and {d.reason for d in found} == {"unparsable"}
    by_id = {d.id: d for d in found}
    assert "stored delivery state does not parse" in by_id[f"{bad_state.id}:hook"].last_error
    assert "stored outbox item does not parse" in by_id[f"{bad_item.id}:hook"].last_error
    assert "stored alert does not parse" in by_id[f"{bad_alert.id}:hook"].last_error
    assert by_id[f"{bad_item.id}:hook"].user_id is None  # its owner could not be read
    assert all("not json" not in d.last_error for d in found)  # errors name the problem, not the input
    # The owner sees the delivery whose state was corrupt as dead, rather than the alert vanishing.
    (state,) = (await store.get("u1", bad_state.id) or pytest.fail("alert hidden")).deliveries
    assert (state.status, state.attempts) == ("dead", 0)
    mine = {d.id for d in (await dead.list_for("u1", 10, utcnow()))[0]}
    assert mine == {f"{bad_alert.id}:hook", f"{bad_state.id}:hook"}

    # The one with a corrupt state can be redriven (its item is fine); the unreadable item cannot.
    assert (await dead.redrive(f"{bad_item.id}:hook", utcnow()))[0] == "not_redrivable"
    outcome, redriven = await dead.redrive(f"{bad_state.id}:hook", utcnow(), "u1")
    assert outcome == "redriven" and redriven is not None and redriven.redriven_at is not None
    (entry,) = await outbox.claim_due(int(utcnow().timestamp() * 1000) + 1, 10)
    await deliverer.deliver(entry)
    assert [h.headers["idempotency-key"] for h in receiver.received()] == [good.id, bad_state.id]


async def test_a_delivery_held_past_the_maximum_wait_is_dead_and_books_no_slot(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    clock = Clock(T0)
    store = AlertStore(redis_client, 86400, 100)
    outbox = Outbox(redis_client, lease_ms=60_000)
    limiter = RateLimiter(
        redis_client, per_user_per_minute=0, per_destination_per_minute=1, max_wait_ms=120_000
    )
    deliverer = Deliverer(
        outbox,
        Senders(http, None, timeout_s=5),
        RetryPolicy(max_attempts=3, base_s=1.0, cap_s=10.0),
        poll_s=0.05,
        concurrency=8,
        limiter=limiter,
        rng=random.Random(3),
        clock=clock,
    )
    alerts = [alert_for(f"w{i}", T0 + timedelta(seconds=i)) for i in range(4)]
    for alert in alerts:
        await store.create(alert, [hook(receiver)], T0)

    async def one_round() -> None:
        for entry in await outbox.claim_due(clock.ms(), 100):
            await deliverer.deliver(entry)

    # One a minute: one goes, the next two wait 60 and 120 s, the last would wait 180 s.
    await one_round()
    states = {v.id: v.deliveries[0] for v in await store.list_for("u1", 10)}
    assert sorted(s.status for s in states.values()) == ["dead", "delivered", "pending", "pending"]
    (dead_id,) = [alert_id for alert_id, s in states.items() if s.status == "dead"]
    assert states[dead_id].attempts == 0
    assert "NEWSWATCH_ALERT_RATE_MAX_WAIT_S" in (states[dead_id].last_error or "")
    found, _ = await DeadLetters(redis_client, 86400, 86400).list_for("u1", 10, clock.now)
    assert [(d.id, d.reason, d.attempts) for d in found] == [(f"{dead_id}:hook", "rate_wait", 0)]

    # The dead one booked nothing: after the two waiting ones, a new alert has the next slot at once.
    for _ in range(2):
        clock.advance(seconds=60)
        await one_round()
    clock.advance(seconds=60)
    late = alert_for("w-late", clock.now)
    await store.create(late, [hook(receiver)], clock.now)
    await one_round()
    sent = [h.headers["idempotency-key"] for h in receiver.received()]
    assert len(sent) == 4 and sent[-1] == late.id and dead_id not in sent


async def test_each_owner_keeps_at_most_the_cap_oldest_first(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    clock = Clock(T0)
    store = AlertStore(redis_client, 86400, 100)
    outbox = Outbox(redis_client, lease_ms=60_000, dead_letters=DeadLetterLimits(ttl_s=3600, per_user=2))
    deliverer = Deliverer(
        outbox,
        Senders(http, None, timeout_s=5),
        RetryPolicy(max_attempts=1, base_s=1.0, cap_s=10.0),
        poll_s=0.05,
        concurrency=8,
        clock=clock,
    )
    refusing = WebhookChannel(id="down", url=receiver.url("/down"), secret=SECRET)
    receiver.script["/down"] = [(503, {})] * 4
    made = []
    for user in ("ana", "ana", "ana", "bo"):
        clock.advance(seconds=1)
        alert = alert_for(f"cap-{len(made)}", clock.now, user_id=user, watchlist_id=f"w{len(made)}")
        made.append(alert)
        await store.create(alert, [refusing], clock.now)
        for entry in await outbox.claim_due(clock.ms(), 10):
            await deliverer.deliver(entry)

    dead = DeadLetters(redis_client, 3600, 86400)
    ana, ana_total = await dead.list_for("ana", 10, clock.now)
    assert [d.subject_id for d in ana] == [made[2].id, made[1].id] and ana_total == 2
    assert [d.subject_id for d in (await dead.list_for("bo", 10, clock.now))[0]] == [made[3].id]
    everyone, total = await dead.list_all(DeadLetterFilter(), 10, clock.now)
    assert total == 3 and made[0].id not in {d.subject_id for d in everyone}
    assert not await redis_client.exists(f"deadletter:entry:{made[0].id}:down")

    # Past the retention they are gone from the lists too.
    clock.advance(seconds=3601)
    assert await dead.list_all(DeadLetterFilter(), 10, clock.now) == ([], 0)
