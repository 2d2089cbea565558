"""Prometheus metrics of the ingest service (module level: one registration per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ARTICLES_DUPLICATE",
    "ARTICLES_PUBLISHED",
    "ARTICLES_REFUSED",
    "ENTRIES_SKIPPED",
    "FEEDS",
    "FEEDS_DISABLED",
    "FEEDS_MOVED",
    "FETCH_SECONDS",
    "POLLS",
    "POLLS_DEFERRED",
    "POLLS_IN_FLIGHT",
    "WEBSUB_PUSHES",
    "WEBSUB_REQUESTS",
    "WEBSUB_VERIFICATIONS",
]

POLLS = Counter(
    "newswatch_ingest_polls_total",
    "Feed polls by outcome: ok, not_modified, or the stable error kind (timeout, http_status, parse, …).",
    ["outcome"],
)
ARTICLES_PUBLISHED = Counter(
    "newswatch_ingest_articles_published_total", "New articles acknowledged by the broker."
)
ARTICLES_REFUSED = Counter(
    "newswatch_ingest_articles_refused_total",
    "Articles never published: over the message size limit even after cutting their text.",
)
ARTICLES_DUPLICATE = Counter(
    "newswatch_ingest_articles_duplicate_total",
    "Entries skipped because their article was already published (by this or another feed).",
)
ENTRIES_SKIPPED = Counter(
    "newswatch_ingest_entries_skipped_total", "Entries that could not become articles (no link, no GUID)."
)
FETCH_SECONDS = Histogram(
    "newswatch_ingest_fetch_seconds",
    "Time to fetch one feed, from request to last byte (failed fetches included).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60),
)
FEEDS_DISABLED = Counter(
    "newswatch_ingest_feeds_disabled_total",
    "Feeds disabled, by reason: failures (too many in a row), moved (to a URL another feed has), admin.",
    ["reason"],
)
FEEDS_MOVED = Counter(
    "newswatch_ingest_feeds_moved_total", "Feeds whose URL changed after a permanent redirect."
)
FEEDS = Gauge(
    "newswatch_ingest_feeds",
    "Registered feeds by state (enabled, disabled), as last read from Redis by this replica.",
    ["state"],
)
POLLS_IN_FLIGHT = Gauge("newswatch_ingest_polls_in_flight", "Feeds this replica is polling right now.")
POLLS_DEFERRED = Counter(
    "newswatch_ingest_polls_deferred_total",
    "Times a due feed was passed over because its host already had the most fetches allowed at once.",
)
WEBSUB_REQUESTS = Counter(
    "newswatch_ingest_websub_requests_total",
    "Subscription requests sent to WebSub hubs, by mode (subscribe, unsubscribe) and outcome (ok, failed).",
    ["mode", "outcome"],
)
WEBSUB_VERIFICATIONS = Counter(
    "newswatch_ingest_websub_verifications_total",
    "Verification requests from hubs, by mode and outcome (confirmed, denied, refused).",
    ["mode", "outcome"],
)
WEBSUB_PUSHES = Counter(
    "newswatch_ingest_websub_pushes_total",
    "Content pushed by hubs, by outcome: ok, bad_signature, unknown, gone, too_large, rate_limited, busy, "
    "unreadable, publish_failed.",
    ["outcome"],
)
