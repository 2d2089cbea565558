"""Restart-in-the-middle: a delivery worker that dies at any point loses no alert, and its successor
sends nothing twice, except in the one window that cannot be closed (after the receiver accepted,
before the outcome was recorded), where the repeat carries the same idempotency key and body.

The in-process tests stop a worker at chosen points (after claiming, after sending, after
recording; cancelled in the middle of a POST) and start a fresh one on the same Redis; the last test
runs the real service as a subprocess and SIGKILLs it while a receiver holds a request open.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Literal

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.delivery.channels import WebhookChannel
from newswatch_alert.delivery.digest import DigestEvent
from newswatch_alert.delivery.outbox import Outbox
from newswatch_alert.delivery.policy import RetryPolicy
from newswatch_alert.delivery.senders import Senders
from newswatch_alert.delivery.signing import verify
from newswatch_alert.delivery.worker import Deliverer
from newswatch_cli.embedded import free_port
from newswatch_shared.schemas import utcnow
from tests.integration.alert.delivery_support import Receiver, alert_for, receiving
from tests.integration.alert.support import ADMIN_TOKEN, eventually

pytestmark = pytest.mark.integration

SECRET = "a-webhook-secret-for-tests"
LEASE_MS = 400  # short, so a dead worker's entries come back quickly (the service's minimum is 5.5 s)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False) as client:
        yield client


def new_worker(redis: Redis, http: httpx.AsyncClient) -> tuple[Outbox, Deliverer]:
    """A worker as a (re)started process builds it: its own outbox handle, leases and tokens."""
    outbox = Outbox(redis, lease_ms=LEASE_MS)
    policy = RetryPolicy(max_attempts=3, base_s=0.05, cap_s=0.2)
    return outbox, Deliverer(outbox, Senders(http, None, timeout_s=5), policy, poll_s=0.02, concurrency=4)


@contextlib.asynccontextmanager
async def running(deliverer: Deliverer) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(deliverer.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def states(store: AlertStore) -> list[tuple[str, int]]:
    return [(d.status, d.attempts) for v in await store.list_for("u1", 50) for d in v.deliveries]


async def all_delivered(store: AlertStore, n: int) -> bool:
    found = await states(store)
    return len(found) == n and all(status == "delivered" for status, _ in found)


@pytest.mark.parametrize(
    ("dies", "posts", "attempts"),
    [
        ("after_claim", 1, 1),  # nothing was sent: the successor sends it once
        ("after_send", 2, 1),  # the one window that repeats: same key, same bytes, signed afresh
        ("after_record", 1, 1),  # recorded: the entry is gone, nothing is sent again
    ],
)
async def test_a_worker_dying_at_each_point(
    dies: Literal["after_claim", "after_send", "after_record"],
    posts: int,
    attempts: int,
    redis_client: Redis,
    http: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    store = AlertStore(redis_client, 3600, 50)
    alert = alert_for("kill-1", utcnow())
    await store.create(alert, [WebhookChannel(id="hook", url=receiver.url("/hook"), secret=SECRET)], utcnow())

    first_outbox, first = new_worker(redis_client, http)
    (entry,) = await first_outbox.claim_due(int(utcnow().timestamp() * 1000), 10)
    if dies == "after_send":
        result = await Senders(http, None, timeout_s=5).send(entry, utcnow())
        assert result.error is None and len(receiver.received()) == 1
    elif dies == "after_record":
        await first.deliver(entry)
        assert await redis_client.zcard("outbox") == 0
    # ...and the first worker is gone. A new one takes over (after the lease, when it needs to).
    _, second = new_worker(redis_client, http)
    async with running(second):
        await eventually(lambda: all_delivered(store, 1), timeout_s=20, what="the delivery")
    hits = receiver.received("/hook")
    assert len(hits) == posts
    assert {h.headers["idempotency-key"] for h in hits} == {alert.id}
    assert len({h.body for h in hits}) == 1  # the same bytes; each attempt signed at its own time
    assert all(verify(SECRET, h.body, h.headers, now=time.time()) for h in hits)
    assert await states(store) == [("delivered", attempts)]
    assert await redis_client.zcard("outbox") == 0


async def test_a_worker_cancelled_during_a_post(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    store = AlertStore(redis_client, 3600, 50)
    receiver.held.add("/held")
    channels = [
        WebhookChannel(id="held", url=receiver.url("/held"), secret=SECRET),
        WebhookChannel(id="ok", url=receiver.url("/ok"), secret=SECRET),
    ]
    alert = alert_for("cancel-1", utcnow())
    await store.create(alert, channels, utcnow())

    _, first = new_worker(redis_client, http)
    task = asyncio.create_task(first.run(asyncio.Event()))

    async def posted_both() -> bool:
        return len(receiver.received("/held")) == 1 and len(receiver.received("/ok")) == 1

    await eventually(posted_both, what="both POSTs")
    task.cancel()  # the service dies while /held has the request and has not answered
    with contextlib.suppress(asyncio.CancelledError):
        await task
    receiver.release()

    _, second = new_worker(redis_client, http)
    async with running(second):
        await eventually(lambda: all_delivered(store, 2), timeout_s=20, what="both deliveries")
    assert len(receiver.received("/ok")) == 1  # recorded before the cancel: never again
    held = receiver.received("/held")
    assert len(held) == 2 and held[0].body == held[1].body
    assert held[0].headers["idempotency-key"] == held[1].headers["idempotency-key"] == alert.id
    assert sorted(await states(store)) == [("delivered", 1), ("delivered", 1)]  # the cut POST left no trace


async def test_a_digest_claimed_by_a_dead_worker_is_sent_once_with_what_it_held(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    store = AlertStore(redis_client, 3600, 50, digest_grace_s=0)
    channels = [WebhookChannel(id="hook", url=receiver.url("/hook"), secret=SECRET)]
    now = utcnow()
    first_alerts = [alert_for(f"d{i}", now) for i in range(3)]
    for alert in first_alerts:
        await store.create(alert, channels, now, digest="daily")
    first_outbox, _ = new_worker(redis_client, http)
    tomorrow_ms = int(now.timestamp() * 1000) + 86_400_000
    (entry,) = await first_outbox.claim_due(tomorrow_ms, 10)  # claims (and closes) the digest, then dies
    assert entry.digest is not None and entry.digest.total == 3

    late = alert_for("d-late", now)  # same day, after the digest closed: goes alone, at once
    await store.create(late, channels, now, digest="daily")
    second_outbox, second = new_worker(redis_client, http)
    await _claim_and_deliver(second_outbox, second, int(now.timestamp() * 1000))
    # The dead worker's lease runs out; the successor sends the digest as it was when claimed.
    later_ms = tomorrow_ms + 10 * LEASE_MS
    await eventually(lambda: _claim_and_deliver(second_outbox, second, later_ms), what="the digest")
    hits = receiver.received("/hook")
    assert [h.headers["x-newswatch-event"] for h in hits] == ["alert", "digest"]
    assert hits[0].headers["idempotency-key"] == late.id
    digest = DigestEvent.model_validate_json(hits[1].body)
    assert sorted(a.id for a in digest.alerts) == sorted(a.id for a in first_alerts)


async def _claim_and_deliver(outbox: Outbox, deliverer: Deliverer, now_ms: int) -> bool:
    """One round at ``now_ms``; True once the outbox is empty."""
    for entry in await outbox.claim_due(now_ms, 10):
        await deliverer.deliver(entry)
    return await outbox.pending() == 0


# -- the real service, killed -------------------------------------------------------------------------


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "newswatch_alert.main"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def test_the_service_killed_mid_delivery_repeats_only_that_one(
    fresh_kafka: str, redis_url: str, redis_client: Redis, receiver: Receiver, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "NEWSWATCH_ADMIN_TOKEN": ADMIN_TOKEN,
        "NEWSWATCH_KAFKA_BOOTSTRAP": fresh_kafka,
        "NEWSWATCH_KAFKA_PARTITIONS": "1",
        "NEWSWATCH_REDIS_URL": redis_url,
        "NEWSWATCH_ALERT_PORT": str(free_port()),
        "NEWSWATCH_LOG_FORMAT": "text",
        "NEWSWATCH_ALERT_DELIVERY_POLL_S": "0.05",
        "NEWSWATCH_ALERT_WEBHOOK_TIMEOUT_S": "0.5",
        "NEWSWATCH_ALERT_DELIVERY_LEASE_S": "5.5",
    }
    store = AlertStore(redis_client, 3600, 50)
    receiver.held.add("/held")
    held = alert_for("svc-held", utcnow())
    await store.create(held, [WebhookChannel(id="held", url=receiver.url("/held"), secret=SECRET)], utcnow())
    others = [alert_for(f"svc-{i}", utcnow()) for i in range(3)]
    for alert in others:
        await store.create(alert, [WebhookChannel(id="ok", url=receiver.url("/ok"), secret=SECRET)], utcnow())

    log = tmp_path / "alert.log"
    service = _start(env, log)
    try:

        async def others_recorded() -> bool:
            recorded = [d for v in await store.list_for("u1", 50) for d in v.deliveries]
            done = [d for d in recorded if d.channel_id == "ok" and d.status == "delivered"]
            return len(done) == 3 and len(receiver.received("/held")) == 1

        await eventually(others_recorded, what=f"deliveries by the service (log: {log})")
        service.send_signal(signal.SIGKILL)  # /held has the POST and has not answered
        service.wait(10)
        receiver.release()

        service = _start(env, log)
        await eventually(lambda: all_delivered(store, 4), what=f"the restarted service (log: {log})")
    finally:
        service.terminate()
        service.wait(20)
    assert service.returncode == 0  # a graceful stop
    assert sorted(h.headers["idempotency-key"] for h in receiver.received("/ok")) == sorted(
        a.id for a in others
    )
    repeats = receiver.received("/held")
    assert len(repeats) == 2 and repeats[0].body == repeats[1].body
    assert {h.headers["idempotency-key"] for h in repeats} == {held.id}
    assert await redis_client.zcard("outbox") == 0
