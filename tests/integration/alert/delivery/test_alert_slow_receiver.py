"""A slow or dead receiver does not hold up other users' deliveries.

One user's webhook takes its time (here: it does not answer until the test lets it) and has forty
alerts waiting; another user's alert, made afterwards, must not queue behind them. Without a cap per
destination, the forty took every delivery slot of the replica until their requests timed out.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.delivery.channels import WebhookChannel
from newswatch_alert.delivery.outbox import Outbox
from newswatch_alert.delivery.policy import RetryPolicy
from newswatch_alert.delivery.senders import Senders
from newswatch_alert.delivery.worker import Deliverer
from newswatch_shared.schemas import utcnow
from tests.integration.alert.delivery_support import Receiver, alert_for, receiving

pytestmark = pytest.mark.integration

SECRET = "a-webhook-secret-for-tests"


@pytest.fixture
def slow() -> Iterator[Receiver]:
    with receiving() as receiver:
        receiver.held.add("/slow")
        yield receiver


@pytest.fixture
def quick() -> Iterator[Receiver]:
    with receiving() as receiver:
        yield receiver


@contextlib.asynccontextmanager
async def running(deliverer: Deliverer) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(deliverer.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_a_receiver_that_hangs_does_not_delay_other_users(
    redis_client: Redis, slow: Receiver, quick: Receiver
) -> None:
    store = AlertStore(redis_client, 3600, 100)
    now = utcnow()
    hanging = [WebhookChannel(id="slow", url=slow.url("/slow"), secret=SECRET)]
    for i in range(40):
        await store.create(alert_for(f"s{i}", now, user_id="slow-user", watchlist_id="ws"), hanging, now)
    async with httpx.AsyncClient() as http:
        deliverer = Deliverer(
            Outbox(redis_client, lease_ms=60_000),
            Senders(http, None, timeout_s=30),
            RetryPolicy(max_attempts=3, base_s=1.0, cap_s=10.0),
            poll_s=0.05,
            concurrency=16,
            rng=random.Random(1),
        )
        async with running(deliverer):

            async def hanging_requests() -> int:
                return len(slow.received("/slow"))

            async with asyncio.timeout(20):
                while await hanging_requests() == 0:
                    await asyncio.sleep(0.05)
            made = time.monotonic()
            other = alert_for("q1", utcnow(), user_id="quick-user", watchlist_id="wq")
            await store.create(
                other, [WebhookChannel(id="quick", url=quick.url("/ok"), secret=SECRET)], utcnow()
            )
            async with asyncio.timeout(20):
                while not quick.received("/ok"):
                    await asyncio.sleep(0.02)
            waited = time.monotonic() - made
            held = len(slow.received("/slow"))  # still unanswered: the other user did not wait for them
            slow.release()
    print(f"\nthe other user's alert arrived {waited:.2f} s after it was made; {held} requests were hanging")
    assert 0 < held <= 4  # at most NEWSWATCH_ALERT_DELIVERY_PER_DESTINATION at once to one receiver
