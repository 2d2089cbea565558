"""Queries, filters and explanations on one article: what each field compares, and what an alert says."""

from __future__ import annotations

from typing import Any

import pytest

from newswatch_alert.watchlists.match import build_alert, match
from newswatch_alert.watchlists.models import Watchlist
from newswatch_shared.schemas import AlertEvent
from tests.unit.alert.samples import BORDER_TITLE, NOW, enriched, watchlist

ARTICLE = enriched()  # Ukrainian (UA), Kyiv (UA), Kremlin (RU); "soldiers" = troops; feed "Example Wire"
ISSUE_EXAMPLE = 'country:UA AND (term:troops OR term:invasion) NOT source:"Example Wire"'


def with_fields(**fields: Any) -> Watchlist:
    return watchlist().model_copy(update={"entities": [], "keywords": [], **fields})


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        # country: the entity's ISO code
        ("country:UA", True),
        ("country:ru", True),
        ("country:BY", False),
        # entity: canonical name, text as written, or country code
        ("entity:Kyiv", True),
        ("entity:ukrainian", True),
        ('entity:"Ukraine"', True),
        ("entity:UA", True),
        ("entity:Kiev", True),  # an alias names the same thing (shared entity-name table)
        # term: the canonical escalation term, never the surface text
        ("term:troops", True),
        ("term:soldiers", False),
        ("term:invasion", False),
        ("category:military", True),
        ("category:economic", False),
        # source: the feed title, the feed id or the host, as a whole
        ('source:"Example Wire"', True),
        ("source:example-wire", True),
        ("source:feed-1", True),
        ("source:news.example", True),
        ("source:www.news.example", True),
        ("source:Example", False),
        # bare words and phrases: whole words of one field, in order
        ("frontier", True),
        ("FRONTIER", True),
        ('"armoured vehicles"', True),
        ('"vehicles armoured"', False),
        ('"frontier satellite"', False),  # the end of the title and the start of the summary
        ("troops", False),  # the text says soldiers: use term:troops for enrich's normalisation
        ("troop", False),  # "troopship" is another word
        ("nord-stream", True),
        # boolean structure
        (ISSUE_EXAMPLE, False),  # the source is Example Wire
        ('country:UA AND (term:troops OR term:invasion) NOT source:"Other Wire"', True),
        ("country:BY OR frontier", True),
        ("country:BY frontier", False),
        ("NOT country:BY", True),
        ("NOT country:UA", False),
        ("NOT (country:BY OR term:invasion)", True),
        ("NOT (country:UA AND term:invasion)", True),
        ("term:invasion OR NOT category:military", False),
    ],
)
def test_query_table(query: str, matches: bool) -> None:
    assert (match(with_fields(query=query), ARTICLE) is not None) is matches


def test_every_given_condition_must_hold() -> None:
    assert match(with_fields(entities=["UA"], keywords=["troops"], query="frontier"), ARTICLE)
    assert not match(with_fields(entities=["Belarus"], query="frontier"), ARTICLE)
    assert not match(with_fields(keywords=["invasion"], query="frontier"), ARTICLE)
    assert not match(with_fields(entities=["UA"], query="country:BY"), ARTICLE)


def test_filters_score_language_and_enabled() -> None:
    assert match(with_fields(min_score=37.5), ARTICLE)  # the article scores 37.5
    assert not match(with_fields(min_score=40), ARTICLE)
    english = ARTICLE.model_copy(update={"language": "en-GB"})
    assert match(with_fields(keywords=["frontier"], languages=["en"]), english)
    assert not match(with_fields(keywords=["frontier"], languages=["de"]), english)
    assert not match(with_fields(keywords=["frontier"], languages=["en"]), ARTICLE)  # language unknown
    assert not match(with_fields(keywords=["frontier"], enabled=False), ARTICLE)


def test_the_explanation_lists_every_clause_and_what_made_it_match() -> None:
    article = enriched(feed_title="Other Wire")
    found = match(with_fields(query=ISSUE_EXAMPLE, min_score=10), article)
    assert found is not None
    clauses = [(c.clause, c.matched) for c in found.explanation.clauses]
    assert clauses == [
        ("country:UA", True),
        ("term:troops", True),
        ("term:invasion", False),
        ('NOT source:"Example Wire"', True),
        ("min_score 10", True),
    ]
    assert found.explanation.entities == ["Ukrainian", "Kyiv"] == list(found.matched_entities)
    assert found.explanation.terms == ["troops"]
    assert found.matched_keywords == ("troops",)
    assert found.explanation.sentences[0] == BORDER_TITLE  # where the term was found comes first
    assert 'NOT source:"Example Wire": the source is "Other Wire"' in found.reasons
    country = found.explanation.clauses[0]
    assert country.entities == ["Ukrainian", "Kyiv"] and "Ukrainian" in country.detail


def test_a_negated_clause_contributes_no_evidence() -> None:
    found = match(with_fields(query="frontier NOT country:BY"), ARTICLE)
    assert found is not None
    assert found.explanation.entities == [] and found.matched_keywords == ("frontier",)
    assert found.explanation.sentences == [BORDER_TITLE]


def test_the_alert_carries_the_explanation_and_survives_the_wire() -> None:
    wl = with_fields(query="country:UA term:troops")
    found = match(wl, ARTICLE)
    assert found is not None
    alert = build_alert(wl, ARTICLE, found, NOW)
    assert alert.explanation == found.explanation
    decoded = AlertEvent.model_validate_json(alert.model_dump_json())
    assert decoded == alert
    assert decoded.explanation is not None
    assert [c.clause for c in decoded.explanation.clauses] == ["country:UA", "term:troops"]
