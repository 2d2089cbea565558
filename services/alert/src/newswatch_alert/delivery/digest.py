"""Digests: a watchlist in ``hourly`` or ``daily`` mode gets one message per period and channel.

Periods are fixed UTC windows, ``[HH:00, HH+1:00)`` or ``[00:00, 24:00)``: an alert belongs to the
period holding its creation time. The digest id is derived from (watchlist, mode, period start), so
every replica and every redelivery names the same digest, and it is the idempotency key of the one
message each channel gets for that period. How a digest is collected and sent is in docs/alert.md;
this module holds the pure parts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import AlertEvent, UtcDatetime

__all__ = ["DigestEvent", "DigestInfo", "DigestMode", "digest_id", "digest_mode", "period_of"]

DigestMode = Literal["hourly", "daily"]
_PERIOD_S: dict[str, int] = {"hourly": 3600, "daily": 86400}


def digest_mode(watchlist: object) -> DigestMode | None:
    """The watchlist's digest mode, or None when it delivers each alert at once.

    Read with a default so watchlists stored before modes existed (and any mode this version does not
    know) deliver immediately: an alert is never held back by a mode we cannot schedule.
    """
    mode = getattr(watchlist, "mode", "immediate")
    if mode == "hourly":
        return "hourly"
    if mode == "daily":
        return "daily"
    return None


def period_of(mode: DigestMode, moment: datetime) -> tuple[datetime, datetime]:
    """The UTC period holding ``moment``: (start, end), end exclusive.

    Unix time has no leap seconds, so whole hours and days of epoch seconds are UTC hours and days.
    """
    length = _PERIOD_S[mode]
    start_s = int(moment.timestamp()) // length * length
    start = datetime.fromtimestamp(start_s, UTC)
    return start, start + timedelta(seconds=length)


def digest_id(watchlist_id: str, mode: DigestMode, period_start: datetime) -> str:
    return stable_id("digest", watchlist_id, mode, period_start.astimezone(UTC).isoformat())


class DigestInfo(BaseModel):
    """A digest's identity, stored when its first alert arrives."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    user_id: str
    watchlist_id: str
    watchlist_name: str
    mode: DigestMode
    period_start: UtcDatetime
    period_end: UtcDatetime


class DigestEvent(DigestInfo):
    """The JSON body a webhook receives for a digest (``type`` tells it from a single alert).

    ``alerts`` holds the first ``NEWSWATCH_ALERT_DIGEST_MAX_ITEMS`` alerts of the period, oldest first;
    ``total`` counts them all (GET /alerts lists every one).
    """

    type: Literal["digest"] = "digest"
    total: int
    alerts: list[AlertEvent]
