"""Prometheus metrics of the enrich service, defined once per process (apps are built many times in tests)."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter, Histogram

from newswatch_enrich.enricher import is_english
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["ARTICLES", "ESCALATION_MATCHES", "NLP_SECONDS", "TAG_REQUESTS", "record_batch"]

ARTICLES = Counter(
    "newswatch_enrich_articles_total",
    "Articles enriched, by outcome (analysed, or skipped for not being English).",
    ["outcome"],
)
ESCALATION_MATCHES = Counter(
    "newswatch_enrich_escalation_matches_total",
    "Escalation matches found in consumed articles, by taxonomy category.",
    ["category"],
)
TAG_REQUESTS = Counter("newswatch_enrich_tag_requests_total", "POST /tag requests answered.")
NLP_SECONDS = Histogram(
    "newswatch_enrich_nlp_seconds",
    "Time spaCy and matching took for one consumed batch.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def record_batch(enriched: Sequence[EnrichedArticle], seconds: float) -> None:
    NLP_SECONDS.observe(seconds)
    for article in enriched:
        ARTICLES.labels("analysed" if is_english(article.language) else "skipped_language").inc()
        for match in article.escalation:
            ESCALATION_MATCHES.labels(match.category).inc()
