"""Concept recognition on the dev half of the concept set (enrich_concepts_dev.jsonl), held above floors.

Floors only on the dev half: the test half (enrich_concepts_test.jsonl) is reported by
``newswatch bench enrich-quality`` and never held here, so it is not tuned against. Measured on dev
(en_core_web_sm 3.8, taxonomy 2026.1, 2026-12-04): concept F1 0.980, paraphrase recall 0.963,
false-friend precision 1.000, narrower recall 0.933 (before the concept work: 0.121, 0.061, 0.714,
0.133). Floors a little below, so that a change in spaCy's parse of one sentence does not fail CI while a
lost rule or a broken hierarchy does; docs/enrich.md has the figures of both halves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch_enrich.concept_eval import ConceptReport, evaluate_concepts, load_concept_set
from newswatch_enrich.enricher import Enricher
from newswatch_enrich.taxonomy import Taxonomy

DEV = Path(__file__).resolve().parents[2] / "data" / "enrich_concepts_dev.jsonl"

CONCEPT_F1_FLOOR = 0.94
PARAPHRASE_RECALL_FLOOR = 0.90
FALSE_FRIEND_PRECISION_FLOOR = 0.90
NARROWER_RECALL_FLOOR = 0.85


@pytest.fixture(scope="module")
def report(enricher: Enricher, taxonomy: Taxonomy) -> ConceptReport:
    return evaluate_concepts(load_concept_set(DEV), enricher.tag, chain=taxonomy.scheme().broader_chain)


def _errors(report: ConceptReport) -> str:
    return "\n".join(report.error_lines())


def test_concept_f1_holds_its_floor(report: ConceptReport) -> None:
    assert report.total.f1 >= CONCEPT_F1_FLOOR, _errors(report)


def test_paraphrase_recall_holds_its_floor(report: ConceptReport) -> None:
    assert report.paraphrase_recall >= PARAPHRASE_RECALL_FLOOR, _errors(report)


def test_false_friend_precision_holds_its_floor(report: ConceptReport) -> None:
    assert report.false_friend_precision >= FALSE_FRIEND_PRECISION_FLOOR, _errors(report)


def test_narrower_recall_holds_its_floor(report: ConceptReport) -> None:
    assert report.narrower_recall >= NARROWER_RECALL_FLOOR, _errors(report)
