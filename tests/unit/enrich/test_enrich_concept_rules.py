"""Concept rules over the dependency parse, on sentences we wrote: what they find and what they leave."""

from __future__ import annotations

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from newswatch_enrich.concept_eval import predicted_concepts
from newswatch_enrich.concept_rules import apply_rules, nord_stream_spans, other_sense, worth_parsing
from newswatch_enrich.escalation import EscalationMatcher
from newswatch_enrich.escalation_cues import token_forms


def _parsed(nlp: Language, text: str) -> Doc:
    doc = nlp(text)
    parser = nlp.get_pipe("parser")
    parsed: Doc = parser(doc.copy())
    return parsed


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        ("Columns of Ruritanian armour rolled into Freedonia before dawn.", {"troops", "invasion"}),
        ("Paratroopers seized the airport outside the capital.", {"troops", "invasion"}),
        ("The port city was overrun by the end of the week.", {"invasion"}),
        ("The army moved two brigades to the northern frontier.", {"troops"}),
        ("Some 2,000 British personnel arrived in Estonia.", {"troops"}),
        ("Argentina seized the islands in April.", {"invasion"}),
        ("Officials fear an attack on Moldova within weeks.", {"invasion"}),
        ("The regime could try to take the island by force.", {"invasion"}),
        ("Ottawa froze the holdings of twelve businessmen.", {"sanctions"}),
        ("London impounded two yachts belonging to the minister.", {"sanctions"}),
        ("A ban on selling drones to Iran took effect on Monday.", {"sanctions"}),
        ("The bloc barred the airline from its airports and its market.", {"sanctions"}),
        ("Washington penalised two shipping firms for carrying Iranian oil.", {"sanctions"}),
        ("Canada levied punitive duties on Chinese steel.", {"sanctions"}),
        ("Brussels imposed new restrictions on Belarusian potash.", {"sanctions"}),
    ],
)
def test_concepts_said_without_their_words_are_found(
    nlp: Language, matcher: EscalationMatcher, text: str, concepts: set[str]
) -> None:
    assert set(predicted_concepts(matcher(nlp(text)))) == concepts


@pytest.mark.parametrize(
    "text",
    [
        "Fans stormed the pitch after the final whistle.",
        "The home side seized the lead in the first half.",
        "Market forces pushed prices into record territory.",
        "Refugees crossed into Poland at the Medyka checkpoint.",
        "Police forces moved into the square to clear the protest.",
        "The show took London by storm last summer.",
        "Critics attacked Washington over its handling of the talks.",
        "The hospital banned visitors from its wards.",
        "The central bank announced new measures to curb inflation.",
        "The ministry sanctioned the festival despite objections.",
        "A troop of monkeys raided the market stalls.",
        "The Baltic Pipe carries Norwegian gas to Poland.",
        # where, not what is attacked; and taking back one's own villages
        "Tehran denied any role in the attack on the oil tanker in the Gulf of Oman.",
        "Officials warned that an offensive in Rafah would be costly.",
        "Defenders retook three villages near the river.",
        "A new gas pipeline will link Azerbaijan to southern Italy.",
    ],
)
def test_other_senses_find_nothing(nlp: Language, matcher: EscalationMatcher, text: str) -> None:
    assert predicted_concepts(matcher(nlp(text))) == {}


def test_rules_read_the_parse_not_the_word_order(nlp: Language) -> None:
    # the same words, roles swapped: tanks on the move are troops either way, but only forces moving
    # into a place are an invasion
    moving = {h.concept for h in apply_rules(_parsed(nlp, "Tanks rolled into the town."))}
    assert moving == {"troops", "invasion"}
    parade = {h.concept for h in apply_rules(_parsed(nlp, "The town rolled out its tanks for the parade."))}
    assert parade == {"troops"}


def test_a_rule_match_is_negated_like_any_other(nlp: Language, matcher: EscalationMatcher) -> None:
    found = predicted_concepts(matcher(nlp("Ministers denied that any foreign forces were stationed there.")))
    assert found == {"troops": True}


def test_a_rule_adds_nothing_where_a_word_of_the_taxonomy_names_the_concept(
    nlp: Language, matcher: EscalationMatcher
) -> None:
    # "soldiers" is already troops: a second troops match from the rule would count it twice
    matches = matcher(nlp("Soldiers moved into the border town overnight."))
    assert [m.term for m in matches].count("troops") == 1
    assert "invasion" in predicted_concepts(matches)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Gazprom's Baltic pipeline is still awaiting certification.", True),
        ("The gas link from Ust-Luga to Lubmin was finished in 2021.", True),
        ("The German regulator delayed approval of the new Russian pipeline.", True),
        ("Nord Stream 2 was never certified.", False),  # named: the taxonomy has it
        ("The Baltic Pipe reached full capacity.", False),
        ("The pipeline to Italy will carry more gas.", False),
    ],
)
def test_the_baltic_gas_link_needs_context(nlp: Language, text: str, found: bool) -> None:
    doc = nlp(text)
    assert bool(nord_stream_spans([token_forms(t) for t in doc])) is found


def test_the_sense_filter_reads_the_object(nlp: Language) -> None:
    approved = _parsed(nlp, "The league sanctioned the merger.")
    punished = _parsed(nlp, "The EU sanctioned the minister.")
    assert other_sense(approved, 2, 3, "sanctions")
    assert not other_sense(punished, 2, 3, "sanctions")


def test_only_sentences_a_rule_could_need_are_parsed() -> None:
    assert worth_parsing({"troop", "cross"}, set())
    assert worth_parsing({"seize", "the"}, {"GPE"})
    assert not worth_parsing({"seize", "the", "lead"}, set())
    assert not worth_parsing({"the", "weather", "be", "fine"}, {"GPE"})


def test_a_batch_gives_what_each_document_gives_alone(nlp: Language, matcher: EscalationMatcher) -> None:
    # the rules parse the sentences of a whole batch in one pass: each document must get its own back
    texts = [
        "Paratroopers seized the airport outside the capital.",
        "The weather was fine.",
        "Ottawa froze the holdings of twelve businessmen. Tanks rolled into the town.",
        "Gazprom's Baltic pipeline is still awaiting certification.",
    ]
    docs = list(nlp.pipe(texts))
    assert matcher.match_many(docs) == [matcher(doc) for doc in docs]
    assert [bool(found) for found in matcher.match_many(docs)] == [True, False, True, True]
