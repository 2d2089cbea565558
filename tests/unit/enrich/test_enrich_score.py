"""The escalation score: bounds, monotonicity, negation and hedging discounts, contributions that add up."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newswatch_enrich.enricher import Enricher
from newswatch_enrich.score import score_matches, term_raw
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


def _match(
    term: str, negated: bool = False, hedged: bool = False, weight: float | None = None
) -> EscalationMatch:
    """A match as the matcher makes it: the term's weight, lowered when negated or hedged."""
    category, default_weight = TERMS.get(term, ("military", 2.0))
    base = default_weight if weight is None else weight
    factor = PARAMS.negated_factor if negated else PARAMS.hedged_factor if hedged else 1.0
    return EscalationMatch(
        term=term,
        category=category,
        weight=base * factor,
        text=term,
        start=0,
        end=len(term),
        negated=negated,
        hedged=hedged,
    )


match_st = st.builds(_match, st.sampled_from(sorted(TERMS)), st.booleans(), st.booleans())
matches_st = st.lists(match_st, max_size=30)


def test_no_matches_score_zero() -> None:
    result = score_matches([], PARAMS)
    assert result.score == 0
    assert result.contributions == []


def test_a_worked_example() -> None:
    matches = [_match("troops"), _match("troops"), _match("sanctions", negated=True)]
    result = score_matches(matches, PARAMS)
    raw_troops = 3.0 * math.sqrt(2)  # two affirmed: weight * sqrt(count)
    raw_sanctions = 0.75  # one negated: 3 * 0.25
    expected = round(100 * (1 - math.exp(-(raw_troops + raw_sanctions) / 10)), 2)
    assert result.score == expected == 39.3
    troops, sanctions = result.contributions
    assert (troops.term, troops.count, troops.category, troops.weight) == ("troops", 2, "military", 3.0)
    assert (sanctions.term, sanctions.count, sanctions.weight) == ("sanctions", 1, 0.75)
    assert troops.points == pytest.approx(expected * raw_troops / (raw_troops + raw_sanctions), abs=0.01)
    assert troops.points + sanctions.points == pytest.approx(expected)


def test_raw_is_weight_times_root_count_for_affirmed_matches() -> None:
    assert term_raw([3.0] * 4, 0.5) == pytest.approx(6.0)
    assert term_raw([3.0, 0.75], 0.5) == pytest.approx(3.0 * math.sqrt(1.25))  # one affirmed, one negated
    assert term_raw([0.0, 0.0], 0.5) == 0
    assert term_raw([], 0.5) == 0


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


@given(matches_st, match_st)
def test_adding_a_match_never_lowers_the_score(
    matches: list[EscalationMatch], extra: EscalationMatch
) -> None:
    before = score_matches(matches, PARAMS).score
    for position in (0, len(matches)):
        grown = [*matches[:position], extra, *matches[position:]]
        assert score_matches(grown, PARAMS).score >= before


@given(matches_st, st.floats(min_value=0.0, max_value=10.0), st.floats(min_value=0.0, max_value=5.0))
def test_a_heavier_match_never_lowers_the_score(
    matches: list[EscalationMatch], weight: float, extra: float
) -> None:
    light = score_matches([*matches, _match("blockade", weight=weight)], PARAMS).score
    heavy = score_matches([*matches, _match("blockade", weight=weight + extra)], PARAMS).score
    assert heavy >= light


def test_negated_counts_less_than_hedged_less_than_affirmed_but_all_count() -> None:
    affirmed = score_matches([_match("invasion")], PARAMS).score
    hedged = score_matches([_match("invasion", hedged=True)], PARAMS).score
    negated = score_matches([_match("invasion", negated=True)], PARAMS).score
    negated_and_hedged = score_matches([_match("invasion", negated=True, hedged=True)], PARAMS).score
    assert 0 < negated == negated_and_hedged < hedged < affirmed


def test_contribution_weight_is_its_heaviest_match() -> None:
    result = score_matches([_match("invasion", negated=True), _match("invasion", hedged=True)], PARAMS)
    assert [(c.term, c.weight, c.count) for c in result.contributions] == [("invasion", 2.5, 2)]


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
    " Analysts said Moscow may cut off the gas.",
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
