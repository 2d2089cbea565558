"""The ``api`` role: users and keys, watchlists, alerts and their stream, the live feed, the dashboard.

Stateless: everything it serves is in Redis, so any number of replicas can sit behind a load
balancer, and it needs no Kafka at all. Its routes find what they use by type
(``common.parts``); the live feed's stream hub is the one worker it runs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from newswatch_alert.alerts.api import alerts_router
from newswatch_alert.alerts.deadletter_api import dead_letter_router
from newswatch_alert.alerts.stream_api import stream_router
from newswatch_alert.common.parts import Parts
from newswatch_alert.dashboard.api import dashboard_router
from newswatch_alert.delivery.email_api import email_router
from newswatch_alert.live.api import live_router
from newswatch_alert.roles import build
from newswatch_alert.roles.base import RoleProbe
from newswatch_alert.settings import AlertSettings
from newswatch_alert.users.api import users_router
from newswatch_alert.users.apikeys import ApiKeyStore
from newswatch_alert.users.store import UserStore
from newswatch_alert.watchlists.api import watchlists_router
from newswatch_alert.watchlists.concepts_api import concepts_router
from newswatch_alert.watchlists.store import WatchlistStore
from newswatch_alert.watchlists.testing_api import watchlist_test_router
from newswatch_shared.redis_client import redis_ready
from newswatch_shared.runtime import Worker
from newswatch_shared.schemas import utcnow

__all__ = ["api_role", "api_routers"]

log = logging.getLogger(__name__)


def api_routers(settings: AlertSettings) -> list[APIRouter]:
    """The role's routes, in the order they must be matched."""
    assert settings.admin_token is not None  # the settings refuse an api role without one
    return [
        live_router(),  # GET /articles, /articles/stream, /articles/{id}, /trends
        stream_router(),  # GET /alerts/stream
        watchlist_test_router(settings.alert_enrich_url),  # POST /watchlists/test, before /watchlists/{id}
        users_router(settings.admin_token),
        watchlists_router(build.destination_rules(settings)),
        concepts_router(),  # GET /concepts: public reference data
        alerts_router(),
        dead_letter_router(settings.admin_token),  # /deliveries/dead, /admin/deliveries/dead
        email_router(),  # /email/confirm, /email/unsubscribe: public, the link's token is the credential
        dashboard_router(),  # / and /dashboard/<file>
    ]


@contextlib.asynccontextmanager
async def api_role(settings: AlertSettings, redis: Redis, parts: Parts) -> AsyncIterator[RoleProbe]:
    api_keys = ApiKeyStore(redis)
    users = UserStore(redis, api_keys)
    live = build.live_feed(settings, redis)
    streams = build.alert_streams(settings)
    parts.add(
        redis,
        api_keys,
        users,
        WatchlistStore(redis, settings.alert_max_watchlists_per_user),
        build.alert_store(settings, redis),
        build.dead_letters(settings, redis),
        build.consent_store(settings, redis),
        live,
        streams,
        build.concept_scheme(settings),
    )
    try:
        await users.backfill(utcnow())
    except RedisError as e:
        log.warning("user records not backfilled at start-up (next start will): %s", e)
    try:
        await live.backfill()
    except RedisError as e:
        log.warning("live feed: backfill skipped, Redis unavailable: %s", e)
    hub = Worker("alert-article-stream", live.hub.run)
    hub.start()
    try:
        yield RoleProbe(needs={"redis": lambda: redis_ready(redis)}, workers=[hub])
    finally:
        await hub.stop()
        await streams.aclose()
