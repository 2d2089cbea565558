"""Enriched articles for the live feed tests, built like enrich builds them (offsets into the text).

All text is written for these tests.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from newswatch_shared.schemas import EnrichedArticle, Entity, EscalationMatch, RawArticle

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)

# (term, category, surface text)
TERMS = [
    ("troops", "military", "troops"),
    ("sanctions", "economic", "sanctions"),
    ("invasion", "military", "invasion"),
    ("evacuation", "humanitarian", "evacuation"),
    ("talks", "diplomatic", "talks"),
]
# (text, label, canonical, country)
ENTITIES = [
    ("Ukraine", "GPE", "Ukraine", "UA"),
    ("Kyiv", "GPE", "Kyiv", "UA"),
    ("Moscow", "GPE", "Moscow", "RU"),
    ("Poland", "GPE", "Poland", "PL"),
    ("Nord Stream 2", "FAC", "Nord Stream 2", None),
    ("NATO", "ORG", "NATO", None),
]
SOURCES = ["Example Wire", "Daily Ledger", "Harbour Post"]
FILLER = ["harvest", "weather", "market", "river", "bridge", "council"]


def article(
    article_id: str,
    *,
    title: str,
    summary: str = "",
    content: str = "",
    published_at: datetime = T0,
    entities: list[tuple[str, str, str, str | None]] | None = None,
    terms: list[tuple[str, str, str]] | None = None,
    score: float = 0.0,
    source: str = "Example Wire",
    language: str | None = "en",
) -> EnrichedArticle:
    """An enriched article; each term's first occurrence in ``RawArticle.text`` gets its offsets."""
    raw = RawArticle(
        id=article_id,
        url=f"https://news.example/{article_id}",
        title=title,
        summary=summary,
        content=content,
        published_at=published_at,
        language=language,
        feed_id="feed-1",
        feed_title=source,
        feed_url="https://news.example/rss",
        fetched_at=published_at,
    )
    text = raw.text
    matches: list[EscalationMatch] = []
    for name, category, surface in terms or []:
        start = text.lower().find(surface.lower())
        if start < 0:
            raise ValueError(f"{surface!r} is not in the text of {article_id}")
        matches.append(
            EscalationMatch(
                term=name,
                category=category,
                weight=3.0,
                text=text[start : start + len(surface)],
                start=start,
                end=start + len(surface),
                sentence=title,
            )
        )
    return EnrichedArticle(
        article=raw,
        language=language,
        entities=[Entity(text=t, label=lbl, canonical=c, country=cc) for t, lbl, c, cc in entities or []],
        escalation=matches,
        score=score,
        enriched_at=published_at,
    )


def random_articles(n: int, seed: int, *, start: datetime = T0) -> list[EnrichedArticle]:
    """``n`` varied articles: a few share a published time (ties), ids of different lengths."""
    rng = random.Random(seed)
    out: list[EnrichedArticle] = []
    for i in range(n):
        picked_entities = rng.sample(ENTITIES, rng.randint(0, 3))
        picked_terms = rng.sample(TERMS, rng.randint(0, 2))
        words = [rng.choice(FILLER) for _ in range(3)]
        title = " ".join(
            [e[0] for e in picked_entities[:1]] + [t[2] for t in picked_terms] + words[:2]
        ).capitalize()
        summary = " ".join([e[0] for e in picked_entities[1:]] + words[1:] + ["report"])
        minutes = rng.choice([i * 7, i * 7, (i - 1) * 7])  # some ties with the previous article
        out.append(
            article(
                f"a{i}" if i % 3 else f"a{i}x",  # ids with shared prefixes: a1, a10, a12x, …
                title=title,
                summary=summary,
                content=f"The {words[2]} story continues.",
                published_at=start + timedelta(minutes=max(0, minutes)),
                entities=picked_entities,
                terms=picked_terms,
                score=round(rng.uniform(0, 90), 1) if picked_terms else 0.0,
                source=rng.choice(SOURCES),
                language=rng.choice(["en", "en", "en-GB", "de"]),
            )
        )
    return out
