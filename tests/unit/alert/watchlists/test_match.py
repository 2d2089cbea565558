"""The watchlist matching rules, as a table: which article facts satisfy which watchlist terms."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newswatch_alert.common.text import source_of
from newswatch_alert.watchlists.match import build_alert, match
from newswatch_shared.ids import stable_id
from tests.unit.alert.samples import BORDER_TITLE, NOW, enriched, entity, term, watchlist

ARTICLE = enriched()


@pytest.mark.parametrize(
    ("entities", "keywords", "matches"),
    [
        # entities: canonical name, surface text, ISO country code, case never matters
        (["Ukraine"], [], True),  # the country's name: its places and people (Kyiv, "Ukrainian")
        (["Russia"], [], True),  # the Kremlin is Russia's
        (["ukraine"], [], True),
        (["Ukrainian"], [], True),
        (["UA"], [], True),
        (["ru"], [], True),
        (["kremlin"], [], True),
        (["Belarus"], [], False),
        (["Ukr"], [], False),
        (["Belarus", "Kyiv"], [], True),  # ANY entity
        # keywords: escalation term by canonical name (the text says "soldiers")
        ([], ["troops"], True),
        ([], ["TROOPS"], True),
        # keywords: whole words and phrases of title, summary, content
        ([], ["frontier"], True),
        ([], ["armoured vehicles"], True),
        ([], ["Armoured   Vehicles"], True),
        ([], ["nord stream 2"], True),  # "Nord-Stream 2": punctuation is ignored
        ([], ["build up"], True),
        ([], ["troop"], False),  # "troopship" is another word; "troops" is not in the text
        ([], ["troopships"], False),
        ([], ["pipe"], False),
        ([], ["vehicles armoured"], False),  # a phrase keeps its word order
        ([], ["sanctions"], True),  # free word in content (not an escalation match here)
        ([], ["invasion"], False),
        ([], ["invasion", "frontier"], True),  # ANY keyword
        # both clauses must hold
        (["Ukraine"], ["troops"], True),
        (["Ukraine"], ["invasion"], False),
        (["Belarus"], ["troops"], False),
    ],
)
def test_matching_table(entities: list[str], keywords: list[str], matches: bool) -> None:
    assert (match(watchlist(entities, keywords), ARTICLE) is not None) is matches


def test_no_entities_in_article_fails_an_entity_clause() -> None:
    bare = enriched(entities=[], escalation=[])
    assert match(watchlist(["Ukraine"]), bare) is None
    assert match(watchlist(keywords=["frontier"]), bare) is not None


def test_explanation_names_what_matched_and_quotes_sentences() -> None:
    found = match(watchlist(["UA"], ["troops", "frontier", "invasion"]), ARTICLE)
    assert found is not None
    assert found.matched_entities == ("Ukrainian", "Kyiv")
    assert found.matched_keywords == ("troops", "frontier")
    assert any("matched escalation term troops" in r and '"soldiers"' in r for r in found.reasons)
    assert any('keyword "frontier" appears in the title' == r for r in found.reasons)
    assert any("by country code UA" in r for r in found.reasons)
    assert found.sentences[0] == BORDER_TITLE


def test_entity_only_match_quotes_the_sentences_naming_the_entity() -> None:
    found = match(watchlist(["Kyiv"]), ARTICLE)
    assert found is not None
    assert found.sentences == (
        "Officials in Kyiv said on Friday that the build-up had grown again overnight.",
    )


def test_negated_escalation_still_matches_and_says_so() -> None:
    article = enriched(
        escalation=[term("invasion", "invade", "They say there is no plan to invade.", negated=True)]
    )
    found = match(watchlist(keywords=["invasion"]), article)
    assert found is not None
    assert "negated" in found.reasons[0]


def test_alert_id_depends_only_on_watchlist_and_article() -> None:
    wl = watchlist(["Ukraine"])
    found = match(wl, ARTICLE)
    assert found is not None
    first = build_alert(wl, ARTICLE, found, NOW)
    later = build_alert(wl, ARTICLE, found, NOW + timedelta(hours=1))
    assert first.id == later.id == stable_id("wl-1", "art-1")
    assert build_alert(watchlist(["Ukraine"], watchlist_id="wl-2"), ARTICLE, found, NOW).id != first.id
    assert (first.user_id, first.title, first.score, first.source) == (
        "user-1",
        BORDER_TITLE,
        37.5,
        "Example Wire",
    )
    assert first.matched_entities == ["Ukrainian", "Kyiv"]  # "Ukraine": its people and its places


@pytest.mark.parametrize(
    ("feed_title", "expected"),
    [("Example Wire", "Example Wire"), ("", "news.example")],
)
def test_source_is_the_feed_title_else_its_host(feed_title: str, expected: str) -> None:
    assert source_of(enriched(feed_title=feed_title).article) == expected


def test_entity_text_equal_to_canonical_is_not_reported_twice() -> None:
    article = enriched(entities=[entity("NATO", "ORG", "NATO")], escalation=[])
    found = match(watchlist(["nato"]), article)
    assert found is not None and len(found.reasons) == 1


def test_a_term_inside_a_longer_match_still_matches_by_name() -> None:
    """Enrich scores "troop build-up" once, as military buildup, and lists troops in ``also``."""
    buildup = term("military buildup", "troop build-up", BORDER_TITLE).model_copy(update={"also": ["troops"]})
    article = enriched(escalation=[buildup])
    query = watchlist().model_copy(update={"keywords": [], "entities": ["UA"], "query": "term:troops"})
    assert match(query, article) is not None
    plain = enriched(escalation=[buildup.model_copy(update={"also": []})])
    assert match(query, plain) is None
