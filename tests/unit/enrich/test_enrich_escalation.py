"""Escalation matching on sentences we wrote: variants, spans, negation, hedging, false friends, overlaps."""

from __future__ import annotations

import pytest
from spacy.language import Language

from newswatch_enrich.escalation import EscalationMatcher, find_escalation
from newswatch_enrich.phrases import PhraseIndex
from newswatch_enrich.taxonomy import Taxonomy, parse_taxonomy
from newswatch_shared.schemas import EscalationMatch


def _find(nlp: Language, matcher: EscalationMatcher, text: str) -> list[EscalationMatch]:
    return find_escalation(nlp(text), matcher)


def _terms(nlp: Language, matcher: EscalationMatcher, text: str) -> list[str]:
    return [m.term for m in _find(nlp, matcher, text)]


def _one(nlp: Language, matcher: EscalationMatcher, text: str, term: str) -> EscalationMatch:
    found = [m for m in _find(nlp, matcher, text) if m.term == term]
    assert len(found) == 1, _find(nlp, matcher, text)
    return found[0]


@pytest.mark.parametrize(
    ("text", "term", "surface"),
    [
        ("Officials say the army invaded two villages overnight.", "invasion", "invaded"),
        ("Moscow is preparing to invade in February, analysts say.", "invasion", "invade"),
        ("Invading units were seen near the river crossing.", "invasion", "Invading"),
        ("The invasion began before dawn.", "invasion", "invasion"),
        ("Satellite pictures show thousands of soldiers in tents near the frontier.", "troops", "soldiers"),
        ("More troops arrived by rail on Sunday.", "troops", "troops"),
        ("Servicemen from three brigades arrived by rail.", "troops", "Servicemen"),
        ("Brussels sanctioned four banks on Friday.", "sanctions", "sanctioned"),
        ("Washington will sanction the refinery's owners.", "sanctions", "sanction"),
        ("New sanctions target the energy sector.", "sanctions", "sanctions"),
        ("Sanctioned oligarchs moved their yachts to Dubai.", "sanctions", "Sanctioned"),
        ("Work on Nordstream 2 has been paused.", "Nord Stream 2", "Nordstream 2"),
        ("Investors said Nord Stream II was finished.", "Nord Stream 2", "Nord Stream II"),
        ("Shares in NordStream 2 suppliers fell.", "Nord Stream 2", "NordStream 2"),
        ("Berlin halted the Nord Stream 2 project.", "Nord Stream 2", "Nord Stream 2"),
        ("Observers reported a troop build-up along the eastern edge.", "military buildup", "troop build-up"),
        ("RUSSIA LAUNCHES INVASION", "invasion", "INVASION"),
        ("Russia Invades Ukraine", "invasion", "Invades"),  # title-case headline: tagged PROPN
        ("EU Sanctions Russian Banks", "sanctions", "Sanctions"),
        ("A ceasefire was agreed after midnight.", "ceasefire", "ceasefire"),
        # variants proposed from the CAMEO verb dictionary; "the" and "..." in phrases
        (
            "Warsaw expelled 45 Russian diplomats on Tuesday.",
            "expulsion of diplomats",
            "expelled 45 Russian diplomats",
        ),
        ("Both sides violated a ceasefire within hours.", "ceasefire violation", "violated a ceasefire"),
        ("The army occupied the airport.", "occupation", "occupied"),
        ("Minsk moved more troops toward the border.", "troop deployment", "moved more troops"),
        ("Heavy fighting was reported near the dam.", "fighting", "Heavy fighting"),
        ("The bloc agreed to lift some sanctions on potash.", "sanctions relief", "lift some sanctions"),
    ],
)
def test_variants_map_to_the_canonical_term(
    nlp: Language, matcher: EscalationMatcher, text: str, term: str, surface: str
) -> None:
    match = _one(nlp, matcher, text, term)
    assert match.text == surface
    assert text[match.start : match.end] == surface
    assert match.sentence == text
    assert not match.negated and not match.hedged


