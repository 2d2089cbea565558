"""The operations endpoints every service exposes: ``/health``, ``/ready`` and ``/metrics``.

``/health`` answers as long as the process serves HTTP (for restart decisions); ``/ready`` checks the
dependencies (for load balancers and `depends_on`), returning 503 with the failing parts named.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

__all__ = ["ReadyCheck", "ops_router"]

#: Returns each dependency's name and whether it is reachable.
ReadyCheck = Callable[[], Awaitable[dict[str, bool]]]


def ops_router(service: str, ready: ReadyCheck) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="The process is alive")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get("/ready", summary="Kafka and Redis are reachable", response_model=None)
    async def ready_endpoint() -> JSONResponse:
        checks = await ready()
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "service": service, "checks": checks},
            status_code=200 if ok else 503,
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
