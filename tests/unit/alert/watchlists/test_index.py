"""The inverted index finds exactly the watchlists a brute-force scan would match."""

from __future__ import annotations

import itertools

from newswatch_alert.watchlists.index import WatchlistIndex
from newswatch_alert.watchlists.match import PreparedArticle, match
from newswatch_alert.watchlists.models import Watchlist
from tests.unit.alert.samples import enriched, entity, term, watchlist

ENTITY_CHOICES = [[], ["Ukraine"], ["UA"], ["Ukrainian"], ["Belarus"], ["NATO", "Kyiv"]]
KEYWORD_CHOICES = [[], ["troops"], ["armoured vehicles"], ["troop"], ["invasion"], ["nord stream 2", "x"]]

ARTICLES = [
    enriched(),
    enriched(article_id="art-2", entities=[], escalation=[]),
    enriched(
        article_id="art-3",
        title="Alliance ministers meet",
        summary="",
        content="NATO ministers discussed an invasion scenario.",
        entities=[entity("NATO", "ORG", "NATO")],
        escalation=[term("invasion", "invasion", "NATO ministers discussed an invasion scenario.")],
    ),
]


def all_watchlists() -> list[Watchlist]:
    found: list[Watchlist] = []
    for i, (ents, kws) in enumerate(itertools.product(ENTITY_CHOICES, KEYWORD_CHOICES)):
        if ents or kws:
            found.append(watchlist(ents, kws, watchlist_id=f"wl-{i:02d}"))
    return found


def test_index_agrees_with_brute_force() -> None:
    watchlists = all_watchlists()
    index = WatchlistIndex(watchlists)
    assert len(index) == len(watchlists)
    total = 0
    for article in ARTICLES:
        expected = [w.id for w in watchlists if match(w, article) is not None]
        got = [w.id for w, _ in index.matches(article)]
        assert got == sorted(expected)
        total += len(got)
    assert total > 10  # the table exercises matches, not only misses


def test_candidates_skip_unrelated_watchlists() -> None:
    index = WatchlistIndex([watchlist(["Belarus"], watchlist_id="a"), watchlist(["UA"], watchlist_id="b")])
    assert [c.watchlist.id for c in index.candidates(PreparedArticle(enriched()))] == ["b"]


def test_empty_index_matches_nothing() -> None:
    assert WatchlistIndex().matches(enriched()) == []
