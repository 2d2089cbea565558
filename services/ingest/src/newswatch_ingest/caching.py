"""How long a response says it stays fresh: the earliest a polite poller asks again.

RFC 9111: ``Cache-Control: max-age`` wins over ``Expires``; ``Expires`` counts from the response's
``Date`` (our clock when it has none), and an ``Age`` already spent in a cache is subtracted. An
invalid ``Expires`` (often ``0`` or ``-1``) means "already stale". ``no-cache`` / ``no-store`` say
nothing about how often to poll, so alone they give no figure. The value is not capped here: the poller
decides how much of it to honour.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["freshness_s"]

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def freshness_s(
    cache_control: str | None,
    expires: str | None,
    date: str | None,
    age: str | None,
    now: datetime,
) -> float | None:
    """Seconds the response stays fresh (≥ 0), or None when it gives no figure."""
    spent = float(age) if age and age.strip().isdigit() else 0.0
    match = _MAX_AGE.search(cache_control or "")
    if match:
        return max(float(match.group(1)) - spent, 0.0)
    if expires is None:
        return None
    until = _http_date(expires)
    if until is None:
        return 0.0
    origin = _http_date(date) or now
    return max((until - origin).total_seconds() - spent, 0.0)
