"""What the OpenAPI document says beyond the routes themselves: error shapes and examples.

Every router of the service (users, keys, watchlists, alerts, the live feed) uses :func:`errors` so
each endpoint lists the errors it can answer with, in one wording, and :func:`example` for a success
example. Each capability builds its examples from its own models (``users.api``, ``watchlists.api``,
``alerts.api``), so they always validate against them: a field added to a model shows up in the
example with its default. :data:`EXAMPLE_TIME` and :data:`EXAMPLE_USER_ID` keep them telling one story.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EXAMPLE_TIME", "EXAMPLE_USER_ID", "ErrorOut", "errors", "example"]

#: The moment and the user every example of the API documentation speaks of.
EXAMPLE_TIME = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
EXAMPLE_USER_ID = "5d1e0c9a7b3f2e41"


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
