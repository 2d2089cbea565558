"""What the OpenAPI document says beyond the routes themselves: error shapes and examples.

Every router of the service (users, keys, watchlists, alerts, and the ones other modules add) uses
:func:`errors` so each endpoint lists the errors it can answer with, in one wording, and
:func:`example` for a success example. The examples are built from the models at start-up, so they
always validate against them: a field added to a model shows up in the example with its default.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from newswatch_alert.models import (
    AlertView,
    ApiKey,
    ApiKeyCreated,
    UserCreated,
    UserView,
    Watchlist,
    WatchlistIn,
)

__all__ = [
    "ErrorOut",
    "alert_example",
    "errors",
    "example",
    "key_created_example",
    "key_example",
    "user_created_example",
    "user_example",
    "watchlist_example",
    "watchlist_in_example",
]


class ErrorOut(BaseModel):
    """The body of every error but 422 (whose ``detail`` is FastAPI's list of problems)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"detail": "watchlist not found"}]})

    detail: str = Field(description="What went wrong, for a human.")


_ERRORS: dict[int, dict[str, Any]] = {
    401: {
        "model": ErrorOut,
        "description": "Missing, unknown or revoked credential (`Authorization: Bearer …`).",
        "headers": {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    },
    404: {
        "model": ErrorOut,
        "description": "No such item among the caller's; another user's answers the same.",
    },
    409: {"model": ErrorOut, "description": "The request conflicts with a limit or the current state."},
    503: {
        "model": ErrorOut,
        "description": "Redis is unreachable; retry after the `Retry-After` seconds.",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    },
}


def errors(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries for these status codes (plus 503, which any Redis call may give).

    ``descriptions`` overrides a code's wording, keyed ``e404="watchlist not found"``.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for code in (*codes, 503):
        entry = dict(_ERRORS[code])
        if f"e{code}" in descriptions:
            entry["description"] = descriptions[f"e{code}"]
        out[code] = entry
    return out


def example(value: Any, code: int = 200) -> dict[int | str, dict[str, Any]]:
    """A ``responses=`` entry giving the success response an example (merged with its model)."""
    return {code: {"content": {"application/json": {"example": value}}}}


_AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
_USER_ID = "5d1e0c9a7b3f2e41"


def user_created_example() -> dict[str, Any]:
    return UserCreated(id=_USER_ID, name="risk desk", api_key="nw_" + "x" * 43).model_dump(mode="json")


def user_example() -> dict[str, Any]:
    return UserView(id=_USER_ID, name="risk desk", created_at=_AT, active=True).model_dump(mode="json")


def key_example() -> dict[str, Any]:
    return ApiKey(
        id="9b0f3c6d2a7e8f14", name="ci pipeline", prefix="nw_Q3vK8aZ", created_at=_AT, last_used_at=_AT
    ).model_dump(mode="json")


def key_created_example() -> dict[str, Any]:
    data = {**key_example(), "last_used_at": None, "api_key": "nw_Q3vK8aZ" + "x" * 36}
    return ApiKeyCreated.model_validate(data).model_dump(mode="json")


def watchlist_in_example() -> dict[str, Any]:
    body = {
        "name": "Eastern border",
        "entities": ["UA"],
        "keywords": ["troops", "invasion"],
        "channels": [{"type": "webhook", "url": "https://hooks.example.org/newswatch"}],
    }
    return WatchlistIn.model_validate(body).model_dump(mode="json", exclude_none=True)


def watchlist_example() -> dict[str, Any]:
    body = WatchlistIn.model_validate(watchlist_in_example())
    channel = {
        **body.channels[0].model_dump(exclude_none=True),
        "id": "c0ffee12",
        "secret": "generated-secret-shown-to-the-owner",
    }
    return Watchlist.model_validate(
        {
            **body.model_dump(exclude={"channels"}),
            "id": "0a4e6f1c2b3d5e7f",
            "user_id": _USER_ID,
            "channels": [channel],
            "created_at": _AT,
        }
    ).model_dump(mode="json")


def alert_example() -> dict[str, Any]:
    return AlertView.model_validate(
        {
            "id": "7c1f0a9e3b5d2c4e6f8a0b1c",
            "user_id": _USER_ID,
            "watchlist_id": "0a4e6f1c2b3d5e7f",
            "watchlist_name": "Eastern border",
            "article_id": "e3b0c44298fc1c149afbf4c8",
            "title": "Troops gather near the eastern border",
            "url": "https://news.example.org/world/border",
            "source": "Example Wire",
            "published_at": _AT,
            "score": 42.0,
            "matched_entities": ["Ukraine"],
            "matched_keywords": ["troops"],
            "reasons": ['entity "UA" matched Ukraine (GPE) by country code UA'],
            "sentences": ["More troops arrived at the border overnight."],
            "created_at": _AT,
        }
    ).model_dump(mode="json")
