"""Topic names: the wire between services.

articles.raw       ingest → enrich      key: article id    value: RawArticle
articles.enriched  enrich → alert       key: article id    value: EnrichedArticle
alerts             alert  → consumers   key: user id       value: AlertEvent
newswatch.deadletter  any  → operators  key: source key    value: the original bytes, error in headers
"""

from __future__ import annotations

__all__ = ["ALERTS", "ALL_TOPICS", "ARTICLES_ENRICHED", "ARTICLES_RAW", "DEAD_LETTER"]

ARTICLES_RAW = "articles.raw"
ARTICLES_ENRICHED = "articles.enriched"
ALERTS = "alerts"
DEAD_LETTER = "newswatch.deadletter"

ALL_TOPICS: tuple[str, ...] = (ARTICLES_RAW, ARTICLES_ENRICHED, ALERTS, DEAD_LETTER)
