"""What an HTTP answer means for a feed: modified or not, which error, and when to try again.

Pure: takes the status and headers, never a client, so every branch is a table row in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Literal

from newswatch_shared.retry import parse_retry_after

__all__ = ["Verdict", "classify_response"]


@dataclass(frozen=True)
class Verdict:
    outcome: Literal["ok", "not_modified", "error"]
    message: str = ""
    retry_after_s: float | None = None

    @property
    def modified(self) -> bool:
        return self.outcome == "ok"


def _reason(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def classify_response(status: int, retry_after: str | None, now: datetime) -> Verdict:
    """Classify a final (post-redirect) response."""
    if status == 304:
        return Verdict("not_modified")
    if 200 <= status < 300:
        return Verdict("ok")
    wait = parse_retry_after(retry_after, now) if status in (429, 503) else None
    if status in (401, 403):
        hint = " The feed may need credentials or block our User-Agent."
    elif status in (404, 410):
        hint = " Check that the feed URL is still right."
    elif status == 429:
        hint = " The server asks us to poll less often."
    else:
        hint = ""
    return Verdict("error", f"The server answered HTTP {_reason(status)}.{hint}", wait)
