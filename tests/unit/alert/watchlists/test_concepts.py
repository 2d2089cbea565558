"""Watchlists and the concept scheme: names resolved and checked when written, and an article's
escalation matches standing for their broader concepts when matched and explained."""

from __future__ import annotations

from typing import Any

import pytest

from newswatch_alert.watchlists.concepts import (
    check_watchlist,
    concept_paths,
    resolve_keywords,
    resolve_query,
)
from newswatch_alert.watchlists.index import WatchlistIndex
from newswatch_alert.watchlists.match import match
from newswatch_alert.watchlists.models import Watchlist
from newswatch_alert.watchlists.prepared import PreparedArticle
from newswatch_shared.concepts import ConceptScheme, parse_scheme
from newswatch_shared.schemas import EscalationMatch
from tests.unit.alert.samples import NOW, enriched

SENTENCE = "The finance ministry announced asset freezes on three banks."

SCHEME: ConceptScheme = parse_scheme(
    {
        "version": "test-1",
        "categories": {
            "economic": {"description": "economic pressure"},
            "military": {"description": "force"},
        },
        "terms": [
            {"term": "sanctions", "category": "economic", "variants": ["sanction", "punitive measures"]},
            {
                "term": "asset freeze",
                "category": "economic",
                "variants": ["frozen assets"],
                "broader": ["sanctions"],
            },
            {"term": "embargo", "category": "economic", "broader": ["sanctions"]},
            {"term": "arms embargo", "category": "military", "broader": ["embargo"]},
            {"term": "siege", "category": "military", "variants": ["blockade", "naval blockade"]},
            {"term": "troops", "category": "military", "variants": ["soldiers", "troop"]},
        ],
    },
    "test scheme",
)


def occurrence(
    name: str, text: str, concepts: list[str], *, category: str = "economic", also: list[str] | None = None
) -> EscalationMatch:
    return EscalationMatch(
        term=name,
        concepts=concepts,
        category=category,
        weight=3.0,
        text=text,
        start=0,
        end=len(text),
        sentence=SENTENCE,
        also=also or [],
    )


def watchlist(*, keywords: list[str] | None = None, query: str | None = None, wid: str = "w1") -> Watchlist:
    return Watchlist(
        id=wid,
        user_id="u",
        name="n",
        entities=[],
        keywords=keywords or [],
        query=query,
        channels=[],
        created_at=NOW,
    )


FREEZE = occurrence("asset freeze", "asset freezes", ["asset freeze", "sanctions"])


# -- writing: resolution and checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "stored", "notes"),
    [
        ("term:blockade", "term:siege", ['term "blockade" is stored as "siege"']),
        (
            'country:UA AND (term:"naval blockade" OR term:troop) NOT x',
            "country:UA AND (term:siege OR term:troops) NOT x",
            ['term "naval blockade" is stored as "siege"', 'term "troop" is stored as "troops"'],
        ),
        ("term:Frozen-Assets", 'term:"asset freeze"', ['term "Frozen-Assets" is stored as "asset freeze"']),
        ("term:Sanctions and category:ECONOMIC", "term:Sanctions and category:ECONOMIC", []),  # same concept
        ("blockade", "blockade", []),  # a bare word is free text, never resolved
    ],
)
def test_a_variant_in_a_query_is_stored_as_its_concept(query: str, stored: str, notes: list[str]) -> None:
    assert resolve_query(query, SCHEME) == (stored, notes, [])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("term:flibbertigibbet", 'query: unknown term "flibbertigibbet" at column 6'),
        (
            "troops AND term:sanktions",
            'query: unknown term "sanktions" at column 17; did you mean "sanctions"?',
        ),
        ("category:economc", 'query: unknown category "economc" at column 10; did you mean "economic"?'),
    ],
)
def test_an_unknown_name_in_a_query_is_refused_with_the_nearest(query: str, message: str) -> None:
    _, _, problems = resolve_query(query, SCHEME)
    assert [m for m, _, _ in problems] == [message]


def test_keywords_resolve_variants_and_never_refuse_plain_words() -> None:
    keywords, notes = resolve_keywords(
        ["asset freezes", "border", "sanction", "sanctions", "sanktions"], SCHEME
    )
    assert keywords == ["asset freeze", "border", "sanctions", "sanktions"]
    assert notes == [
        'keyword "asset freezes" is stored as "asset freeze"',
        'keyword "sanction" is stored as "sanctions"',
        'keyword "sanktions" is no escalation concept: it matches only as words; did you mean "sanctions"?',
    ]


