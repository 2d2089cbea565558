"""Real parts for the alert tests: the app served by uvicorn on a free port, a fresh broker, an empty
Redis database, and a webhook receiver (a real HTTP server in a thread) that records every request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from newswatch_alert.settings import AlertSettings
from tests.integration.alert.support import ADMIN_TOKEN, Receiver, receiving, serving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


@pytest.fixture
def settings(fresh_kafka: str, redis_url: str) -> AlertSettings:
    return AlertSettings(
        admin_token=ADMIN_TOKEN,
        kafka_bootstrap=fresh_kafka,
        kafka_partitions=1,
        redis_url=redis_url,
        batch_size=16,
        alert_delivery_max_attempts=3,
        alert_backoff_base_s=0.05,
        alert_backoff_cap_s=0.2,
        alert_delivery_poll_s=0.05,
        alert_webhook_timeout_s=0.5,
        alert_delivery_lease_s=6.0,
    )


@pytest.fixture
async def api(settings: AlertSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(settings) as client:
        yield client
