"""An alert as its owner reads it: the event plus each channel's delivery state."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from newswatch_alert.delivery.models import DeliveryState
from newswatch_shared.schemas import AlertEvent

__all__ = ["AlertList", "AlertView"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class AlertView(AlertEvent):
    """An alert as its owner sees it: the event plus each channel's delivery status."""

    deliveries: list[DeliveryState] = Field(default_factory=list)


class AlertList(_Frozen):
    alerts: list[AlertView]
