"""Property: for any watchlists and any article drawn from a small vocabulary, the indexed matcher
returns exactly what the naive loop (evaluate every watchlist) returns — also after updates.

Escalation matches carry concepts (own, then broader) or none (an older enricher, for which the scheme's
broader chain stands in), and some list shorter terms in ``also``, so ``term:sanctions`` finds narrower
matches through keys the index must hold."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch_alert.watchlists.index import WatchlistIndex
from newswatch_alert.watchlists.match import PreparedArticle, match
from newswatch_alert.watchlists.models import Watchlist
from newswatch_alert.watchlists.query import And, Node, Not, Or, render, term
from newswatch_shared.concepts import parse_scheme
from newswatch_shared.schemas import EnrichedArticle, Entity, EscalationMatch, RawArticle

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PLACES = {"Kyiv": "UA", "Crimea": "UA", "Minsk": "BY", "Moscow": "RU", "NATO": None}
TERMS = {
    "troops": "military",
    "invasion": "military",
    "sanctions": "economic",
    "talks": "diplomatic",
    "asset freeze": "economic",
    "arms embargo": "economic",
    "embargo": "economic",
}
BROADER = {"asset freeze": ["sanctions"], "embargo": ["sanctions"], "arms embargo": ["embargo"]}
SCHEME = parse_scheme(
    {
        "version": "t",
        "categories": {c: {} for c in [*TERMS.values(), "energy"]},
        "terms": [{"term": t, "category": c, "broader": BROADER.get(t, [])} for t, c in TERMS.items()],
    }
)
SOURCES = ["Example Wire", "Other Wire"]
WORDS = ["border", "gas", "pipeline", "talks", "ceasefire", "the"]
LEAF_VALUES = {
    "entity": [*PLACES, "UA", "Belarus"],
    "country": ["UA", "BY", "RU", "PL"],
    "term": [*TERMS, "nord stream 2"],  # a stored name the scheme no longer knows still matches exactly
    "category": [*sorted(set(TERMS.values())), "energy"],
    "source": [*SOURCES, "feed-1"],
    "text": [*WORDS, "gas pipeline", "pipeline gas"],
}

leaf = st.sampled_from(sorted(LEAF_VALUES)).flatmap(
    lambda field: st.sampled_from(LEAF_VALUES[field]).map(lambda value: term(field, value))  # type: ignore[arg-type]
)


def _tree(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(many.map(And), many.map(Or), children.map(Not))


queries = st.recursive(leaf, _tree, max_leaves=6).map(render)


@st.composite
def watchlists(draw: st.DrawFn, n: int) -> Watchlist:
    query = draw(st.one_of(st.none(), queries))
    entities = draw(st.lists(st.sampled_from(LEAF_VALUES["entity"]), max_size=2, unique=True))
    keywords = draw(st.lists(st.sampled_from([*TERMS, *WORDS, "gas pipeline"]), max_size=2, unique=True))
    return Watchlist(
        id=f"w{n:03d}",
        user_id="u",
        name="w",
        entities=entities,
        keywords=keywords,
        query=query,
        min_score=draw(st.sampled_from([0.0, 0.0, 20.0, 50.0])),
        languages=draw(st.sampled_from([[], [], ["en"], ["de", "en"]])),
        enabled=draw(st.booleans() | st.just(True)),
        channels=[],
        created_at=NOW,
    )


@st.composite
def articles(draw: st.DrawFn) -> EnrichedArticle:
    places = draw(st.lists(st.sampled_from(sorted(PLACES)), max_size=3, unique=True))
    terms = draw(st.lists(st.sampled_from(sorted(TERMS)), max_size=3, unique=True))
    text = [" ".join(draw(st.lists(st.sampled_from(WORDS), max_size=6))) for _ in range(3)]
    raw = RawArticle(
        id="a",
        url="https://news.example/a",
        title=text[0],
        summary=text[1],
        content=text[2],
        published_at=NOW,
        feed_id="feed-1",
        feed_title=draw(st.sampled_from(SOURCES)),
        fetched_at=NOW,
    )
    return EnrichedArticle(
        article=raw,
        language=draw(st.sampled_from([None, "en", "en-GB", "de"])),
        entities=[Entity(text=p, label="GPE", canonical=p, country=PLACES[p]) for p in places],
        escalation=[
            EscalationMatch(
                term=t,
                # as a current enricher writes them, or none (older enrichers: the scheme's chain counts)
                concepts=list(SCHEME.broader_chain(t)) if draw(st.booleans()) else [],
                also=draw(st.lists(st.sampled_from(sorted(TERMS)), max_size=1)),
                category=TERMS[t],
                weight=1.0,
                text=t,
                start=0,
                end=len(t),
                sentence=t,
            )
            for t in terms
        ],
        score=draw(st.sampled_from([0.0, 25.0, 60.0])),
        enriched_at=NOW,
    )


def naive(all_watchlists: list[Watchlist], article: EnrichedArticle) -> list[str]:
    prepared = PreparedArticle(article, SCHEME)
    return sorted(w.id for w in all_watchlists if match(w, prepared) is not None)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 20).flatmap(lambda n: st.tuples(*(watchlists(i) for i in range(n)))), articles())
def test_indexed_and_naive_matchers_agree(drawn: tuple[Watchlist, ...], article: EnrichedArticle) -> None:
    all_watchlists = list(drawn)
    index = WatchlistIndex(all_watchlists)
    prepared = PreparedArticle(article, SCHEME)
    expected = naive(all_watchlists, article)
    assert [w.id for w, _ in index.matches(prepared)] == expected
    assert [c.watchlist.id for c in index.matching(prepared)] == expected
    candidates = {c.watchlist.id for c in index.candidates(prepared)}
    assert set(expected) <= candidates


@settings(max_examples=50, deadline=None)
@given(
    st.tuples(*(watchlists(i) for i in range(12))),
    st.tuples(*(watchlists(i) for i in range(12))),
    st.lists(st.integers(0, 11), max_size=6),
    articles(),
)
def test_incremental_updates_agree_with_a_fresh_index(
    first: tuple[Watchlist, ...], second: tuple[Watchlist, ...], removed: list[int], article: EnrichedArticle
) -> None:
    index = WatchlistIndex(first)
    current = {w.id: w for w in first}
    for changed in second[::2]:  # PATCH half of them
        index.add(changed)
        current[changed.id] = changed
    for i in removed:  # delete some
        index.remove(f"w{i:03d}")
        current.pop(f"w{i:03d}", None)
    assert len(index) == sum(1 for w in current.values() if w.enabled)
    prepared = PreparedArticle(article, SCHEME)
    assert [w.id for w, _ in index.matches(prepared)] == naive(list(current.values()), article)
