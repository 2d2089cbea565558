"""``GET /alerts`` and ``GET /alerts/{id}``: a user's alerts with their explanation and delivery status.

Scoped to the caller like everything a user owns: another user's alert answers 404, exactly as a
missing one, so ids reveal nothing. The live stream of the same alerts is in ``stream_api``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from starlette.convertors import Convertor, register_url_convertor

from newswatch_alert.alerts.models import AlertList, AlertView
from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.common.openapi import EXAMPLE_TIME, EXAMPLE_USER_ID, errors, example
from newswatch_alert.common.parts import part
from newswatch_alert.users.auth import current_user

__all__ = ["alert_example", "alerts_router"]

Alerts = Annotated[AlertStore, Depends(part(AlertStore))]
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


def alerts_router() -> APIRouter:
    router = APIRouter()

    @router.get(
        "/alerts",
        tags=["alerts"],
        summary="The caller's alerts, newest first, with explanation and delivery status",
        responses={**errors(401), **example({"alerts": [alert_example()]})},
    )
    async def list_alerts(user_id: UserId, alerts: Alerts, limit: Limit = 20) -> AlertList:
        return AlertList(alerts=await alerts.list_for(user_id, limit))

    @router.get(
        "/alerts/{alert_id:hexid}",
        tags=["alerts"],
        summary="One of the caller's alerts, with explanation and delivery status",
        responses={**errors(401, 404, e404=_NO_ALERT), **example(alert_example())},
    )
    async def get_alert(alert_id: AlertId, user_id: UserId, alerts: Alerts) -> AlertView:
        alert = await alerts.get(user_id, alert_id)
        if alert is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, _NO_ALERT)
        return alert

    return router


def alert_example() -> dict[str, Any]:
    return AlertView.model_validate(
        {
            "id": "7c1f0a9e3b5d2c4e6f8a0b1c",
            "user_id": EXAMPLE_USER_ID,
            "watchlist_id": "0a4e6f1c2b3d5e7f",
            "watchlist_name": "Eastern border",
            "article_id": "e3b0c44298fc1c149afbf4c8",
            "title": "Troops gather near the eastern border",
            "url": "https://news.example.org/world/border",
            "source": "Example Wire",
            "published_at": EXAMPLE_TIME,
            "score": 42.0,
            "matched_entities": ["Ukraine"],
            "matched_keywords": ["troops"],
            "reasons": ['entity "UA" matched Ukraine (GPE) by country code UA'],
            "sentences": ["More troops arrived at the border overnight."],
            "created_at": EXAMPLE_TIME,
        }
    ).model_dump(mode="json")
