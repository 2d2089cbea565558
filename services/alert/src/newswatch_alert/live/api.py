"""The live feed API and the dashboard, as one router the app includes with one line.

Its lifespan runs inside the app's (FastAPI merges router lifespans), after the app has put its
services on ``app.state``: it builds the live feed on the same Redis client, indexes articles
stored before the index existed, and runs the stream hub as a supervised worker.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from fastapi import APIRouter, FastAPI
from redis.asyncio import Redis
from redis.exceptions import RedisError

from newswatch_alert.articles_api import articles_router
from newswatch_alert.dashboard_api import dashboard_router
from newswatch_alert.live import LiveFeed
from newswatch_alert.settings import AlertSettings
from newswatch_alert.trends_api import trends_router
from newswatch_shared.runtime import Worker
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["live_recorder", "live_router"]

log = logging.getLogger(__name__)


def live_recorder(
    redis: Redis, settings: AlertSettings
) -> Callable[[Sequence[EnrichedArticle]], Awaitable[None]]:
    """What the article handler calls after storing a batch: index, count trends, publish."""
    return LiveFeed.build(redis, settings).record


def live_router(settings: AlertSettings) -> APIRouter:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        live = LiveFeed.build(app.state.services.redis, settings)
        try:
            await live.backfill()
        except RedisError as e:
            log.warning("live feed: backfill skipped, Redis unavailable: %s", e)
        worker = Worker("alert-article-stream", live.hub.run)
        worker.start()
        app.state.live = live
        try:
            yield
        finally:
            await worker.stop()

    router = APIRouter(lifespan=lifespan)
    router.include_router(articles_router())
    router.include_router(trends_router())
    router.include_router(dashboard_router())
    return router
