"""The ingest app: wires Redis, the Kafka producer, the HTTP client and the poller to the API.

Everything long-lived is created once in the lifespan and closed in reverse order at shutdown; the
poller runs as a supervised :class:`Worker`, so uvicorn's graceful shutdown stops it first.
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from newswatch_ingest.api import Runtime, feeds_router
from newswatch_ingest.dedupe import SeenStore
from newswatch_ingest.feedimport import register_listed
from newswatch_ingest.feeds import FeedRegistry
from newswatch_ingest.fetch import make_http_client
from newswatch_ingest.opml import ListedFeed, OpmlError, parse_opml
from newswatch_ingest.poller import Poller, PollerConfig
from newswatch_ingest.settings import IngestSettings, parse_feed_list
from newswatch_ingest.urls import canonical_url
from newswatch_ingest.websub_api import websub_router
from newswatch_ingest.websub_subscriber import WebSubSubscriber
from newswatch_ingest.websubstore import SubscriptionStore
from newswatch_shared import http_api
from newswatch_shared.errors import ConfigError
from newswatch_shared.kafka import ensure_topics, make_producer
from newswatch_shared.ops import ops_router
from newswatch_shared.redis_client import make_redis
from newswatch_shared.runtime import Worker
from newswatch_shared.schemas import utcnow
from newswatch_shared.topics import ALL_TOPICS, ARTICLES_RAW

__all__ = ["SERVICE", "create_app", "poller_config", "startup_feeds"]

SERVICE = "ingest"
log = logging.getLogger(__name__)


def _read_feeds_file(path: Path) -> list[ListedFeed]:
    try:
        data = path.read_bytes()
        if data.lstrip().startswith(b"<"):
            document = parse_opml(data)
            for problem in document.problems:
                log.warning(
                    "feeds file %s: skipped %s: %s", path, problem.url or problem.title, problem.reason
                )
            return list(document.feeds)
        urls = parse_feed_list(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, OpmlError) as e:
        raise ConfigError(f"cannot read NEWSWATCH_INGEST_FEEDS_FILE {path}: {e}") from e
    for url in urls:
        try:
            canonical_url(url)
        except ValueError as e:
            raise ConfigError(f"NEWSWATCH_INGEST_FEEDS_FILE {path}: {e}") from e
    return [ListedFeed(url) for url in urls]


def startup_feeds(settings: IngestSettings) -> list[ListedFeed]:
    """Feeds from the settings and the feeds file (OPML or a URL list); a bad file stops start-up."""
    feeds = [ListedFeed(url) for url in settings.ingest_feeds]
    if settings.ingest_feeds_file is not None:
        feeds += _read_feeds_file(settings.ingest_feeds_file)
    return list({f.url: f for f in feeds}.values())


def poller_config(settings: IngestSettings) -> PollerConfig:
    return PollerConfig(
        interval_s=settings.ingest_poll_interval_s,
        max_backoff_s=settings.ingest_max_backoff_s,
        max_concurrency=settings.ingest_max_concurrency,
        max_bytes=settings.ingest_max_bytes,
        fetch_timeout_s=settings.ingest_fetch_timeout_s,
        max_per_host=settings.ingest_max_per_host,
        disable_after_failures=settings.ingest_disable_after_failures,
        max_age_cap_s=settings.ingest_max_age_cap_s,
        max_article_chars=settings.ingest_max_article_chars,
        max_message_bytes=settings.kafka_max_message_bytes,
        raw_topic=settings.kafka("ingest").topic(ARTICLES_RAW),
        adaptive=settings.ingest_adaptive_polling,
        min_interval_s=settings.ingest_min_poll_interval_s,
        websub_interval_s=settings.ingest_websub_poll_interval_s,
    )


def create_app(settings: IngestSettings) -> FastAPI:
    runtime = Runtime()
    kafka_cfg = settings.kafka(SERVICE)
    egress = settings.egress_policy()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        listed = startup_feeds(settings)
        async with contextlib.AsyncExitStack() as stack:
            redis = make_redis(settings.redis_url)
            stack.push_async_callback(redis.aclose)
            if kafka_cfg.create_topics:
                await ensure_topics(kafka_cfg, ALL_TOPICS)
            producer = make_producer(kafka_cfg)
            await producer.start()
            stack.push_async_callback(producer.stop)
            http = make_http_client(
                settings.ingest_user_agent,
                settings.ingest_fetch_timeout_s,
                settings.ingest_max_concurrency,
                egress=egress,
            )
            stack.push_async_callback(http.aclose)
            registry = FeedRegistry(redis, settings.ingest_poll_interval_s)
            rng = random.Random()
            report = await register_listed(registry, listed, now=utcnow(), rng=rng, egress=egress)
            if report.added:
                log.info("registered %d feeds from the settings", len(report.added))
            for invalid in report.invalid:  # reported, not fatal: the other feeds still start
                log.warning("feed %s from the settings not registered: %s", invalid.url, invalid.reason)
            websub = None
            if settings.ingest_public_url is not None:
                websub = WebSubSubscriber(
                    SubscriptionStore(redis),
                    http,
                    public_url=settings.ingest_public_url,
                    lease_s=settings.ingest_websub_lease_s,
                    timeout_s=settings.ingest_fetch_timeout_s,
                )
                websub_worker = Worker("ingest-websub", websub.run)
                websub_worker.start()
                stack.push_async_callback(websub_worker.stop)
            poller = Poller(
                registry,
                SeenStore(redis, settings.seen_ttl_s),
                http,
                producer,
                poller_config(settings),
                subscriptions=websub,
            )
            worker = Worker("ingest-poller", poller.run)
            worker.start()
            stack.push_async_callback(worker.stop)
            stack.callback(_clear, runtime)
            runtime.registry, runtime.poller, runtime.worker = registry, poller, worker
            runtime.websub = websub
            runtime.producer, runtime.redis, runtime.rng = producer, redis, rng
            yield

    app = FastAPIOffline(title="newswatch ingest", version="0.1.0", lifespan=lifespan)
    app.include_router(ops_router(SERVICE, runtime.ready))
    app.include_router(feeds_router(runtime, settings.admin_token, egress))
    if settings.ingest_public_url is not None:
        app.include_router(
            websub_router(
                runtime,
                max_bytes=settings.ingest_max_bytes,
                pushes_per_min=settings.ingest_websub_pushes_per_min,
                max_concurrent=settings.ingest_max_concurrency,
            )
        )
    http_api.install(app)
    return app


def _clear(runtime: Runtime) -> None:
    runtime.registry = runtime.poller = runtime.worker = None
    runtime.websub = None
    runtime.producer = runtime.redis = None
