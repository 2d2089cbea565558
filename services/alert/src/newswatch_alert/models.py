"""The alert service's own records (stored in Redis as JSON) and the API's request/response shapes.

Request models validate what users send (422 on problems); stored models are frozen facts. The
response shapes are a public contract: later versions add fields, never remove or rename them; lists
come wrapped in an object (``{"articles": [...]}``) so they can gain fields such as a cursor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from newswatch_alert.text import norm
from newswatch_shared.schemas import AlertEvent, Contribution, Entity, EscalationMatch, UtcDatetime

__all__ = [
    "AlertList",
    "AlertView",
    "ArticleList",
    "ArticleView",
    "ChannelIn",
    "DeliveryState",
    "DeliveryStatus",
    "OutboxItem",
    "User",
    "UserCreated",
    "UserIn",
    "Watchlist",
    "WatchlistIn",
    "WatchlistList",
    "WebhookChannel",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host")
    return value


def _terms(values: list[str]) -> list[str]:
    """Collapse spaces, refuse terms that can never match, drop repeats (as the matcher compares them)."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in values:
        value = " ".join(raw.split())
        key = norm(value)
        if not key:
            raise ValueError("entries must contain a letter or digit")
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


HttpUrlStr = Annotated[str, Field(max_length=2000), AfterValidator(_http_url)]
Term = Annotated[str, Field(max_length=200)]


# -- users -------------------------------------------------------------------------------------------


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()


class User(_Frozen):
    id: str
    name: str
    created_at: UtcDatetime


class UserCreated(_Frozen):
    id: str
    name: str
    api_key: str = Field(description="Shown once: only its SHA-256 is stored.")


# -- watchlists --------------------------------------------------------------------------------------


class ChannelIn(BaseModel):
    type: Literal["webhook"]
    url: HttpUrlStr
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=256,
        description="HMAC signing secret; generated when omitted.",
    )


class WatchlistIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    entities: list[Term] = Field(default_factory=list, max_length=100)
    keywords: list[Term] = Field(default_factory=list, max_length=100)
    channels: list[ChannelIn] = Field(default_factory=list, max_length=10)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()

    @field_validator("entities", "keywords")
    @classmethod
    def _clean_terms(cls, values: list[str]) -> list[str]:
        return _terms(values)

    @model_validator(mode="after")
    def _something_to_match(self) -> WatchlistIn:
        if not self.entities and not self.keywords:
            raise ValueError("a watchlist needs at least one entity or keyword")
        return self


class WebhookChannel(_Frozen):
    id: str
    type: Literal["webhook"] = "webhook"
    url: str
    secret: str = Field(description="Signs each delivery: X-Newswatch-Signature: sha256=HMAC(secret, body).")


class Watchlist(_Frozen):
    """Stored and returned as is: the owner sees the channel secrets (they need them to verify)."""

    id: str
    user_id: str
    name: str
    entities: list[str]
    keywords: list[str]
    channels: list[WebhookChannel]
    created_at: UtcDatetime


class WatchlistList(_Frozen):
    watchlists: list[Watchlist]


# -- alerts and delivery -----------------------------------------------------------------------------

DeliveryStatus = Literal["pending", "delivered", "failed", "dead"]


class DeliveryState(_Frozen):
    """One channel's delivery of one alert. ``failed`` means "will retry"; ``dead`` is final."""

    channel_id: str
    type: Literal["webhook"] = "webhook"
    url: str
    status: DeliveryStatus = "pending"
    attempts: int = 0
    last_error: str | None = None
    delivered_at: UtcDatetime | None = None
    next_attempt_at: UtcDatetime | None = None
    updated_at: UtcDatetime


class OutboxItem(_Frozen):
    """What the delivery worker needs, snapshotted when the alert is made (the watchlist may change)."""

    alert_id: str
    user_id: str
    channel_id: str
    url: str
    secret: str


class AlertView(AlertEvent):
    """An alert as its owner sees it: the event plus each channel's delivery status."""

    deliveries: list[DeliveryState] = Field(default_factory=list)


class AlertList(_Frozen):
    alerts: list[AlertView]


# -- articles ----------------------------------------------------------------------------------------


class ArticleView(_Frozen):
    """An enriched article, flattened for GET /articles."""

    id: str
    title: str
    url: str
    source: str
    published_at: datetime
    summary: str
    language: str | None
    entities: list[Entity]
    escalation: list[EscalationMatch]
    score: float
    contributions: list[Contribution]
    enriched_at: datetime


class ArticleList(_Frozen):
    articles: list[ArticleView]
