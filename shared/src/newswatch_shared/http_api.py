"""Small rules every service's HTTP API follows, written once.

- Every 422 has FastAPI's own shape, ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``, also
  when the problem is found after parsing (a URL that canonicalises to nothing, a cursor this API did
  not make) and when the body cannot even be read as JSON text (Starlette answers that with a 400 of
  another shape): a client parses one error format, not two.
- A 405 names every method the path has (``Allow``), not only those of the first route that matched
  it: Starlette answers for one route, and FastAPI makes one route per method.
- A number in a body is a JSON number: ``false`` is not 0 (pydantic's lax mode would take it).
- A time is an ISO 8601 string; one without an offset means UTC (what a curl user typing
  ``2026-11-27T08:00`` means). A bare number is refused rather than read as seconds since 1970.

Schemathesis, run against each service's OpenAPI document in the suite, found the last three.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BeforeValidator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

__all__ = ["IsoDatetime", "JsonNumber", "as_utc", "install", "invalid"]

_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_UNREADABLE_BODY = "There was an error parsing the body"


def invalid(
    *loc: str | int, message: str, input: object = None, kind: str = "value_error"
) -> RequestValidationError:
    """A 422 naming where the problem is (``invalid("body", "url", message=...)``); ``kind`` is the
    stable ``type`` clients may branch on (``url_refused`` for an address the SSRF guard refuses)."""
    return RequestValidationError([{"type": kind, "loc": loc, "msg": message, "input": input}])


def as_utc(value: datetime | None) -> datetime | None:
    """``value`` in UTC; one without an offset is taken to be UTC already."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso_only(value: object) -> object:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError("expected an ISO 8601 date and time, such as 2026-11-27T08:00:00Z")
    return value


def _no_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    return value


#: A float field of a request body that takes JSON numbers only (ints included), never booleans.
JsonNumber = Annotated[float, BeforeValidator(_no_bool)]

#: A datetime parameter that takes ISO 8601 text only (pydantic alone also reads numbers as epochs).
IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only)]


def install(app: FastAPI) -> None:
    """Add the handlers behind the rules above to ``app``."""

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and exc.detail == _UNREADABLE_BODY:
            problem = {
                "type": "json_invalid",
                "loc": ["body"],
                "msg": "the body is not JSON text",
                "input": None,
            }
            return JSONResponse({"detail": [problem]}, status_code=422)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_methods(app, request))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    app.add_exception_handler(StarletteHTTPException, http_error)


def _methods(app: FastAPI, request: Request) -> list[str]:
    """Every method of every route whose path matches (a partial match: the path, not the method)."""
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)
