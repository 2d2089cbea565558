"""Fixtures for the ingest integration tests (helpers live in support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from newswatch_ingest.settings import IngestSettings
from tests.integration.ingest.support import ADMIN_TOKEN, PARTITIONS, RawReader


@pytest.fixture
def make_settings(fresh_kafka: str, redis_url: str) -> Callable[..., IngestSettings]:
    def build(**overrides: Any) -> IngestSettings:
        values: dict[str, Any] = {
            "admin_token": ADMIN_TOKEN,
            "kafka_bootstrap": fresh_kafka,
            "kafka_partitions": PARTITIONS,
            "redis_url": redis_url,
            "ingest_poll_interval_s": 1,
            "ingest_fetch_timeout_s": 5,
            "log_format": "text",
        }
        values.update(overrides)
        return IngestSettings(**values)

    return build


@pytest.fixture
async def raw_reader(fresh_kafka: str) -> AsyncIterator[Callable[[], Awaitable[RawReader]]]:
    """Start a reader once the app has created the topics: ``reader = await raw_reader()``."""
    readers: list[RawReader] = []

    async def start() -> RawReader:
        reader = RawReader(fresh_kafka)
        await reader.consumer.start()
        readers.append(reader)
        return reader

    yield start
    for reader in readers:
        await reader.consumer.stop()
