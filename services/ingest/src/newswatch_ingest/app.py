"""The ingest app: wires Redis, the Kafka producer, the HTTP client and the poller to the API.

Everything long-lived is created once in the lifespan and closed in reverse order at shutdown; the
poller runs as a supervised :class:`Worker`, so uvicorn's graceful shutdown stops it first.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from newswatch_ingest.api import Runtime, feeds_router
from newswatch_ingest.dedupe import SeenStore
from newswatch_ingest.feeds import FeedRegistry
from newswatch_ingest.fetch import make_http_client
from newswatch_ingest.poller import Poller, PollerConfig
from newswatch_ingest.settings import IngestSettings, parse_feed_list
from newswatch_shared.errors import ConfigError
from newswatch_shared.kafka import ensure_topics, make_producer
from newswatch_shared.ops import ops_router
from newswatch_shared.redis_client import make_redis
from newswatch_shared.runtime import Worker
from newswatch_shared.schemas import utcnow
from newswatch_shared.topics import ALL_TOPICS

__all__ = ["SERVICE", "create_app", "startup_feeds"]

SERVICE = "ingest"


def startup_feeds(settings: IngestSettings) -> list[str]:
    """Feed URLs from the settings and the feeds file; a missing or bad file stops start-up."""
    urls = list(settings.ingest_feeds)
    path: Path | None = settings.ingest_feeds_file
    if path is not None:
        try:
            urls += parse_feed_list(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read NEWSWATCH_INGEST_FEEDS_FILE {path}: {e}") from e
    return list(dict.fromkeys(urls))


def poller_config(settings: IngestSettings) -> PollerConfig:
    return PollerConfig(
        interval_s=settings.ingest_poll_interval_s,
        max_backoff_s=settings.ingest_max_backoff_s,
        max_concurrency=settings.ingest_max_concurrency,
        max_bytes=settings.ingest_max_bytes,
        fetch_timeout_s=settings.ingest_fetch_timeout_s,
    )


def create_app(settings: IngestSettings) -> FastAPI:
    runtime = Runtime()
    kafka_cfg = settings.kafka(SERVICE)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        urls = startup_feeds(settings)
        async with contextlib.AsyncExitStack() as stack:
            redis = make_redis(settings.redis_url)
            stack.push_async_callback(redis.aclose)
            if kafka_cfg.create_topics:
                await ensure_topics(kafka_cfg, ALL_TOPICS)
            producer = make_producer(kafka_cfg)
            await producer.start()
            stack.push_async_callback(producer.stop)
            http = make_http_client(
                settings.ingest_user_agent, settings.ingest_fetch_timeout_s, settings.ingest_max_concurrency
            )
            stack.push_async_callback(http.aclose)
            registry = FeedRegistry(redis)
            for url in urls:
                await registry.add(url, now=utcnow())
            poller = Poller(
                registry, SeenStore(redis, settings.seen_ttl_s), http, producer, poller_config(settings)
            )
            worker = Worker("ingest-poller", poller.run)
            worker.start()
            stack.push_async_callback(worker.stop)
            stack.callback(_clear, runtime)
            runtime.registry, runtime.poller, runtime.worker = registry, poller, worker
            runtime.producer, runtime.redis = producer, redis
            yield

    app = FastAPI(title="newswatch ingest", version="0.1.0", lifespan=lifespan)
    app.include_router(ops_router(SERVICE, runtime.ready))
    app.include_router(feeds_router(runtime, settings.admin_token))
    return app


def _clear(runtime: Runtime) -> None:
    runtime.registry = runtime.poller = runtime.worker = None
    runtime.producer = runtime.redis = None
