"""Settings of the ingest service (env prefix ``NEWSWATCH_``; service fields start with ``ingest_``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from newswatch_ingest.urls import canonical_url
from newswatch_shared.settings import AdminSettings

__all__ = ["IngestSettings", "parse_feed_list"]


def parse_feed_list(text: str) -> list[str]:
    """URLs from a feeds file: one per line; blank lines and ``#`` comments ignored.

    A trailing comment needs whitespace before its ``#`` (a bare ``#`` would be a URL fragment).
    """
    urls: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            urls.append(re.split(r"\s#", stripped, maxsplit=1)[0].strip())
    return urls


class IngestSettings(AdminSettings):
    ingest_port: int = Field(default=8001, ge=1, le=65535, description="HTTP port of the ingest API.")
    ingest_feeds: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Feed URLs registered at start-up; comma-separated in the environment.",
    )
    ingest_feeds_file: Path | None = Field(
        default=None,
        description="Feeds registered at start-up: an OPML file, or one URL per line with # comments.",
    )
    ingest_poll_interval_s: float = Field(
        default=300.0, ge=1, description="Seconds between polls of a feed that has no interval of its own."
    )
    ingest_max_backoff_s: float = Field(
        default=21_600.0, ge=1, description="Longest wait between polls of a failing feed."
    )
    ingest_fetch_timeout_s: float = Field(
        default=20.0, gt=0, le=600, description="Limit for one whole fetch: connect, redirects, body."
    )
    ingest_max_concurrency: int = Field(default=8, ge=1, le=256, description="Feeds fetched at once.")
    ingest_max_per_host: int = Field(
        default=2, ge=1, le=256, description="Feeds fetched at once from one host (within the overall bound)."
    )
    ingest_disable_after_failures: int = Field(
        default=10, ge=0, description="Consecutive failed polls that disable a feed; 0 never disables."
    )
    ingest_max_age_cap_s: float = Field(
        default=86_400.0,
        ge=0,
        description="Longest Cache-Control max-age honoured when scheduling; 0 ignores max-age.",
    )
    ingest_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest feed body read; bigger ones fail."
    )
    ingest_max_article_chars: int = Field(
        default=100_000,
        ge=1_000,
        description="Longest title + summary + content of one article; more is cut (the article is marked "
        "`truncated`). Enrich reads 100,000 characters (NEWSWATCH_ENRICH_MAX_CHARS), so the default loses "
        "nothing it would analyse.",
    )
    ingest_seen_ttl_days: int = Field(
        default=30, ge=1, description="How long an article id is remembered as already published."
    )
    ingest_user_agent: str = Field(
        default="newswatch-ingest/0.1 (+feed poller)", min_length=1, description="User-Agent header."
    )
    ingest_adaptive_polling: bool = Field(
        default=True,
        description="Poll a healthy feed about twice per item it publishes, between "
        "NEWSWATCH_INGEST_MIN_POLL_INTERVAL_S and its configured interval; false polls every interval.",
    )
    ingest_min_poll_interval_s: float = Field(
        default=60.0,
        ge=1,
        description="Shortest adaptive interval between polls of one feed (never above its configured one).",
    )
    ingest_public_url: str | None = Field(
        default=None,
        description="Base URL at which WebSub hubs reach this service's API "
        "(e.g. https://ingest.example.org); unset turns WebSub off.",
    )
    ingest_websub_lease_s: int = Field(
        default=864_000, ge=60, le=31_536_000, description="WebSub lease asked of hubs, in seconds."
    )
    ingest_websub_poll_interval_s: float = Field(
        default=3_600.0,
        ge=1,
        description="Safety-net polling while a WebSub subscription is live: every this many seconds, or "
        "the feed's interval if longer.",
    )
    ingest_websub_pushes_per_min: int = Field(
        default=60, ge=1, description="Pushes taken per WebSub subscription per minute; more get 429."
    )

    @field_validator("ingest_feeds", mode="before")
    @classmethod
    def _split_feeds(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("ingest_feeds")
    @classmethod
    def _feeds_are_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            canonical_url(url)  # raises ValueError with the offending URL
        return value

    @field_validator("ingest_public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"{value!r} is not an http(s) base URL without query or fragment")
        return value.strip().rstrip("/")

    @property
    def websub_enabled(self) -> bool:
        return self.ingest_public_url is not None

    @property
    def seen_ttl_s(self) -> int:
        return self.ingest_seen_ttl_days * 86_400
