"""A feed as the API shows it, and how it is stored in its Redis hash. Pure: no I/O.

Every value in the hash is a string; empty means "none". Fields written by older versions are read
with the same defaults a new feed gets (a hash without ``enabled`` is enabled).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from newswatch_ingest.activity import items_per_day

__all__ = ["Feed", "dump_json", "feed_from_hash", "iso", "load_json"]


class Feed(BaseModel):
    """A registered feed and its health, as ``GET /feeds`` shows it."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable id: a hash of the URL the feed was first registered with.")
    url: str = Field(description="Canonical URL polled now (follows permanent redirects).")
    title: str = Field(description="The title given when the feed was added, else the feed's own.")
    custom_title: str = Field(default="", exclude=True)
    tags: tuple[str, ...] = ()
    interval_s: float = Field(description="Seconds between polls of this feed when it is healthy.")
    custom_interval_s: float | None = Field(default=None, exclude=True)
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, description="Why the feed is not polled.")
    disabled_at: datetime | None = None
    added_at: datetime
    moved_from: str | None = Field(default=None, description="URL before the last permanent redirect.")
    last_fetch_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: int | None = Field(default=None, description="HTTP status of the last fetch.")
    last_error: str | None = Field(default=None, description="Why the last poll failed, as a sentence.")
    last_error_kind: str | None = Field(default=None, description="Stable key of the last error.")
    last_warning: str | None = Field(default=None, description="A problem the last poll worked around.")
    consecutive_failures: int = 0
    next_poll_at: datetime | None = Field(default=None, description="None while the feed is disabled.")
    items_seen: int = Field(default=0, description="Entries in the last document read.")
    items_per_day: float = Field(default=0.0, description="New articles per day over the last 7 days.")
    articles_published: int = Field(default=0, description="New articles published from this feed.")
    recent_counts: dict[str, int] = Field(default_factory=dict, exclude=True)
    last_push_at: datetime | None = Field(
        default=None, description="When a WebSub hub last pushed new articles of this feed."
    )
    recent_polls: tuple[tuple[float, int], ...] = Field(default=(), exclude=True)
    poll_interval_s: float | None = Field(
        default=None,
        description="Seconds the last successful poll waited for the next one, before jitter: the adaptive "
        "interval (at most interval_s), or the safety-net interval while a WebSub subscription is live.",
    )
    etag: str | None = None
    last_modified: str | None = None


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def dump_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def load_json(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def feed_from_hash(feed_id: str, raw: Mapping[str, str], *, now: datetime, default_interval_s: float) -> Feed:
    """The :class:`Feed` stored in ``raw`` (the feed's hash, decoded)."""

    def opt(name: str) -> str | None:
        return raw.get(name) or None

    custom = raw.get("custom_title", "")
    custom_interval = float(raw["custom_interval"]) if raw.get("custom_interval") else None
    enabled = raw.get("enabled", "1") != "0"
    counts = {str(k): int(v) for k, v in load_json(raw.get("daily"), {}).items() if isinstance(v, int)}
    polls = tuple(
        (float(p[0]), int(p[1]))
        for p in load_json(raw.get("polls"), [])
        if isinstance(p, list) and len(p) == 2 and all(isinstance(x, int | float) for x in p)
    )
    added_at = datetime.fromisoformat(raw["added_at"])
    return Feed.model_validate(
        {
            "id": feed_id,
            "url": raw["url"],
            "title": custom or raw.get("feed_title", ""),
            "custom_title": custom,
            "tags": tuple(load_json(raw.get("tags"), [])),
            "interval_s": custom_interval or default_interval_s,
            "custom_interval_s": custom_interval,
            "enabled": enabled,
            "disabled_reason": None if enabled else opt("disabled_reason"),
            "disabled_at": None if enabled else opt("disabled_at"),
            "added_at": added_at,
            "moved_from": opt("moved_from"),
            "last_fetch_at": opt("last_fetch_at"),
            "last_success_at": opt("last_success_at"),
            "last_status": opt("last_status"),
            "last_error": opt("last_error"),
            "last_error_kind": opt("last_error_kind"),
            "last_warning": opt("last_warning"),
            "consecutive_failures": raw.get("consecutive_failures") or 0,
            "next_poll_at": opt("next_poll_at") if enabled else None,
            "items_seen": raw.get("items_seen") or 0,
            "items_per_day": items_per_day(counts, now, added_at),
            "articles_published": raw.get("articles_published") or 0,
            "recent_counts": counts,
            "recent_polls": polls,
            "poll_interval_s": opt("poll_interval"),
            "last_push_at": opt("last_push_at"),
            "etag": opt("etag"),
            "last_modified": opt("last_modified"),
        }
    )
