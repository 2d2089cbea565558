"""Enrich on text Hypothesis makes up: it never crashes, and what it returns always holds together.

A message enrich cannot handle is dead-lettered (never lost, never a stalled partition), but a text
that crashes the tagger would still be an article nobody hears about. So: for any title and body —
random Unicode, escalation vocabulary in odd company, repeated and negated terms, stray markup —
enrich returns an article that encodes for Kafka, whose escalation offsets point inside the text at
the words they name, whose score is in 0–100 and equals the sum of its contributions.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswatch_enrich.enricher import Enricher
from newswatch_shared.schemas import EnrichedArticle, RawArticle, decode, encode

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
VOCABULARY = [
    "troops", "invasion", "sanctions", "Nord Stream 2", "Ukraine", "Kyiv", "Moscow", "NATO", "no", "not",
    "denied", "may", "embargo", "tanks", "artillery", "border", "Crimea", "U.S.", "E.U.", "—", "'s",
    "<b>", "&amp;", "\n\n", "...", "100,000", "Україна", "Київ", "войска", "القوات", "部队", "🚀",
]  # fmt: skip

words = st.one_of(st.sampled_from(VOCABULARY), st.text(min_size=1, max_size=12))
texts = st.lists(words, max_size=80).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=texts, body=texts, language=st.sampled_from([None, "en", "en-GB", "uk", "xx"]))
def test_enrich_holds_together_on_any_text(
    enricher: Enricher, title: str, body: str, language: str | None
) -> None:
    article = RawArticle(
        id="fuzz",
        url="",
        title=title,
        content=body,
        language=language,
        published_at=NOW,
        feed_id="f",
        fetched_at=NOW,
    )
    (enriched,) = enricher.enrich([article], NOW)
    assert decode(EnrichedArticle, encode(enriched)) == enriched  # goes through Kafka unchanged
    assert 0 <= enriched.score <= 100 and math.isfinite(enriched.score)
    assert math.isclose(sum(c.points for c in enriched.contributions), enriched.score, abs_tol=1e-6)
    text = article.text
    for match in enriched.escalation:
        assert 0 <= match.start <= match.end <= len(text)
        assert text[match.start : match.end] == match.text
