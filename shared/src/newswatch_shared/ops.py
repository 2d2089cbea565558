"""The operations endpoints every service exposes: ``/health``, ``/ready`` and ``/metrics``.

``/health`` answers as long as the process serves HTTP (for restart decisions); ``/ready`` checks the
dependencies (for load balancers and `depends_on`), returning 503 with the failing parts named.

A service whose processes run chosen roles (alert: api, match, deliver) reports each role it runs
under ``roles``, with the dependencies that role needs and whether its background workers run; the
top-level ``checks`` are then every role's dependencies, each named once. A process is ready when
every role it runs is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

__all__ = ["ReadyCheck", "RoleReport", "RolesCheck", "ops_router"]

#: Returns each dependency's name and whether it is reachable.
ReadyCheck = Callable[[], Awaitable[dict[str, bool]]]


@dataclass(frozen=True)
class RoleReport:
    """One role of this process: its dependencies and its workers, each up or not."""

    checks: dict[str, bool] = field(default_factory=dict)
    workers: dict[str, bool] = field(default_factory=dict)
    started: bool = True

    @property
    def ready(self) -> bool:
        return self.started and all(self.checks.values()) and all(self.workers.values())

    def as_json(self) -> dict[str, Any]:
        status = "ready" if self.ready else ("starting" if not self.started else "not ready")
        return {"status": status, "checks": self.checks, "workers": self.workers}


#: Returns each role this process runs, by name.
RolesCheck = Callable[[], Awaitable[dict[str, RoleReport]]]


def ops_router(
    service: str, ready: ReadyCheck | None = None, *, roles: RolesCheck | None = None
) -> APIRouter:
    """The ops routes; give ``ready`` (a flat dependency check) or ``roles`` (a report per role)."""
    if (ready is None) == (roles is None):
        raise ValueError("give exactly one of ready and roles")
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="The process is alive")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get("/ready", summary="Kafka and Redis are reachable (and, per role, its workers run)")
    async def ready_endpoint() -> JSONResponse:
        body: dict[str, Any] = {"service": service}
        if roles is not None:
            reports = await roles()
            checks: dict[str, bool] = {}
            for report in reports.values():
                for name, ok in report.checks.items():
                    checks[name] = checks.get(name, True) and ok
            ok = bool(reports) and all(r.ready for r in reports.values())
            body["roles"] = {name: report.as_json() for name, report in reports.items()}
        else:
            assert ready is not None
            checks = await ready()
            ok = all(checks.values())
        body = {"status": "ready" if ok else "not ready", **body, "checks": checks}
        return JSONResponse(body, status_code=200 if ok else 503)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
