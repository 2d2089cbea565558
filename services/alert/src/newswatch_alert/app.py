"""The alert service's FastAPI app: the roles this process runs, and the routes of the ``api`` role.

One package, three roles (``NEWSWATCH_ALERT_ROLES``, default all): ``api`` serves users, watchlists,
alerts, the live feed and the dashboard; ``match`` consumes ``articles.enriched`` and creates alerts;
``deliver`` sends them. Every process serves ``/health``, ``/ready`` (each role it runs, with its
dependencies and workers) and ``/metrics``. The lifespan starts the roles in that order on one Redis
client and stops them in reverse, then closes the client.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from newswatch_alert.common.parts import parts_of
from newswatch_alert.roles import RUNNERS, SERVICE, RoleProbe, api_routers, report
from newswatch_alert.settings import AlertSettings
from newswatch_shared import http_api
from newswatch_shared.ops import RoleReport, ops_router
from newswatch_shared.redis_client import TRANSIENT_REDIS_ERRORS, make_redis

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def _forget(probes: dict[str, RoleProbe | None]) -> None:
    """After shutdown /ready reports the roles as not started, never the stopped workers as up."""
    for role in probes:
        probes[role] = None


def create_app(settings: AlertSettings) -> FastAPI:
    roles = settings.roles
    probes: dict[str, RoleProbe | None] = dict.fromkeys(roles)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            redis = make_redis(settings.redis_url)
            stack.push_async_callback(redis.aclose)
            parts = parts_of(app)
            stack.callback(parts.clear)
            stack.callback(_forget, probes)
            for role in roles:
                probes[role] = await stack.enter_async_context(RUNNERS[role](settings, redis, parts))
            log.info("alert service started: %s", ", ".join(roles))
            yield
            log.info("alert service stopping")

    async def role_reports() -> dict[str, RoleReport]:
        return await report(probes)

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
    if "api" in roles:
        for router in api_routers(settings):
            app.include_router(router)
    app.include_router(ops_router(SERVICE, roles=role_reports))
    for error in TRANSIENT_REDIS_ERRORS:
        app.add_exception_handler(error, redis_down)
    http_api.install(app)
    return app
