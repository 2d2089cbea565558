"""The evaluation scorer on tiny hand-made cases: no spaCy, no data file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from newswatch_enrich.evaluate import (
    Counts,
    EvalItem,
    evaluate,
    normalise_name,
    parse_eval_set,
    score_item,
)
from newswatch_shared.schemas import Entity, EscalationMatch


@dataclass(frozen=True)
class Result:
    entities: Sequence[Entity] = ()
    escalation: Sequence[EscalationMatch] = field(default_factory=tuple)


def item(**fields: object) -> EvalItem:
    return EvalItem.model_validate({"id": "t", "text": "some text", **fields})


def ent(text: str, label: str, country: str | None = None, canonical: str | None = None) -> Entity:
    return Entity(text=text, label=label, canonical=canonical or text, country=country)


def match(term: str, start: int = 0, *, negated: bool = False, text: str | None = None) -> EscalationMatch:
    word = text or term
    return EscalationMatch(
        term=term,
        category="military",
        weight=1.0,
        text=word,
        start=start,
        end=start + len(word),
        negated=negated,
    )


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("the Kremlin's", "kremlin"),
        ("The  Black\tSea", "black sea"),
        ("Kyiv\u2019s", "kyiv"),
        ("U.S.", "u.s."),
        ("RUSSIAN", "russian"),
        ("Theodore", "theodore"),  # only a whole leading word "the" goes
    ],
)
def test_names_are_compared_case_folded_without_article_or_possessive(raw: str, normal: str) -> None:
    assert normalise_name(raw) == normal


def test_expected_text_matches_the_predicted_text_or_canonical_name() -> None:
    expected = item(entities=[{"text": "Kiev", "label": "GPE"}, {"text": "Moscow", "label": "GPE"}])
    predicted = [
        ent("Kiev", "GPE", "UA", canonical="Kyiv"),
        ent("the Moscow", "GPE", "RU", canonical="Moscow"),
    ]
    assert score_item(expected, Result(predicted)).entities == Counts(tp=2)
    by_canonical = item(entities=[{"text": "Kyiv", "label": "GPE"}])
    assert score_item(by_canonical, Result([ent("Kiev", "GPE", canonical="Kyiv")])).entities == Counts(tp=1)


def test_wrong_label_is_a_miss_and_a_spurious_entity_and_the_error_says_what_came_instead() -> None:
    report = score_item(
        item(entities=[{"text": "Kyiv", "label": "GPE", "country": "UA"}]), Result([ent("Kyiv", "PERSON")])
    )
    assert report.entities == Counts(tp=0, fp=1, fn=1)
    assert report.errors == (
        "missed entity Kyiv/GPE/UA (got Kyiv/PERSON/none)",
        "spurious entity Kyiv/PERSON/none",
    )


def test_a_list_of_labels_accepts_any_of_them() -> None:
    expected = item(entities=[{"text": "Crimea", "label": ["GPE", "LOC"], "country": "UA"}])
    assert score_item(expected, Result([ent("Crimea", "LOC", "UA")])).entities == Counts(tp=1)
    assert score_item(expected, Result([ent("Crimea", "ORG", "UA")])).entities == Counts(fp=1, fn=1)


@pytest.mark.parametrize(
    ("expected", "predicted_country", "hit"),
    [
        ({"text": "Kremlin", "label": "ORG"}, "RU", True),  # no key: not checked
        ({"text": "Kremlin", "label": "ORG"}, None, True),
        ({"text": "Kremlin", "label": "ORG", "country": "RU"}, "RU", True),
        ({"text": "Kremlin", "label": "ORG", "country": "RU"}, None, False),
        ({"text": "Kremlin", "label": "ORG", "country": "RU"}, "UA", False),
        ({"text": "Kremlin", "label": "ORG", "country": None}, None, True),  # null: must have none
        ({"text": "Kremlin", "label": "ORG", "country": None}, "RU", False),
    ],
)
def test_country_is_checked_only_when_the_item_gives_one(
    expected: dict[str, object], predicted_country: str | None, hit: bool
) -> None:
    counts = score_item(
        item(entities=[expected]), Result([ent("Kremlin", "ORG", predicted_country)])
    ).entities
    assert counts == (Counts(tp=1) if hit else Counts(fp=1, fn=1))


def test_entities_are_paired_by_maximum_matching_not_first_come() -> None:
    # Greedy pairing would give the first expectation the LOC prediction and leave the second unmatched.
    expected = item(
        entities=[{"text": "Georgia", "label": ["LOC", "GPE"]}, {"text": "Georgia", "label": "LOC"}]
    )
    predicted = [ent("Georgia", "LOC"), ent("Georgia", "GPE")]
    assert score_item(expected, Result(predicted)).entities == Counts(tp=2)


def test_terms_are_counted_as_a_multiset_per_item() -> None:
    expected = item(escalation=[{"term": "troops"}, {"term": "troops"}, {"term": "invasion"}])
    predicted = [match("troops", 0), match("sanctions", 10, text="sanctioned"), match("invasion", 20)]
    report = score_item(expected, Result(escalation=predicted))
    assert report.escalation == Counts(tp=2, fp=1, fn=1)
    assert "missed term 'troops'" in report.errors
    assert "spurious term 'sanctions' from 'sanctioned' at 10-20" in report.errors


def test_negation_is_scored_on_matched_occurrences_in_text_order() -> None:
    expected = item(escalation=[{"term": "troops", "negated": True}, {"term": "troops"}])
    # Predictions arrive out of order; the first in the text is paired with the first expectation.
    predicted = [match("troops", 30), match("troops", 5, negated=True)]
    report = score_item(expected, Result(escalation=predicted))
    assert report.escalation == Counts(tp=2)
    assert report.negation == Counts(tp=1)
    wrong = score_item(expected, Result(escalation=[match("troops", 5), match("troops", 30, negated=True)]))
    assert wrong.negation == Counts(tp=0, fp=1, fn=1)
    assert len([e for e in wrong.errors if "expected the opposite" in e]) == 2


def test_a_hedged_prediction_counts_as_negated() -> None:
    if "hedged" not in EscalationMatch.model_fields:
        pytest.skip("EscalationMatch has no hedged flag")
    hedged = EscalationMatch.model_validate({**match("invasion").model_dump(), "hedged": True})
    expected = item(escalation=[{"term": "invasion", "negated": True}])
    assert score_item(expected, Result(escalation=[hedged])).negation == Counts(tp=1)


def test_an_unasked_negation_of_an_unexpected_term_is_not_a_negation_error() -> None:
    report = score_item(item(), Result(escalation=[match("troops", negated=True)]))
    assert report.escalation == Counts(fp=1)
    assert report.negation == Counts()


@pytest.mark.parametrize(
    ("counts", "precision", "recall", "f1"),
    [
        (Counts(tp=3, fp=1, fn=2), 0.75, 0.6, 2 * 0.75 * 0.6 / 1.35),
        (Counts(), 1.0, 1.0, 1.0),  # nothing expected, nothing claimed
        (Counts(fn=4), 1.0, 0.0, 0.0),  # claims nothing: precision has nothing wrong, recall is 0
        (Counts(fp=2), 0.0, 1.0, 0.0),
    ],
)
def test_counts_give_precision_recall_and_f1(
    counts: Counts, precision: float, recall: float, f1: float
) -> None:
    assert (counts.precision, counts.recall) == (precision, recall)
    assert counts.f1 == pytest.approx(f1)


def test_counts_add_up() -> None:
    assert Counts(1, 2, 3) + Counts(10, 20, 30) == Counts(11, 22, 33)


def test_evaluate_tags_every_item_and_reports_flat_figures_and_per_tag_scores() -> None:
    items = [
        item(
            id="a",
            text="A",
            tags=["x"],
            entities=[{"text": "Kyiv", "label": "GPE"}],
            escalation=[{"term": "troops"}],
        ),
        item(id="b", text="B", tags=["x", "y"], language="de"),
    ]
    answers = {"A": Result([ent("Kyiv", "GPE")], [match("troops"), match("war", 9)]), "B": Result()}
    seen: list[tuple[str, str | None]] = []

    def tag(text: str, language: str | None) -> Result:
        seen.append((text, language))
        return answers[text]

    report = evaluate(items, tag, known_terms={"troops", "war"})
    assert seen == [("A", None), ("B", "de")]
    figures = report.figures()
    assert figures["entity_f1"] == 1.0
    assert (figures["escalation_tp"], figures["escalation_fp"], figures["escalation_fn"]) == (1, 1, 0)
    assert figures["escalation_precision"] == 0.5
    assert (figures["items"], figures["items_with_errors"], figures["unknown_terms"]) == (2, 1, [])
    assert figures["by_tag"]["y"] == {
        "items": 1,
        "entity_f1": 1.0,
        "escalation_precision": 1.0,
        "escalation_recall": 1.0,
        "escalation_f1": 1.0,
    }
    assert report.error_lines() == ["a: spurious term 'war' from 'war' at 9-12"]


def test_terms_the_taxonomy_does_not_have_are_reported() -> None:
    items = [item(escalation=[{"term": "troops"}, {"term": "tropps"}])]
    report = evaluate(items, lambda text, language: Result(), known_terms={"troops"})
    assert report.unknown_terms == ("tropps",)


def test_the_set_is_parsed_line_by_line_with_labels_as_tuples() -> None:
    lines = [
        {"id": "a", "text": "Kyiv", "entities": [{"text": "Kyiv", "label": "GPE", "country": "UA"}]},
        {"id": "b", "text": "x", "escalation": [{"term": "troops", "negated": True}], "tags": ["negation"]},
    ]
    items = parse_eval_set("\n".join(json.dumps(line) for line in lines) + "\n\n")
    assert [i.id for i in items] == ["a", "b"]
    assert items[0].entities[0].label == ("GPE",)
    assert items[0].entities[0].checks_country
    assert items[1].escalation[0].negated


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": "a", "text": "x"', "not valid JSON"),
        ('{"id": "a", "text": "x", "entities": [{"text": "K", "label": "CITY"}]}', "unknown label"),
        ('{"id": "a", "text": "x", "entities": [{"text": "K", "label": "GPE", "country": "ua"}]}', "pattern"),
        ('{"id": "a", "text": "x", "escalation": [{"term": ""}]}', "at least 1 character"),
        ('{"id": "a", "text": "x", "note": "?"}', "Extra inputs"),
    ],
)
def test_a_bad_line_is_refused_with_its_line_number(line: str, problem: str) -> None:
    with pytest.raises(ValueError, match=r"set\.jsonl:2: ") as caught:
        parse_eval_set('{"id": "ok", "text": "fine"}\n' + line, "set.jsonl")
    assert problem in str(caught.value)


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match=r"duplicate item ids \['a'\]"):
        parse_eval_set('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}')
