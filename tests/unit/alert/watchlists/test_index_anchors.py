"""Anchors: the keys the index files a watchlist under, and the candidates it hands over."""

from __future__ import annotations

from typing import Any

import pytest

from newswatch_alert.watchlists.anchors import anchors, plan
from newswatch_alert.watchlists.index import WatchlistIndex
from newswatch_alert.watchlists.match import PreparedArticle, condition_of
from newswatch_alert.watchlists.models import Watchlist
from newswatch_alert.watchlists.query import parse
from tests.unit.alert.samples import enriched, watchlist


def wl(watchlist_id: str = "w", **fields: Any) -> Watchlist:
    return watchlist(watchlist_id=watchlist_id).model_copy(update={"entities": [], "keywords": [], **fields})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country:UA", {("c:ua",)}),
        ('source:"Example Wire"', {("s:example wire",)}),
        ('"armoured vehicles"', {("w:armoured", "w:vehicles")}),  # a phrase needs all its words
        ('"the border"', {("w:border",)}),  # never a stop word
        ('"nord stream 2"', {("w:nord", "w:stream")}),  # the two rarest-looking words
        ("term:troops OR term:invasion", {("t:troops",), ("t:invasion",)}),
        # AND: two single-key anchors pair up (the article must hold both)
        ("country:UA AND term:troops", {("c:ua", "t:troops")}),
        ("country:UA AND (term:troops OR term:invasion)", {("c:ua", "t:troops"), ("c:ua", "t:invasion")}),
        # NOT contributes nothing; the rest still anchors
        ('country:UA NOT source:"Example Wire"', {("c:ua",)}),
        ("NOT country:UA", None),
        ("term:troops OR NOT country:UA", None),  # one branch needs no key: nothing is necessary
        # AND picks the cheapest option: an entity beats a broad category
        ("category:military AND entity:Kyiv", {("e:kyiv", "g:military")}),
    ],
)
def test_anchors(query: str, expected: set[tuple[str, ...]] | None) -> None:
    found = anchors(parse(query))
    assert (None if found is None else set(found)) == expected


def test_watchlist_fields_anchor_too() -> None:
    # a keyword matches an escalation term or a word, so it anchors on both; with an entity, pairs
    node = condition_of(wl(entities=["Ukraine"], keywords=["troops"]))
    assert node is not None and anchors(node) == {("e:ukraine", "t:troops"), ("e:ukraine", "w:troops")}
    keyword_only = condition_of(wl(keywords=["troops"]))
    assert keyword_only is not None and anchors(keyword_only) == {("t:troops",), ("w:troops",)}
    assert condition_of(wl(min_score=80)) is None


def test_only_watchlists_that_could_match_are_candidates() -> None:
    index = WatchlistIndex(
        [
            wl("pair", query="country:UA AND term:troops"),
            wl("pair-missing", query="country:UA AND term:invasion"),  # c:ua is there, t:invasion is not
            wl("other-country", query="country:BY"),
            wl("not-only", query="NOT country:BY"),  # no anchor: always evaluated
            wl("score-only", min_score=90),  # no condition: filed by score
            wl("disabled", query="country:UA", enabled=False),  # never indexed
        ]
    )
    assert len(index) == 5 and index.always == 2 and "disabled" not in index
    article = PreparedArticle(enriched())  # scores 37.5
    assert [c.watchlist.id for c in index.candidates(article)] == ["not-only", "pair"]
    assert [w.id for w, _ in index.matches(article)] == ["not-only", "pair"]
    alarming = PreparedArticle(enriched().model_copy(update={"score": 90.0}))
    assert [c.watchlist.id for c in index.candidates(alarming)] == ["not-only", "pair", "score-only"]
    assert [w.id for w, _ in index.matches(alarming)] == ["not-only", "pair", "score-only"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country:UA", {("c:ua",): True}),
        ("country:UA AND term:troops", {("c:ua", "t:troops"): True}),
        (
            "(country:UA OR country:BY) AND term:troops",
            {("c:ua", "t:troops"): True, ("c:by", "t:troops"): True},
        ),
        ("frontier", {("w:frontier",): True}),
        ('"armoured vehicles"', {("w:armoured", "w:vehicles"): False}),  # both words are not the phrase
        ("country:UA AND term:troops AND category:military", {("c:ua", "t:troops"): False}),  # 2 of 3
        ("country:UA NOT term:troops", {("c:ua",): False}),
    ],
)
def test_sure_anchors_spare_the_evaluation(query: str, expected: dict[tuple[str, ...], bool]) -> None:
    assert plan(parse(query)) == expected


def test_a_keyword_is_sure_through_its_term_not_through_its_words() -> None:
    node = condition_of(wl(entities=["Ukraine"], keywords=["nord stream 2"]))
    assert node is not None
    assert plan(node) == {("e:ukraine", "t:nord stream 2"): True, ("e:ukraine", "w:stream"): False}


def test_add_replaces_and_remove_forgets() -> None:
    index = WatchlistIndex([wl("a", query="country:BY")])
    article = PreparedArticle(enriched())
    assert index.matches(article) == []
    index.add(wl("a", query="country:UA"))  # a PATCH: the old anchors go
    assert [w.id for w, _ in index.matches(article)] == ["a"]
    index.add(wl("a", query="country:UA", enabled=False))
    assert len(index) == 0 and index.matches(article) == []
    index.add(wl("a", query="country:UA"))
    assert index.remove("a") and not index.remove("a")
    assert index.candidates(article) == []
    assert not index._single and not index._pairs and not index._always  # nothing left behind


def test_a_stored_query_that_no_longer_parses_is_skipped_not_fatal() -> None:
    broken = wl("broken").model_copy(update={"query": "country:UA AND ("})
    index = WatchlistIndex([broken, wl("fine", query="country:UA")])
    assert "broken" not in index and "fine" in index
