"""Prometheus metrics of the ingest service (module level: one registration per process)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = [
    "ARTICLES_DUPLICATE",
    "ARTICLES_PUBLISHED",
    "ENTRIES_SKIPPED",
    "FETCH_SECONDS",
    "POLLS",
]

POLLS = Counter(
    "newswatch_ingest_polls_total",
    "Feed polls by outcome: ok, not_modified, or the stable error kind.",
    ["outcome"],
)
ARTICLES_PUBLISHED = Counter(
    "newswatch_ingest_articles_published_total", "New articles acknowledged by the broker."
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
    "Time to fetch one feed, from request to last byte.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60),
)
