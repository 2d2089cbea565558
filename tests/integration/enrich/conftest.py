"""The real enrich app on a free local port, against a fresh broker and an empty Redis database."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest
import uvicorn

from newswatch_enrich.app import create_app
from newswatch_enrich.settings import EnrichSettings


@pytest.fixture
def enrich_settings(fresh_kafka: str, redis_url: str) -> EnrichSettings:
    return EnrichSettings(
        kafka_bootstrap=fresh_kafka,
        kafka_partitions=2,
        redis_url=redis_url,
        batch_size=16,
    )


@pytest.fixture
async def enrich_url(enrich_settings: EnrichSettings) -> AsyncIterator[str]:
    """Base URL of the app, run by uvicorn in this test's event loop on a socket bound before start."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(enrich_settings), log_config=None, access_log=False, lifespan="on", ws="none"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + 60
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the enrich app stopped during start-up (see the log)")
            if time.monotonic() > deadline:
                raise TimeoutError("the enrich app did not start within 60 s")
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)
        sock.close()
