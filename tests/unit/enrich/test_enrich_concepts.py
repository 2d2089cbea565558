"""The concept hierarchy in the packaged taxonomy, and the concepts each match carries."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest
from spacy.language import Language

from newswatch_enrich.concept_eval import TOP_CONCEPTS, predicted_concepts
from newswatch_enrich.escalation import EscalationMatcher
from newswatch_enrich.score import score_matches
from newswatch_enrich.taxonomy import Taxonomy


@pytest.mark.parametrize("concept", TOP_CONCEPTS)
def test_the_four_named_concepts_are_top_concepts_with_their_cameo_codes(
    taxonomy: Taxonomy, concept: str
) -> None:
    assert concept in taxonomy.scheme().top_concepts()
    assert taxonomy.term(concept).cameo or concept == "Nord Stream 2"  # CAMEO has no energy codes


@pytest.mark.parametrize(
    ("narrower", "chain"),
    [
        ("asset freeze", ("asset freeze", "sanctions")),
        ("embargo", ("embargo", "sanctions")),
        ("energy embargo", ("energy embargo", "embargo", "sanctions")),
        ("SWIFT ban", ("SWIFT ban", "sanctions")),
        ("export controls", ("export controls", "sanctions")),
        ("travel ban", ("travel ban", "sanctions")),
        ("blacklisting", ("blacklisting", "sanctions")),
        ("punitive tariffs", ("punitive tariffs", "sanctions")),
        ("sanctions relief", ("sanctions relief", "sanctions")),
        ("incursion", ("incursion", "invasion")),
        ("occupation", ("occupation", "invasion")),
        ("annexation", ("annexation", "invasion")),
        ("military buildup", ("military buildup", "troops")),
        ("troop deployment", ("troop deployment", "troops")),
        ("mobilisation", ("mobilisation", "troops")),
        ("tanks", ("tanks", "troops")),
        ("artillery", ("artillery", "troops")),
        ("withdrawal", ("withdrawal", "troops")),
        # not kinds of the four: a watchlist on them must not hear of these
        ("boycott", ("boycott",)),
        ("trade war", ("trade war",)),
        ("fighting", ("fighting",)),
        ("Nord Stream", ("Nord Stream",)),
    ],
)
def test_narrower_concepts_sit_under_the_right_top_concept(
    taxonomy: Taxonomy, narrower: str, chain: tuple[str, ...]
) -> None:
    assert taxonomy.scheme().broader_chain(narrower) == chain


@pytest.mark.parametrize(
    ("text", "term", "concepts"),
    [
        (
            "The bloc agreed an oil embargo on Friday.",
            "energy embargo",
            ["energy embargo", "embargo", "sanctions"],
        ),
        ("Washington froze the assets of six banks.", "asset freeze", ["asset freeze", "sanctions"]),
        ("Tanks were seen on the highway.", "tanks", ["tanks", "troops"]),
        ("The annexation was condemned.", "annexation", ["annexation", "invasion"]),
        ("Soldiers were seen on the highway.", "troops", ["troops"]),
    ],
)
def test_each_match_carries_its_concept_then_the_broader_ones_nearest_first(
    nlp: Language, matcher: EscalationMatcher, text: str, term: str, concepts: list[str]
) -> None:
    found = [m for m in matcher(nlp(text)) if m.term == term]
    assert [m.concepts for m in found] == [concepts]


def _flat_taxonomy() -> Taxonomy:
    """The packaged taxonomy with every ``broader`` removed: the same terms, no hierarchy."""
    text = resources.files("newswatch_shared").joinpath("data/taxonomy.toml").read_text("utf-8")
    document = tomllib.loads(text)
    for term in document["terms"]:
        term.pop("broader", None)
    return Taxonomy.model_validate(document)


STORY = (
    "The EU imposed an oil embargo and froze the assets of three banks. Tanks and artillery moved to the "
    "border; an incursion followed, and troops occupied two towns. Export controls and a travel ban were "
    "added, and Washington blacklisted the firm. Officials denied that any annexation was planned."
)


def test_broader_concepts_do_not_change_the_score(
    nlp: Language, taxonomy: Taxonomy, matcher: EscalationMatcher
) -> None:
    # The hierarchy must only label matches: counting an embargo again as sanctions would double it.
    # (Phrases only: the concept rules read the hierarchy to skip concepts a sentence already names.)
    doc = nlp(STORY)
    with_hierarchy = EscalationMatcher(taxonomy, nlp, concept_rules=False)(doc)
    flat = EscalationMatcher(_flat_taxonomy(), nlp, concept_rules=False)(doc)
    assert any(len(m.concepts) > 1 for m in with_hierarchy)
    assert [m.model_dump(exclude={"concepts"}) for m in with_hierarchy] == [
        m.model_dump(exclude={"concepts"}) for m in flat
    ]
    assert score_matches(with_hierarchy, taxonomy.scoring) == score_matches(flat, taxonomy.scoring)
    assert {c for m in with_hierarchy for c in m.concepts} > {c for m in flat for c in m.concepts}


def test_the_score_reads_terms_not_concepts(
    matcher: EscalationMatcher, nlp: Language, taxonomy: Taxonomy
) -> None:
    matches = matcher(nlp("The EU imposed an oil embargo and an asset freeze."))
    stripped = [m.model_copy(update={"concepts": []}) for m in matches]
    assert score_matches(matches, taxonomy.scoring) == score_matches(stripped, taxonomy.scoring)


@pytest.mark.parametrize(
    "text",
    [
        "The culture ministry sanctioned the three-day festival despite objections from residents.",
        "Rangers counted a troop of 40 baboons raiding bins at the edge of town.",
        "An invasion of jellyfish closed the beaches for the weekend.",
        "The band's invasion of the American charts began in 1964.",
        "Regulators are watching the chain's invasion of the pharmacy market.",
        "Weeds are invading lawns across the region.",
        "The city council voted to annex 300 acres of farmland.",
        "She listed her occupation as nurse on the census form.",
        "The email provider blacklisted the domain after a spam wave.",
    ],
)
def test_false_friends_name_none_of_the_top_concepts(
    nlp: Language, matcher: EscalationMatcher, text: str
) -> None:
    assert predicted_concepts(matcher(nlp(text))) == {}
