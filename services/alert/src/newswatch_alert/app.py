"""The alert service's FastAPI app: the user API plus two background workers.

The lifespan creates every long-lived client once (Redis, Kafka producer and consumer, httpx) and
starts three supervised workers: the consume loop (articles.enriched → alerts), the delivery loop
(outbox → webhooks) and the watchlist refresher. Shutdown stops the workers first, then closes the
clients in reverse order of creation.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from redis.exceptions import RedisError

from newswatch_alert.alerts import AlertStore
from newswatch_alert.api import api_router
from newswatch_alert.apikeys import ApiKeyStore
from newswatch_alert.articles import ArticleStore
from newswatch_alert.deliver import USER_AGENT, Deliverer
from newswatch_alert.handler import TRANSIENT_REDIS_ERRORS, ArticleHandler
from newswatch_alert.live_api import live_recorder, live_router
from newswatch_alert.outbox import Outbox
from newswatch_alert.services import Services
from newswatch_alert.settings import AlertSettings
from newswatch_alert.stream_api import AlertStreams, stream_router
from newswatch_alert.users import UserStore
from newswatch_alert.watchlist_test_api import watchlist_test_router
from newswatch_alert.watchlists import WatchlistCache, WatchlistStore
from newswatch_shared.kafka import ensure_topics, kafka_ready, make_consumer, make_producer
from newswatch_shared.ops import ops_router
from newswatch_shared.pipeline import ConsumeLoop
from newswatch_shared.redis_client import make_redis, redis_ready
from newswatch_shared.runtime import Worker
from newswatch_shared.schemas import EnrichedArticle, utcnow
from newswatch_shared.topics import ALL_TOPICS, ARTICLES_ENRICHED

__all__ = ["GROUP_ID", "SERVICE", "create_app"]

log = logging.getLogger(__name__)

SERVICE = "alert"
GROUP_ID = "newswatch-alert"


def create_app(settings: AlertSettings) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kafka = settings.kafka(SERVICE)
        if kafka.create_topics:
            await ensure_topics(kafka, ALL_TOPICS)
        async with contextlib.AsyncExitStack() as stack:
            redis = make_redis(settings.redis_url)
            stack.push_async_callback(redis.aclose)
            producer = make_producer(kafka)
            await producer.start()
            stack.push_async_callback(producer.stop)
            consumer = make_consumer(kafka, [ARTICLES_ENRICHED], GROUP_ID)
            await consumer.start()
            stack.push_async_callback(consumer.stop)
            http = httpx.AsyncClient(
                headers={"User-Agent": USER_AGENT},
                timeout=settings.alert_webhook_timeout_s,
                follow_redirects=False,
            )
            stack.push_async_callback(http.aclose)

            watchlists = WatchlistStore(redis, settings.alert_max_watchlists_per_user)
            api_keys = ApiKeyStore(redis)
            cache = WatchlistCache(watchlists, settings.alert_watchlist_refresh_s)
            services = Services(
                redis=redis,
                producer=producer,
                users=UserStore(redis, api_keys),
                api_keys=api_keys,
                watchlists=watchlists,
                watchlist_cache=cache,
                articles=ArticleStore(
                    redis, settings.alert_article_retention_count, settings.alert_article_ttl_s
                ),
                alerts=AlertStore(
                    redis,
                    settings.alert_alert_ttl_s,
                    settings.alert_alerts_per_user,
                    stream_maxlen=settings.alert_stream_maxlen,
                    digest_grace_s=settings.alert_digest_grace_s,
                ),
                outbox=Outbox(
                    redis,
                    int(settings.alert_delivery_lease_s * 1000),
                    ttl_s=settings.alert_alert_ttl_s,
                    digest_max_items=settings.alert_digest_max_items,
                ),
            )
            try:
                await services.users.backfill(utcnow())
            except RedisError as e:
                log.warning("user records not backfilled at start-up (next start will): %s", e)
            try:
                await cache.refresh()
            except RedisError as e:
                log.warning("watchlists not loaded at start-up (will retry): %s", e)

            consume = ConsumeLoop(
                service=SERVICE,
                consumer=consumer,
                producer=producer,
                input_model=EnrichedArticle,
                handler=ArticleHandler(
                    cache, services.articles, services.alerts, on_stored=live_recorder(redis, settings)
                ),
                batch_size=settings.batch_size,
            )
            deliverer = Deliverer.from_settings(settings, services.outbox, http, redis)
            streams = AlertStreams.from_settings(settings)
            stack.push_async_callback(streams.aclose)
            app.state.alert_streams = streams
            for worker in (
                Worker("alert-watchlists", cache.run),
                Worker("alert-consume", consume.run),
                Worker("alert-deliver", deliverer.run),
            ):
                worker.start()
                stack.push_async_callback(worker.stop)
            app.state.services = services
            log.info("alert service started")
            yield
            log.info("alert service stopping")

    async def ready() -> dict[str, bool]:
        services: Services | None = getattr(app.state, "services", None)
        if services is None:
            return {"kafka": False, "redis": False}
        return {"kafka": await kafka_ready(services.producer), "redis": await redis_ready(services.redis)}

    async def redis_down(request: Request, exc: Exception) -> Response:
        log.warning("request failed, Redis unavailable: %s", exc)
        return JSONResponse(
            {"detail": "storage temporarily unavailable"}, status_code=503, headers={"Retry-After": "1"}
        )

    app = FastAPIOffline(
        title="newswatch alert",
        summary="Watchlists, alerts and their delivery; the newest enriched articles.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(live_router(settings))  # live feed API, trends, dashboard at /
    app.include_router(stream_router())  # before api_router: /alerts/stream must win over /alerts/{id}
    app.include_router(watchlist_test_router(settings.alert_enrich_url))  # before /watchlists/{id}
    app.include_router(api_router(settings.admin_token))
    app.include_router(ops_router(SERVICE, ready))
    for error in TRANSIENT_REDIS_ERRORS:
        app.add_exception_handler(error, redis_down)
    return app