def test_matches_carry_category_weight_and_their_own_sentence(
    nlp: Language, matcher: EscalationMatcher
) -> None:
    text = "Talks ended early. Both capitals then traded threats over the sanctions package."
    sanctions = _one(nlp, matcher, text, "sanctions")
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
        ("Minsk has not sent troops to the border.", "troop deployment"),
        ("Moscow denied it would deploy troops there.", "troop deployment"),
        ("The minister never mentioned sanctions during the visit.", "sanctions"),
        ("The government didn't rule out an invasion, but ruled out sanctions.", "sanctions"),
        ("An invasion was ruled out by the defence ministry.", "invasion"),  # negation after the match
        ("Troops are not in Belarus, the ministry said.", "troops"),
        ("The G7 stopped short of an embargo on fertiliser.", "embargo"),
    ],
)
def test_negated_matches(nlp: Language, matcher: EscalationMatcher, text: str, term: str) -> None:
    match = _one(nlp, matcher, text, term)
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
        ("Not only sanctions but also tariffs followed.", "sanctions"),  # "not only" does not negate
    ],
)
def test_negation_does_not_reach_across_clauses_or_far_back(
    nlp: Language, matcher: EscalationMatcher, text: str, term: str
) -> None:
    match = _one(nlp, matcher, text, term)
    assert not match.negated


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Russia may invade in the spring.", "invasion"),
        ("Rumours of an invasion spread through the capital.", "invasion"),
        ("An invasion is unlikely, officials said.", "invasion"),  # hedge after the match
        ("The ministry reportedly ordered a mobilisation.", "mobilisation"),
        ("If troops cross into Moldova, talks will end.", "incursion"),
        ("Moscow did not rule out an invasion.", "invasion"),  # double negation: possible, not denied
        ("The Kremlin refused to rule out a nuclear strike.", "nuclear weapons"),
        ("Officials warned of possible sanctions.", "sanctions"),
    ],
)
def test_hedged_matches(nlp: Language, matcher: EscalationMatcher, text: str, term: str) -> None:
    match = _one(nlp, matcher, text, term)
    assert match.hedged
    assert not match.negated


def test_negation_and_hedging_lower_the_weight(
    nlp: Language, matcher: EscalationMatcher, taxonomy: Taxonomy
) -> None:
    weight = taxonomy.term("invasion").weight
    scoring = taxonomy.scoring
    affirmed = _one(nlp, matcher, "Moscow invaded at dawn.", "invasion")
    hedged = _one(nlp, matcher, "Moscow may invade at dawn.", "invasion")
    negated = _one(nlp, matcher, "Moscow has no plans to invade.", "invasion")
    both = _one(nlp, matcher, "Moscow may not invade, he said.", "invasion")
    assert affirmed.weight == weight
    assert hedged.weight == pytest.approx(weight * scoring.hedged_factor)
    assert negated.weight == pytest.approx(weight * scoring.negated_factor)
    assert (both.negated, both.hedged, both.weight) == (True, True, negated.weight)  # negation wins


