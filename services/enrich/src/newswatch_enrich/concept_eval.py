"""Scoring concept recognition against the concept evaluation set (``tests/data/enrich_concepts_*.jsonl``).

The set asks one question per sentence: which of the four top concepts (troops, invasion, sanctions,
Nord Stream 2) does it carry, often without the concept's own word. Rules (docs/enrich.md, "Concept
evaluation", says why):

- **Predicted concepts** of a sentence: the union of the ``concepts`` of its escalation matches (a match
  from an enricher older than the concept scheme has none; its ``term`` stands in), kept to the top
  concepts scored. Terms in a match's ``also`` count with their broader concepts too ("soldiers crossed
  into" is one incursion match, also troops): a watchlist on them finds the article the same way.
- **Negated matches count.** A denied concept ("denied plans to attack Taiwan") is still what the
  sentence is about, and the set labels it so; a watchlist sees it marked, not hidden. A concept is
  *marked negated* when every match that yields it is negated or hedged; how often negated items are
  marked so is reported apart (``negated_marked``), as it does not change whether the concept was found.
- Per concept and in total: precision, recall and F1 over (item, concept) pairs, micro-averaged.
- ``paraphrase_recall`` and ``narrower_recall``: recall over the items of that kind only.
- ``false_friend_precision`` = 1 − (false-friend items with any predicted concept / false-friend items):
  the share of false friends on which the tagger stays quiet. Every false-friend item expects nothing,
  so a pair-level precision would not see them when nothing else is predicted.

Pure: :func:`evaluate_concepts` takes any ``tag(text, language)`` callable, e.g. ``Enricher.tag``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from newswatch_enrich.evaluate import Counts
from newswatch_shared.schemas import EscalationMatch

__all__ = [
    "TOP_CONCEPTS",
    "ConceptItem",
    "ConceptItemReport",
    "ConceptReport",
    "evaluate_concepts",
    "load_concept_set",
    "parse_concept_set",
    "predicted_concepts",
    "score_concept_item",
]

#: The concepts the evaluation set is labelled with.
TOP_CONCEPTS: tuple[str, ...] = ("troops", "invasion", "sanctions", "Nord Stream 2")

Kind = Literal["paraphrase", "false_friend", "negated", "narrower"]


class ConceptItem(BaseModel):
    """One sentence and the top concepts it carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    kind: Kind
    text: str = Field(min_length=1)
    concepts: tuple[str, ...] = ()
    negated: bool = False
    note: str = ""


class _Matches(Protocol):
    @property
    def escalation(self) -> Sequence[EscalationMatch]: ...


Chain = Callable[[str], Sequence[str]]


def _itself(term: str) -> Sequence[str]:
    return (term,)


def predicted_concepts(
    matches: Iterable[EscalationMatch], top: Sequence[str] = TOP_CONCEPTS, chain: Chain = _itself
) -> dict[str, bool]:
    """Top concepts the matches name → whether every match naming it is negated or hedged.

    ``chain(term)`` gives a term of ``also`` its broader concepts (a match carries only its own)."""
    found: dict[str, bool] = {}
    for match in matches:
        said = match.negated or match.hedged
        named = [*(match.concepts or [match.term]), *(c for t in match.also for c in chain(t))]
        for concept in named:
            if concept in top:
                found[concept] = found.get(concept, True) and said
    return found


@dataclass(frozen=True)
class ConceptItemReport:
    item: ConceptItem
    predicted: dict[str, bool]

    @property
    def missed(self) -> list[str]:
        return [c for c in self.item.concepts if c not in self.predicted]

    @property
    def spurious(self) -> list[str]:
        return [c for c in self.predicted if c not in self.item.concepts]

    def counts(self, concept: str | None = None) -> Counts:
        expected = set(self.item.concepts)
        got = set(self.predicted)
        if concept is not None:
            expected &= {concept}
            got &= {concept}
        return Counts(tp=len(expected & got), fp=len(got - expected), fn=len(expected - got))

    def errors(self) -> list[str]:
        out = [f"missed concept {c!r}" for c in self.missed]
        out += [f"spurious concept {c!r}" for c in self.spurious]
        return out


