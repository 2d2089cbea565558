"""Random but realistic watchlists and enriched articles, drawn from one :class:`Vocabulary`.

Watchlist shapes, by share (mostly a country or entity AND one or two terms; some ORs, NOTs, phrases
and minimum scores):

====  ======================================================================================
38.5% ``country:CC AND term:T`` or ``country:CC AND (term:T1 OR term:T2)``
20%   the list fields: entities ``[E]`` or ``[CC]`` and keywords ``[T]`` or ``[T1, T2]``
10%   ``entity:"E" AND (term:T OR "w1 w2")``
 8%   ``country:CC AND "w1 w2"`` (a phrase)
 8%   with NOT: ``country:CC AND term:T NOT source:"S"`` / ``entity:"E" term:T NOT category:C``
 6%   ``(country:A OR country:B) AND term:T``
 5%   ``category:C AND entity:"E"``
 4%   ``country:CC AND w`` (one word)
0.3%  only a minimum score (80-95): filed by score, taken by the articles that reach it
0.2%  ``NOT source:"S"`` with a minimum score (no anchor: evaluated on every article)
====  ======================================================================================

On top, 15% carry a min_score of 20-60 and 10% ask for English only. Articles name 1-3 countries
and 2-8 entities, hold 0-6 escalation matches and 400-550 words of text built from the same words,
names and term variants, skewed by the same popularity weights.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

from vocab import Place, TaxonomyTerm, Vocabulary

from newswatch_alert.watchlists.models import Watchlist, WatchlistIn
from newswatch_shared.schemas import EnrichedArticle, Entity, EscalationMatch, RawArticle

__all__ = ["as_input", "make_articles", "make_watchlists"]

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class _Draw:
    def __init__(self, vocab: Vocabulary, rng: random.Random) -> None:
        self.v = vocab
        self.rng = rng
        self._countries = _cumulative(vocab.country_weights)
        self._entities = _cumulative(vocab.entity_weights)
        self._terms = _cumulative(vocab.term_weights)
        self._words = _cumulative(vocab.word_weights)

    def country(self) -> str:
        return self.rng.choices(self.v.countries, cum_weights=self._countries)[0]

    def entity(self) -> Place:
        return self.rng.choices(self.v.entities, cum_weights=self._entities)[0]

    def term(self) -> TaxonomyTerm:
        return self.rng.choices(self.v.terms, cum_weights=self._terms)[0]

    def words(self, n: int) -> list[str]:
        return self.rng.choices(self.v.words, cum_weights=self._words, k=n)

    def rare_phrase(self) -> str:
        # phrases users write are content words: drawn uniformly, not by frequency
        return " ".join(self.rng.sample(self.v.watch_words, 2))


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out: list[float] = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _q(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


def _query(d: _Draw) -> tuple[str | None, list[str], list[str], float]:
    """(query, entities, keywords, min_score) of one watchlist."""
    r = d.rng.random()
    v = d.v
    country, term = d.country(), _q(d.term().term)
    if r < 0.385:
        if d.rng.random() < 0.5:
            return f"country:{country} AND term:{term}", [], [], 0.0
        return f"country:{country} AND (term:{term} OR term:{_q(d.term().term)})", [], [], 0.0
    if r < 0.585:
        entities = [d.entity().canonical if d.rng.random() < 0.6 else country]
        keywords = list(dict.fromkeys(d.term().term for _ in range(d.rng.choice((1, 2)))))
        return None, entities, keywords, 0.0
    entity = _q(d.entity().canonical)
    if r < 0.685:
        return f"entity:{entity} AND (term:{term} OR {_q(d.rare_phrase())})", [], [], 0.0
    if r < 0.765:
        return f"country:{country} AND {_q(d.rare_phrase())}", [], [], 0.0
    if r < 0.845:
        if d.rng.random() < 0.5:
            return f"country:{country} AND term:{term} NOT source:{_q(d.rng.choice(v.sources))}", [], [], 0.0
        return f"entity:{entity} term:{term} NOT category:{d.rng.choice(v.categories)}", [], [], 0.0
    if r < 0.905:
        return f"(country:{country} OR country:{d.country()}) AND term:{term}", [], [], 0.0
    if r < 0.955:
        return f"category:{d.rng.choice(v.categories)} AND entity:{entity}", [], [], 0.0
    if r < 0.995:
        return f"country:{country} AND {_q(d.rng.choice(v.watch_words))}", [], [], 0.0
    if r < 0.998:
        return None, [], [], float(d.rng.randint(80, 95))
    return f"NOT source:{_q(d.rng.choice(v.sources))}", [], [], float(d.rng.randint(80, 95))


def make_watchlists(vocab: Vocabulary, n: int, seed: int) -> list[Watchlist]:
    d = _Draw(vocab, random.Random(seed))
    found: list[Watchlist] = []
    for i in range(n):
        query, entities, keywords, min_score = _query(d)
        if not min_score and d.rng.random() < 0.15:
            min_score = float(d.rng.randint(20, 60))
        found.append(
            Watchlist.model_construct(
                id=f"w{i:06d}",
                user_id=f"u{i % 5000:04d}",
                name=f"watchlist {i}",
                entities=entities,
                keywords=keywords,
                query=query,
                min_score=min_score,
                languages=["en"] if d.rng.random() < 0.10 else [],
                mode="immediate",
                enabled=True,
                channels=[],
                created_at=NOW,
            )
        )
    return found


def _article(d: _Draw, i: int) -> EnrichedArticle:
    rng = d.rng
    countries = list(dict.fromkeys(d.country() for _ in range(rng.randint(1, 3))))
    places = list({p.canonical: p for p in (d.entity() for _ in range(rng.randint(2, 8)))}.values())
    entities = [Entity(text=c, label="GPE", canonical=c, country=c) for c in countries]
    entities += [
        Entity(text=p.canonical, label=p.label, canonical=p.canonical, country=p.country) for p in places
    ]
    occurrences = [d.term() for _ in range(rng.choice((0, 1, 2, 2, 3, 4, 6)))]
    weights = [rng.uniform(1.0, 4.0) for _ in occurrences]
    names = [e.text for e in entities] + [rng.choice((t.term, *t.variants)) for t in occurrences]

    def sentence(n: int) -> str:
        words = d.words(n)
        if names and rng.random() < 0.5:
            words.insert(rng.randrange(len(words)), rng.choice(names))
        return " ".join(words).capitalize() + "."

    title = sentence(rng.randint(8, 12))
    summary = sentence(rng.randint(20, 30))
    content = " ".join(sentence(rng.randint(12, 20)) for _ in range(rng.randint(25, 32)))
    escalation = [
        EscalationMatch(
            term=t.term, category=t.category, weight=w, text=t.term, start=0, end=len(t.term), sentence=title
        )
        for t, w in zip(occurrences, weights, strict=True)
    ]
    raw = RawArticle(
        id=f"a{i:05d}",
        url=f"https://news.example/a{i}",
        title=title,
        summary=summary,
        content=content,
        published_at=NOW,
        feed_id=f"feed-{i % 40}",
        feed_title=d.v.sources[i % 40],
        fetched_at=NOW,
    )
    return EnrichedArticle(
        article=raw,
        language=rng.choices(("en", "de", "fr"), weights=(85, 10, 5))[0],
        entities=entities,
        escalation=escalation,
        score=round(100 * (1 - math.exp(-sum(weights) / 10)), 1),
        enriched_at=NOW,
    )


def make_articles(vocab: Vocabulary, n: int, seed: int) -> list[EnrichedArticle]:
    d = _Draw(vocab, random.Random(seed))
    return [_article(d, i) for i in range(n)]


def as_input(w: Watchlist) -> WatchlistIn:
    """A generated watchlist as a user sends it to ``POST /watchlists``, for benchmarks that store them
    through the service's own code (bench/e2e, bench/redis-sizing)."""
    return WatchlistIn.model_validate(
        {
            "name": w.name,
            "entities": w.entities,
            "keywords": w.keywords,
            "query": w.query,
            "min_score": w.min_score,
            "languages": w.languages,
        }
    )
