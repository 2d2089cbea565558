"""The user-facing HTTP API for users and keys, watchlists and alerts.

Everything a user owns is scoped to the caller: another user's watchlist, alert or key answers 404,
exactly as a missing one, so ids reveal nothing. Users and keys are in ``users_api``, watchlists in
``watchlists_api``; the public articles endpoints in ``articles_api``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import SecretStr
from starlette.convertors import Convertor, register_url_convertor

from newswatch_alert.api_docs import alert_example, errors, example
from newswatch_alert.auth import current_user
from newswatch_alert.models import AlertList, AlertView
from newswatch_alert.services import Services, get_services
from newswatch_alert.users_api import users_router
from newswatch_alert.watchlists_api import watchlists_router

__all__ = ["api_router"]

ServicesDep = Annotated[Services, Depends(get_services)]
UserId = Annotated[str, Depends(current_user)]
Limit = Annotated[int, Query(ge=1, le=200, description="How many, newest first.")]

_NO_ALERT = "alert not found"


class _HexId(Convertor[str]):
    """Alert ids are hex digests: so ``/alerts/stream`` and other fixed paths never reach
    ``/alerts/{alert_id}``, whatever order the routers are included in."""

    regex = "[0-9a-f]{8,64}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("hexid", _HexId())

AlertId = Annotated[
    str, Path(description="The alert's id.", openapi_examples={"id": {"value": "7c1f0a9e3b5d2c4e6f8a0b1c"}})
]


def api_router(admin_token: SecretStr) -> APIRouter:
    router = APIRouter()
    router.include_router(users_router(admin_token))
    router.include_router(watchlists_router())

    # GET /articles (and /articles/stream, /articles/{id}) live in articles_api, included by app.py.

    @router.get(
        "/alerts",
        tags=["alerts"],
        summary="The caller's alerts, newest first, with explanation and delivery status",
        responses={**errors(401), **example({"alerts": [alert_example()]})},
    )
    async def list_alerts(user_id: UserId, services: ServicesDep, limit: Limit = 20) -> AlertList:
        return AlertList(alerts=await services.alerts.list_for(user_id, limit))

    @router.get(
        "/alerts/{alert_id:hexid}",
        tags=["alerts"],
        summary="One of the caller's alerts, with explanation and delivery status",
        responses={**errors(401, 404, e404=_NO_ALERT), **example(alert_example())},
    )
    async def get_alert(alert_id: AlertId, user_id: UserId, services: ServicesDep) -> AlertView:
        alert = await services.alerts.get(user_id, alert_id)
        if alert is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, _NO_ALERT)
        return alert

    return router
