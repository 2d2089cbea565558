"""The escalation score: bounds, monotonicity, negation discount, contributions that add up."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newswatch_enrich.enricher import Enricher
from newswatch_enrich.score import score_matches
from newswatch_enrich.taxonomy import ScoringParams
from newswatch_shared.schemas import EscalationMatch

PARAMS = ScoringParams()
TERMS = {
    "troops": ("military", 3.0),
    "sanctions": ("economic", 3.0),
    "invasion": ("military", 5.0),
    "threat": ("diplomatic", 1.0),
    "ceasefire": ("de-escalation", 0.0),
}


def _match(term: str, negated: bool = False, weight: float | None = None) -> EscalationMatch:
    category, default_weight = TERMS.get(term, ("military", 2.0))
    return EscalationMatch(
        term=term,
        category=category,
        weight=default_weight if weight is None else weight,
        text=term,
        start=0,
        end=len(term),
        negated=negated,
    )


matches_st = st.lists(st.builds(_match, st.sampled_from(sorted(TERMS)), st.booleans()), max_size=30)


def test_no_matches_score_zero() -> None:
    result = score_matches([], PARAMS)
    assert result.score == 0
    assert result.contributions == []


def test_a_worked_example() -> None:
    result = score_matches([_match("troops"), _match("troops"), _match("sanctions", negated=True)], PARAMS)
    raw_troops, raw_sanctions = 3.0 * math.sqrt(2), 3.0 * math.sqrt(0.25)
    expected = round(100 * (1 - math.exp(-(raw_troops + raw_sanctions) / 10)), 2)
    assert result.score == expected
    troops, sanctions = result.contributions
    assert (troops.term, troops.count, troops.category, troops.weight) == ("troops", 2, "military", 3.0)
    assert (sanctions.term, sanctions.count) == ("sanctions", 1)
    assert troops.points == pytest.approx(expected * raw_troops / (raw_troops + raw_sanctions), abs=0.01)
    assert troops.points + sanctions.points == pytest.approx(expected)


@given(matches_st)
def test_score_is_bounded_and_contributions_sum_to_it(matches: list[EscalationMatch]) -> None:
    result = score_matches(matches, PARAMS)
    assert 0 <= result.score <= 100
    assert sum(c.points for c in result.contributions) == pytest.approx(result.score, abs=1e-9)
    assert all(c.points * 100 == pytest.approx(round(c.points * 100)) for c in result.contributions)
    assert sum(c.count for c in result.contributions) == len(matches)
    assert [c.points for c in result.contributions] == sorted(
        (c.points for c in result.contributions), reverse=True
    )


@given(matches_st, st.sampled_from(sorted(TERMS)), st.booleans())
def test_adding_a_match_never_lowers_the_score(
    matches: list[EscalationMatch], term: str, negated: bool
) -> None:
    before = score_matches(matches, PARAMS).score
    after = score_matches([*matches, _match(term, negated)], PARAMS).score
    assert after >= before


@given(matches_st, st.floats(min_value=0.1, max_value=5))
def test_a_heavier_match_never_lowers_the_score(matches: list[EscalationMatch], extra: float) -> None:
    light = score_matches([*matches, _match("blockade", weight=1.0)], PARAMS).score
    heavy = score_matches([*matches, _match("blockade", weight=1.0 + extra)], PARAMS).score
    assert heavy >= light


def test_negated_matches_count_less_but_still_count() -> None:
    affirmed = score_matches([_match("invasion")], PARAMS).score
    negated = score_matches([_match("invasion", negated=True)], PARAMS).score
    assert 0 < negated < affirmed


def test_repeats_add_less_than_a_new_term() -> None:
    repeated = score_matches([_match("troops"), _match("troops")], PARAMS).score
    distinct = score_matches([_match("troops"), _match("sanctions")], PARAMS).score
    assert repeated < distinct


def test_zero_weight_terms_are_listed_with_no_points() -> None:
    result = score_matches([_match("ceasefire")], PARAMS)
    assert result.score == 0
    assert [(c.term, c.points) for c in result.contributions] == [("ceasefire", 0.0)]


def test_many_heavy_matches_stay_at_or_below_100() -> None:
    matches = [_match(f"term{i}", weight=10.0) for i in range(200)]
    assert score_matches(matches, PARAMS).score <= 100


CALM = "Officials in Kyiv met their Polish counterparts to discuss grain exports."
ADDITIONS = [
    " Russian soldiers gathered at the border.",
    " The EU prepared sanctions.",
    " Moscow said it had no plans to invade.",
    " Work on Nord Stream 2 was halted.",
    " A ceasefire was discussed.",
]


def test_adding_escalating_sentences_to_an_article_never_lowers_its_score(enricher: Enricher) -> None:
    text, last = CALM, enricher.tag(CALM).score
    assert last == 0
    for sentence in ADDITIONS:
        text += sentence
        score = enricher.tag(text).score
        assert score >= last, sentence
        last = score
    assert last > 0
