"""Small rules every service's HTTP API follows, written once.

- Every 422 has FastAPI's own shape, ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``, also
  when the problem is found after parsing (a URL that canonicalises to nothing, a cursor this API did
  not make): a client parses one error format, not two.
- A time given without an offset means UTC (what a curl user typing ``2026-11-27T08:00`` means).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.exceptions import RequestValidationError

__all__ = ["as_utc", "invalid"]


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