@pytest.mark.parametrize(
    "text",
    [
        "A scout troop from Lviv spent the weekend camping by the lake.",
        "A troop of monkeys raided the market stalls.",
        "The lawsuit calls the hidden cameras an invasion of privacy.",
        "Reporters invaded her privacy for years.",
        "The invasive species spread across the lake.",
        "Doctors said the infection had invaded the patient's bloodstream.",
        "A think tank in Warsaw published the poll.",
        "Shares tanked after the earnings report.",
        "Britain will send anti-tank weapons, the minister said.",
        "The museum covers the Cold War years in three rooms.",
        "Airlines are locked in a price war over summer fares.",
        "The match was sanctioned by the league.",
        "The league sanctioned the transfer after a review.",
        "The story is embargoed until 00:01 GMT.",
        "Investors are shelling out for bonds.",
        "The party hopes to mobilise voters before the election.",
        "The hospital annex was rebuilt.",
        "The union agreed to negotiate a new pay deal.",
        "Ice on the roads poses a serious threat to drivers.",
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
[hedging]
cues = ["perchance"]
after = []
[categories.naval]
[[terms]]
term = "blockade"
category = "naval"
weight = 2
variants = ["close the strait"]
"""
    )
    matcher = EscalationMatcher(tax, nlp)
    text = "The navy could hardly close the strait; no blockade followed; perchance a blockade."
    matches = _find(nlp, matcher, text)
    assert [(m.term, m.negated, m.hedged) for m in matches] == [
        ("blockade", True, False),
        ("blockade", False, False),  # "no" is not a cue of this taxonomy
        ("blockade", False, True),
    ]
    assert matches[0].text == "close the strait"
    assert [m.weight for m in matches] == [0.5, 2.0, 1.0]


GAPS = """
version = "x"
[categories.diplomatic]
[[terms]]
term = "expulsion"
category = "diplomatic"
weight = 3
variants = ["expel ... diplomat", "recall the ambassador"]
"""


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Rome expelled diplomats.", "expelled diplomats"),
        ("Rome expelled two Russian diplomats.", "expelled two Russian diplomats"),
        ("Rome expelled all 30 Russian diplomats.", "expelled all 30 Russian diplomats"),  # three words
        ("Rome expelled the last four Russian diplomats.", None),  # four words: too far apart
        ("Rome expelled journalists, not diplomats.", None),  # a gap never spans punctuation
        ("Oslo recalled its ambassador.", "recalled its ambassador"),  # inner "the": any determiner
        ("Oslo recalled the ambassador.", "recalled the ambassador"),
        ("Oslo recalled ambassador Berg.", "recalled ambassador"),  # or none
    ],
)
def test_gaps_and_determiners_in_phrases(nlp: Language, text: str, surface: str | None) -> None:
    matcher = EscalationMatcher(parse_taxonomy(GAPS), nlp)
    assert [m.text for m in _find(nlp, matcher, text)] == ([surface] if surface else [])


def test_messages_from_before_the_hedged_flag_still_decode() -> None:
    old = (
        b'{"term": "troops", "category": "military", "weight": 3.0, "text": "troops", "start": 0,'
        b' "end": 6, "sentence": "", "negated": false}'
    )
    match = EscalationMatch.model_validate_json(old)
    assert (match.negated, match.hedged) == (False, False)


def test_phrase_index_mixes_text_and_lemma_forms_word_by_word() -> None:
    index = PhraseIndex(str.split)
    index.add("sanctions", ["impose sanction", "sanction"])
    index.add("expulsion", ["expel ... diplomat"])
    # "imposed sanctions": lemma of the first word, lemma of the second
    forms = [("they", "they"), ("imposed", "impose"), ("sanctions", "sanction"), (",", ","), ("then", "then")]
    forms += [("expelled", "expel"), ("two", "two"), (",", ","), ("diplomats", "diplomat")]
    breaks = [f[0] == "," for f in forms]
    found = sorted(index.find(forms, breaks))
    assert found == [("sanctions", 1, 3), ("sanctions", 2, 3)]  # the longest per start; no gap over ","


def test_terms_inside_a_longer_match_are_listed_unscored(nlp: Language, matcher: EscalationMatcher) -> None:
    # A watchlist on troops must still find a troop build-up, without the build-up counting twice.
    (buildup,) = _find(nlp, matcher, "A troop build-up near the border alarmed the alliance.")
    assert (buildup.term, buildup.also) == ("military buildup", ["troops"])
    (withdrawal,) = _find(nlp, matcher, "Moscow began to withdraw troops from the region.")
    assert (withdrawal.term, withdrawal.also) == ("withdrawal", ["troops"])
    (alone,) = _find(nlp, matcher, "Troops were seen near the border.")
    assert alone.also == []