def test_check_reports_every_unknown_name_where_fastapi_would() -> None:
    data: dict[str, Any] = {"query": "term:sanktions OR category:nope", "keywords": ["frozen assets"]}
    checked = check_watchlist(data, SCHEME, ("body", "watchlist"))
    assert [(p["loc"], p["input"], p["ctx"]) for p in checked.problems] == [
        (("body", "watchlist", "query"), "sanktions", {"column": 6}),
        (("body", "watchlist", "query"), "nope", {"column": 28}),
    ]
    assert checked.values == {"keywords": ["asset freeze"]}
    # a query that does not parse is left to the model, which names its column
    assert check_watchlist({"query": "term:x OR"}, SCHEME).problems == []


# -- reading: concepts of a match --------------------------------------------------------------------


def test_paths_come_from_the_match_and_the_scheme_draws_them() -> None:
    assert concept_paths("arms embargo", ["arms embargo", "embargo", "sanctions"], SCHEME) == {
        "arms embargo": ("arms embargo",),
        "embargo": ("arms embargo", "embargo"),
        "sanctions": ("arms embargo", "embargo", "sanctions"),
    }
    # an older article: no concepts listed, the scheme's chain decides
    assert concept_paths("asset freeze", [], SCHEME)["sanctions"] == ("asset freeze", "sanctions")
    # a name the scheme does not know: what enrich listed still counts, as one step
    assert concept_paths("gas cut-off", ["gas cut-off", "energy"], SCHEME) == {
        "gas cut-off": ("gas cut-off",),
        "energy": ("gas cut-off", "energy"),
    }
    assert concept_paths("gas cut-off", [], None) == {"gas cut-off": ("gas cut-off",)}


@pytest.mark.parametrize(
    ("condition", "matches"),
    [
        ({"query": "term:sanctions"}, True),
        ({"keywords": ["sanctions"]}, True),
        ({"query": 'term:"asset freeze"'}, True),
        ({"query": "category:economic"}, True),
        ({"query": "term:embargo"}, False),  # a sibling, not broader
        ({"query": "NOT term:sanctions"}, False),
    ],
)
def test_a_narrower_match_matches_the_broader_concept(condition: dict[str, Any], matches: bool) -> None:
    article = PreparedArticle(enriched(escalation=[FREEZE]), SCHEME)
    chosen = watchlist(**condition)
    assert (match(chosen, article) is not None) is matches
    assert bool(WatchlistIndex([chosen]).matching(article)) is matches  # the index agrees


def test_older_articles_use_the_schemes_broader_chain() -> None:
    old = enriched(escalation=[occurrence("asset freeze", "asset freezes", [])])
    on_sanctions = watchlist(query="term:sanctions")
    assert match(on_sanctions, PreparedArticle(old, SCHEME)) is not None
    assert match(on_sanctions, PreparedArticle(old)) is None  # without a scheme: the term alone


def test_the_terms_found_inside_a_longer_match_stand_for_their_broader_concepts_too() -> None:
    longer = occurrence("trade war", "trade war and an arms embargo", ["trade war"], also=["arms embargo"])
    article = PreparedArticle(enriched(escalation=[longer]), SCHEME)
    found = match(watchlist(query="term:sanctions"), article)
    assert found is not None
    assert found.reasons == (
        'term:sanctions matched escalation term trade war (economic): "trade war and an arms embargo" '
        "(arms embargo → embargo → sanctions)",
    )


def test_the_explanation_shows_the_path_from_the_term_found() -> None:
    direct = occurrence("sanctions", "sanctions", ["sanctions"])
    article = PreparedArticle(enriched(escalation=[FREEZE, direct]), SCHEME)
    found = match(watchlist(keywords=["sanctions"]), article)
    assert found is not None
    assert found.reasons == (
        'keyword "sanctions" matched escalation term asset freeze (economic): "asset freezes" '
        '(asset freeze → sanctions); sanctions (economic): "sanctions"',
    )
    assert found.explanation.terms == ["asset freeze", "sanctions"]
    assert found.explanation.sentences == [SENTENCE]


def test_a_query_that_outgrows_its_limit_once_resolved_is_refused() -> None:
    query = " OR ".join(["term:troop"] * 49)  # each "troop" becomes "troops": one more character
    padded = query + " OR " + "y" * (1000 - len(query) - 4)
    assert len(padded) == 1000
    problems = check_watchlist({"query": padded}, SCHEME).problems
    assert [p["msg"] for p in problems] == [
        "query: longer than 1000 characters once variants are stored as their concepts"
    ]
