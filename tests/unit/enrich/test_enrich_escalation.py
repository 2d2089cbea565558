"""Escalation matching on sentences we wrote: variants, spans, negation, false friends, overlaps."""

from __future__ import annotations

import pytest
from spacy.language import Language

from newswatch_enrich.escalation import EscalationMatcher, find_escalation
from newswatch_enrich.taxonomy import parse_taxonomy
from newswatch_shared.schemas import EscalationMatch


def _find(nlp: Language, matcher: EscalationMatcher, text: str) -> list[EscalationMatch]:
    return find_escalation(nlp(text), matcher)


def _terms(nlp: Language, matcher: EscalationMatcher, text: str) -> list[str]:
    return [m.term for m in _find(nlp, matcher, text)]


@pytest.mark.parametrize(
    ("text", "term", "surface"),
    [
        ("Officials say the army invaded two villages overnight.", "invasion", "invaded"),
        ("Analysts fear Moscow is preparing to invade in February.", "invasion", "invade"),
        ("Invading units were seen near the river crossing.", "invasion", "Invading"),
        ("The invasion began before dawn.", "invasion", "invasion"),
        ("Satellite pictures show thousands of soldiers in tents near the frontier.", "troops", "soldiers"),
        ("More troops arrived by rail on Sunday.", "troops", "troops"),
        ("Brussels sanctioned four banks on Friday.", "sanctions", "sanctioned"),
        ("New sanctions target the energy sector.", "sanctions", "sanctions"),
        ("Work on Nordstream 2 has been paused.", "Nord Stream 2", "Nordstream 2"),
        ("Investors asked whether Nord Stream II would ever open.", "Nord Stream 2", "Nord Stream II"),
        ("Berlin could still halt the Nord Stream 2 project.", "Nord Stream 2", "Nord Stream 2"),
        ("Observers reported a troop build-up along the eastern edge.", "military buildup", "troop build-up"),
        ("RUSSIA WARNS OF INVASION", "invasion", "INVASION"),
        ("A ceasefire was agreed after midnight.", "ceasefire", "ceasefire"),
    ],
)
def test_variants_map_to_the_canonical_term(
    nlp: Language, matcher: EscalationMatcher, text: str, term: str, surface: str
) -> None:
    matches = [m for m in _find(nlp, matcher, text) if m.term == term]
    assert len(matches) == 1, _find(nlp, matcher, text)
    match = matches[0]
    assert match.text == surface
    assert text[match.start : match.end] == surface
    assert match.sentence == text
    assert not match.negated


def test_matches_carry_category_weight_and_their_own_sentence(
    nlp: Language, matcher: EscalationMatcher
) -> None:
    text = "Talks ended early. Both capitals then traded threats over the sanctions package."
    sanctions = next(m for m in _find(nlp, matcher, text) if m.term == "sanctions")
    assert (sanctions.category, sanctions.weight) == ("economic", 3.0)
    assert sanctions.sentence == "Both capitals then traded threats over the sanctions package."


def test_matches_are_in_text_order(nlp: Language, matcher: EscalationMatcher) -> None:
    text = "Sanctions came first, then soldiers, then talk of an invasion."
    matches = _find(nlp, matcher, text)
    assert [m.term for m in matches] == ["sanctions", "troops", "invasion"]
    assert [m.start for m in matches] == sorted(m.start for m in matches)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("The Kremlin says it has no plans to invade its neighbour.", "invasion"),
        ("Minsk has not sent troops to the border.", "troops"),
        ("Moscow denied it would deploy troops there.", "troops"),
        ("The minister never mentioned sanctions during the visit.", "sanctions"),
        ("The government didn't rule out an invasion, but ruled out sanctions.", "sanctions"),
    ],
)
def test_negated_matches(nlp: Language, matcher: EscalationMatcher, text: str, term: str) -> None:
    match = next(m for m in _find(nlp, matcher, text) if m.term == term)
    assert match.negated


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("There was no warning, and troops crossed at dawn.", "troops"),  # punctuation ends the look-back
        ("No one expected it. Troops crossed at dawn.", "troops"),  # so does the sentence
        ("Not long after the vote, the bloc imposed sanctions on the regime.", "sanctions"),  # too far back
        (
            "The Kremlin ruled out any compromise as soldiers dug in near the frontier.",
            "troops",
        ),  # new clause
        ("Minsk will not take part but troops are on alert.", "troops"),
    ],
)
def test_negation_does_not_reach_across_clauses_or_far_back(
    nlp: Language, matcher: EscalationMatcher, text: str, term: str
) -> None:
    match = next(m for m in _find(nlp, matcher, text) if m.term == term)
    assert not match.negated


@pytest.mark.parametrize(
    "text",
    [
        "A scout troop from Lviv spent the weekend camping by the lake.",
        "The lawsuit calls the hidden cameras an invasion of privacy.",
        "A think tank in Warsaw published the poll.",
        "The museum covers the Cold War years in three rooms.",
        "Airlines are locked in a price war over summer fares.",
    ],
)
def test_false_friends_are_not_matched(nlp: Language, matcher: EscalationMatcher, text: str) -> None:
    assert _find(nlp, matcher, text) == []


def test_overlapping_matches_keep_the_longest(nlp: Language, matcher: EscalationMatcher) -> None:
    assert _terms(nlp, matcher, "Moscow began to withdraw troops from the region.") == ["withdrawal"]
    assert _terms(nlp, matcher, "A military build-up was reported.") == ["military buildup"]
    assert _terms(nlp, matcher, "Observers logged forty ceasefire violations.") == ["ceasefire violation"]
    assert _terms(nlp, matcher, "A ceasefire held along the line.") == ["ceasefire"]


def test_false_friend_exclusion_only_drops_its_own_term(nlp: Language) -> None:
    tax = parse_taxonomy(
        """
version = "x"
[categories.military]
[[terms]]
term = "troops"
category = "military"
weight = 3
variants = ["troop"]
exclude = ["scout troop"]
[[terms]]
term = "scouts"
category = "military"
weight = 1
variants = ["scout"]
"""
    )
    matcher = EscalationMatcher(tax, nlp)
    assert _terms(nlp, matcher, "The scout troop left; a second troop stayed.") == ["scouts", "troops"]


def test_a_custom_taxonomy_and_negation_rules_apply(nlp: Language) -> None:
    tax = parse_taxonomy(
        """
version = "x"
[negation]
window = 2
cues = ["hardly"]
[categories.naval]
[[terms]]
term = "blockade"
category = "naval"
weight = 2
variants = ["close the strait"]
"""
    )
    matcher = EscalationMatcher(tax, nlp)
    matches = _find(nlp, matcher, "The navy could hardly close the strait; no blockade followed.")
    assert [(m.term, m.negated) for m in matches] == [("blockade", True), ("blockade", False)]
    assert matches[0].text == "close the strait"
