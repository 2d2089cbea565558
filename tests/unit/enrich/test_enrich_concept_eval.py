"""The concept scorer on hand-made cases: no spaCy, no data file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from newswatch_enrich.concept_eval import (
    ConceptItem,
    evaluate_concepts,
    parse_concept_set,
    predicted_concepts,
)
from newswatch_shared.schemas import EscalationMatch


@dataclass(frozen=True)
class Result:
    escalation: Sequence[EscalationMatch] = field(default_factory=tuple)


def match(term: str, concepts: Sequence[str] = (), *, negated: bool = False) -> EscalationMatch:
    return EscalationMatch(
        term=term,
        concepts=list(concepts),
        category="x",
        weight=1.0,
        text=term,
        start=0,
        end=len(term),
        negated=negated,
    )


def item(id_: str, kind: str, concepts: Sequence[str] = (), **more: object) -> ConceptItem:
    return ConceptItem.model_validate(
        {"id": id_, "kind": kind, "text": id_, "concepts": list(concepts), **more}
    )


def test_broader_concepts_count_and_only_top_concepts_are_kept() -> None:
    found = predicted_concepts([match("asset freeze", ["asset freeze", "sanctions"]), match("war", ["war"])])
    assert found == {"sanctions": False}


def test_terms_in_also_count_with_their_broader_concepts() -> None:
    crossed = match("incursion", ["incursion", "invasion"]).model_copy(update={"also": ["tank unit"]})
    chains = {"tank unit": ("tank unit", "tanks", "troops")}
    assert predicted_concepts([crossed], chain=lambda t: chains.get(t, (t,))) == {
        "invasion": False,
        "troops": False,
    }
    assert predicted_concepts([crossed]) == {"invasion": False}  # without the scheme: the term alone


def test_a_match_without_concepts_stands_for_its_term() -> None:
    # enrichers older than the concept scheme leave `concepts` empty
    assert predicted_concepts([match("invasion")]) == {"invasion": False}


def test_a_concept_is_marked_negated_only_when_every_match_of_it_is() -> None:
    negated = match("invasion", ["invasion"], negated=True)
    assert predicted_concepts([negated]) == {"invasion": True}
    assert predicted_concepts([negated, match("incursion", ["incursion", "invasion"])]) == {"invasion": False}


def test_figures_per_kind_and_false_friend_precision() -> None:
    items = [
        item("p1", "paraphrase", ["troops", "invasion"]),
        item("p2", "paraphrase", ["sanctions"]),
        item("n1", "narrower", ["sanctions"]),
        item("f1", "false_friend"),
        item("f2", "false_friend"),
        item("f3", "false_friend"),
        item("f4", "false_friend"),
        item("g1", "negated", ["invasion"], negated=True),
    ]
    answers = {
        "p1": [match("troops", ["troops"])],  # invasion missed
        "p2": [match("embargo", ["embargo", "sanctions"])],
        "n1": [],
        "f1": [match("troops", ["troops"])],  # a false friend taken
        "f2": [match("war", ["war"])],  # not a top concept: quiet as far as the set goes
        "f3": [],
        "f4": [],
        "g1": [match("invasion", ["invasion"], negated=True)],
    }
    report = evaluate_concepts(items, lambda text, _lang: Result(answers[text]))
    figures = report.figures("dev")
    assert figures["paraphrase_recall_dev"] == pytest.approx(2 / 3, abs=1e-4)
    assert figures["narrower_recall_dev"] == 0.0
    assert figures["false_friend_precision_dev"] == 0.75
    assert figures["negated_marked_dev"] == 1.0
    # tp: troops, sanctions, invasion(g1) = 3; fp: troops(f1) = 1; fn: invasion(p1), sanctions(n1) = 2
    assert (report.total.tp, report.total.fp, report.total.fn) == (3, 1, 2)
    assert figures["concept_f1_dev"] == pytest.approx(2 * 0.75 * 0.6 / 1.35, abs=1e-4)
    assert figures["by_concept_dev"]["troops"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": pytest.approx(0.6667, abs=1e-4),
        "tp": 1,
        "fp": 1,
        "fn": 0,
    }
    assert figures["by_concept_dev"]["Nord Stream 2"]["recall"] == 1.0  # nothing expected
    assert report.error_lines() == [
        "p1 (paraphrase): missed concept 'invasion'",
        "n1 (narrower): missed concept 'sanctions'",
        "f1 (false_friend): spurious concept 'troops'",
    ]


def test_the_set_is_parsed_strictly() -> None:
    line = {"id": "c-1", "kind": "paraphrase", "text": "t", "concepts": ["troops"]}
    assert parse_concept_set(json.dumps(line))[0].concepts == ("troops",)
    with pytest.raises(ValueError, match=":1:"):
        parse_concept_set(json.dumps({**line, "kind": "other"}))
    with pytest.raises(ValueError, match="duplicate"):
        parse_concept_set(json.dumps(line) + "\n\n" + json.dumps(line))


@pytest.mark.parametrize("half", ["dev", "test"])
def test_both_halves_of_the_set_parse_and_use_only_top_concepts(half: str) -> None:
    from pathlib import Path

    from newswatch_enrich.concept_eval import TOP_CONCEPTS, load_concept_set

    path = Path(__file__).resolve().parents[2] / "data" / f"enrich_concepts_{half}.jsonl"
    items = load_concept_set(path)
    assert len(items) >= 100
    assert {c for i in items for c in i.concepts} <= set(TOP_CONCEPTS)
    assert all(not i.concepts for i in items if i.kind == "false_friend")
