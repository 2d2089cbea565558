"""Redis full: the alert service says so (/ready, an error log that names the remedy), loses nothing,
and carries on when Redis has room again.

Redis runs with a memory cap and the volatile-lru policy (docker compose, `make run`): it evicts keys
that expire anyway and refuses writes only when what remains cannot be evicted. Retrying is then
right — the articles wait in Kafka — but it must not look like a passing blip.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import OutOfMemoryError

from newswatch_alert.settings import AlertSettings
from newswatch_cli.embedded import EmbeddedRedis
from tests.integration.alert.support import (
    ADMIN_TOKEN,
    Receiver,
    admin,
    bearer,
    border_article,
    eventually,
    produce_articles,
    serving,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


@pytest.fixture
def small_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "valkey", maxmemory="8mb").start()
    try:
        yield server
    finally:
        server.stop()


async def fill(redis: Redis) -> int:
    """Write keys that never expire until Redis refuses: nothing left it may evict."""
    written = 0
    while True:
        try:
            await redis.set(f"junk:{written}", "x" * 50_000)
        except OutOfMemoryError:
            return written
        written += 1


async def test_a_full_redis_is_reported_and_nothing_is_lost(
    small_redis: EmbeddedRedis, fresh_kafka: str, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    settings = AlertSettings(
        admin_token=ADMIN_TOKEN,
        kafka_bootstrap=fresh_kafka,
        kafka_partitions=1,
        redis_url=small_redis.url,
        alert_delivery_poll_s=0.05,
    )
    redis = Redis.from_url(small_redis.url, decode_responses=True)
    async with serving(settings) as api:
        key = (await api.post("/users", json={"name": "desk"}, headers=admin())).json()["api_key"]
        made = await api.post(
            "/watchlists",
            json={
                "name": "border",
                "entities": ["Ukraine"],
                "channels": [{"type": "webhook", "url": receiver.url("/ok")}],
            },
            headers=bearer(key),
        )
        assert made.status_code == 201, made.text
        assert (await api.get("/ready")).status_code == 200

        assert await fill(redis) > 0
        with caplog.at_level(logging.ERROR, logger="newswatch_shared.pipeline"):
            await produce_articles(settings, border_article("while-full"))

            async def not_ready() -> dict[str, object] | None:
                ready = await api.get("/ready")
                return ready.json() if ready.status_code == 503 else None

            body = await eventually(not_ready, what="/ready to say Redis takes no writes")
            assert body["checks"] == {"kafka": True, "redis": False}  # type: ignore[comparison-overlap]
            await eventually(
                lambda: _logged(caplog, "Redis is out of memory"), what="the error naming the remedy"
            )
        assert receiver.received("/ok") == []

        await redis.config_set("maxmemory", "0")  # the operator gives Redis room (or lowers retention)

        async def delivered() -> bool:
            return len(receiver.received("/ok")) == 1

        await eventually(delivered, timeout_s=60, what="the article waiting in Kafka, alerted and delivered")
        assert (await api.get("/ready")).status_code == 200
        alerts = (await api.get("/alerts", headers=bearer(key))).json()["alerts"]
        assert [a["article_id"] for a in alerts] == ["while-full"]
    await redis.aclose()


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in r.getMessage() for r in caplog.records)