def score_concept_item(
    item: ConceptItem, result: _Matches, top: Sequence[str], chain: Chain = _itself
) -> ConceptItemReport:
    return ConceptItemReport(item, predicted_concepts(result.escalation, top, chain))


@dataclass(frozen=True)
class ConceptReport:
    items: tuple[ConceptItemReport, ...]
    top: tuple[str, ...] = TOP_CONCEPTS

    def _total(self, kind: str | None = None, concept: str | None = None) -> Counts:
        return sum((r.counts(concept) for r in self.items if kind is None or r.item.kind == kind), Counts())

    @property
    def total(self) -> Counts:
        return self._total()

    @property
    def paraphrase_recall(self) -> float:
        return self._total("paraphrase").recall

    @property
    def narrower_recall(self) -> float:
        return self._total("narrower").recall

    @property
    def false_friend_precision(self) -> float:
        friends = [r for r in self.items if r.item.kind == "false_friend"]
        if not friends:
            return 1.0
        return 1.0 - sum(1 for r in friends if r.predicted) / len(friends)

    @property
    def negated_marked(self) -> float:
        """Of the negated items' expected concepts, the share found and marked negated."""
        wanted = [(r, c) for r in self.items if r.item.negated for c in r.item.concepts]
        if not wanted:
            return 1.0
        return sum(1 for r, c in wanted if r.predicted.get(c) is True) / len(wanted)

    def by_concept(self) -> dict[str, dict[str, float | int]]:
        out: dict[str, dict[str, float | int]] = {}
        for concept in self.top:
            c = self._total(concept=concept)
            out[concept] = {
                "precision": round(c.precision, 4),
                "recall": round(c.recall, 4),
                "f1": round(c.f1, 4),
                "tp": c.tp,
                "fp": c.fp,
                "fn": c.fn,
            }
        return out

    def figures(self, suffix: str) -> dict[str, Any]:
        """Flat figures, each key ending in ``_{suffix}`` (``dev``, ``test``)."""
        total = self.total
        return {
            f"concept_precision_{suffix}": round(total.precision, 4),
            f"concept_recall_{suffix}": round(total.recall, 4),
            f"concept_f1_{suffix}": round(total.f1, 4),
            f"paraphrase_recall_{suffix}": round(self.paraphrase_recall, 4),
            f"narrower_recall_{suffix}": round(self.narrower_recall, 4),
            f"false_friend_precision_{suffix}": round(self.false_friend_precision, 4),
            f"negated_marked_{suffix}": round(self.negated_marked, 4),
            f"concept_items_{suffix}": len(self.items),
            f"by_concept_{suffix}": self.by_concept(),
        }

    def error_lines(self) -> list[str]:
        return [f"{r.item.id} ({r.item.kind}): {e}" for r in self.items for e in r.errors()]


def evaluate_concepts(
    items: Sequence[ConceptItem],
    tag: Callable[[str, str | None], _Matches],
    top: Sequence[str] = TOP_CONCEPTS,
    chain: Chain = _itself,
) -> ConceptReport:
    """Tag every item (as English) and score its predicted top concepts; ``chain`` is the scheme's
    ``broader_chain`` (for the terms in ``also``)."""
    reports = tuple(score_concept_item(i, tag(i.text, None), top, chain) for i in items)
    return ConceptReport(reports, tuple(top))


def parse_concept_set(text: str, source: str = "<concept set>") -> list[ConceptItem]:
    """Items of a JSON-lines concept set; blank lines skipped; errors name the line."""
    items: list[ConceptItem] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(ConceptItem.model_validate(json.loads(line)))
        except json.JSONDecodeError as e:
            raise ValueError(f"{source}:{number}: not valid JSON: {e}") from e
        except ValidationError as e:
            raise ValueError(f"{source}:{number}: {e}") from e
    duplicates = sorted(i for i, n in Counter(item.id for item in items).items() if n > 1)
    if duplicates:
        raise ValueError(f"{source}: duplicate item ids {duplicates}")
    return items


def load_concept_set(path: Path) -> list[ConceptItem]:
    return parse_concept_set(path.read_text(encoding="utf-8"), str(path))
