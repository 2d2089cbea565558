"""Scoring the tagger against a hand-annotated evaluation set (``tests/data/enrich_eval.jsonl``).

The set is JSON lines, one item per line::

    {"id": "ru-04", "tags": ["ru-ua", "negation"], "language": "en",
     "text": "The Kremlin denied it was planning to invade Ukraine, ...",
     "entities": [{"text": "Kremlin", "label": "ORG", "country": "RU"},
                  {"text": "Crimea", "label": ["GPE", "LOC"], "country": "UA"}, ...],
     "escalation": [{"term": "invasion", "negated": true}]}

Matching rules (docs/enrich.md, "Evaluation", says why):

- **Entities**, per item: an expected entity matches a predicted one when the normalised expected text
  equals the normalised predicted ``text`` or ``canonical`` (NFKC, case-folded, whitespace collapsed, a
  leading "the" and a trailing possessive dropped), the predicted label is one of the expected labels,
  and, when the expected entity has a ``country`` key, the predicted country equals it (``null`` means
  "must have none"; no key means "not checked"). Each prediction matches at most one expectation
  (maximum bipartite matching). Unmatched expectations are false negatives, unmatched predictions false
  positives: a right name with a wrong label or country counts as both.
- **Escalation terms**, per item: a multiset of canonical term names. For each term, ``min(expected,
  predicted)`` occurrences are true positives, the rest false negatives or false positives.
- **Negation**, over the matched occurrences of each term (paired in order): a prediction counts as
  negated when it is ``negated`` (or ``hedged``, should the schema grow that flag). Scored as its own
  precision/recall with "negated" as the positive class, so that negation errors are visible without
  blurring term detection.

Precision is 1 when nothing was predicted, recall 1 when nothing was expected; F1 is their harmonic mean.
The module is pure: :func:`evaluate` takes any ``tag(text, language)`` callable, e.g. ``Enricher.tag``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from newswatch_shared.schemas import Entity, EscalationMatch

__all__ = [
    "NAME_LABELS",
    "Counts",
    "EvalItem",
    "EvalReport",
    "ExpectedEntity",
    "ExpectedTerm",
    "ItemReport",
    "Tagged",
    "evaluate",
    "load_eval_set",
    "normalise_name",
    "parse_eval_set",
    "score_item",
    "unknown_terms",
]

#: The OntoNotes name types the tagger keeps (numeric types such as DATE are not annotated).
NAME_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)

_LEADING_THE = re.compile(r"^the\s+")
_POSSESSIVE = re.compile(r"'s?$")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def normalise_name(text: str) -> str:
    """The form names are compared in: "the Kremlin's" and "kremlin" are the same name."""
    folded = " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold().split())
    return _POSSESSIVE.sub("", _LEADING_THE.sub("", folded)).strip()


def _labels(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


class ExpectedEntity(BaseModel):
    """An entity a careful annotator expects; ``label`` may list several acceptable labels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1)
    label: Annotated[tuple[str, ...], BeforeValidator(_labels)] = Field(min_length=1)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")

    @field_validator("label")
    @classmethod
    def _known_labels(cls, labels: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(labels) - NAME_LABELS)
        if unknown:
            raise ValueError(f"unknown label(s) {unknown}; use one of {sorted(NAME_LABELS)}")
        return labels

    @property
    def checks_country(self) -> bool:
        """True when the item says which country (or explicitly none) the entity belongs to."""
        return "country" in self.model_fields_set

    def matches(self, entity: Entity) -> bool:
        name = normalise_name(self.text)
        return (
            name in (normalise_name(entity.text), normalise_name(entity.canonical))
            and entity.label in self.label
            and (not self.checks_country or entity.country == self.country)
        )

    def __str__(self) -> str:
        country = (self.country or "none") if self.checks_country else "any"
        return f"{self.text}/{'|'.join(self.label)}/{country}"


class ExpectedTerm(BaseModel):
    """One expected occurrence of a canonical taxonomy term."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str = Field(min_length=1)
    negated: bool = Field(default=False, description="Negated or hedged: the text does not assert it.")


class EvalItem(BaseModel):
    """One sentence or headline with what a careful annotator expects the tagger to find."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    language: str | None = None
    tags: tuple[str, ...] = ()
    entities: tuple[ExpectedEntity, ...] = ()
    escalation: tuple[ExpectedTerm, ...] = ()


class Tagged(Protocol):
    """What the scorer reads from a tagging result (``TagResult`` has it)."""

    @property
    def entities(self) -> Sequence[Entity]: ...

    @property
    def escalation(self) -> Sequence[EscalationMatch]: ...


@dataclass(frozen=True)
class Counts:
    """True positives, false positives and false negatives, with the measures derived from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def figures(self, prefix: str) -> dict[str, float | int]:
        return {
            f"{prefix}_precision": round(self.precision, 4),
            f"{prefix}_recall": round(self.recall, 4),
            f"{prefix}_f1": round(self.f1, 4),
            f"{prefix}_tp": self.tp,
            f"{prefix}_fp": self.fp,
            f"{prefix}_fn": self.fn,
        }


@dataclass(frozen=True)
class ItemReport:
    """The scores of one item and, for debugging, what went wrong in it."""

    item: EvalItem
    entities: Counts
    escalation: Counts
    negation: Counts
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvalReport:
    items: tuple[ItemReport, ...]
    unknown_terms: tuple[str, ...] = ()
    by_tag: dict[str, dict[str, float | int]] = field(default_factory=dict)

    @property
    def entities(self) -> Counts:
        return sum((r.entities for r in self.items), Counts())

    @property
    def escalation(self) -> Counts:
        return sum((r.escalation for r in self.items), Counts())

    @property
    def negation(self) -> Counts:
        return sum((r.negation for r in self.items), Counts())

    def figures(self) -> dict[str, Any]:
        """The flat JSON figures of ``newswatch bench enrich-quality``."""
        return {
            **self.entities.figures("entity"),
            **self.escalation.figures("escalation"),
            **self.negation.figures("negation"),
            "items": len(self.items),
            "items_with_errors": sum(1 for r in self.items if r.errors),
            "unknown_terms": list(self.unknown_terms),
            "by_tag": self.by_tag,
        }

    def error_lines(self) -> list[str]:
        """One line per error, prefixed with the item id: the ``--verbose`` listing."""
        return [f"{r.item.id}: {e}" for r in self.items for e in r.errors]


def _is_negated(match: EscalationMatch) -> bool:
    return match.negated or bool(getattr(match, "hedged", False))


def _max_matching(n_left: int, n_right: int, edge: Callable[[int, int], bool]) -> dict[int, int]:
    """Maximum bipartite matching (Kuhn's augmenting paths), left index → right index."""
    owner: dict[int, int] = {}

    def augment(left: int, seen: set[int]) -> bool:
        for right in range(n_right):
            if right in seen or not edge(left, right):
                continue
            seen.add(right)
            if right not in owner or augment(owner[right], seen):
                owner[right] = left
                return True
        return False

    for left in range(n_left):
        augment(left, set())
    return {left: right for right, left in owner.items()}


def _show(entity: Entity) -> str:
    return f"{entity.text}/{entity.label}/{entity.country or 'none'}"


def _score_entities(
    expected: Sequence[ExpectedEntity], predicted: Sequence[Entity]
) -> tuple[Counts, list[str]]:
    pairs = _max_matching(len(expected), len(predicted), lambda i, j: expected[i].matches(predicted[j]))
    used = set(pairs.values())
    spurious = [p for j, p in enumerate(predicted) if j not in used]
    errors: list[str] = []
    for i, exp in enumerate(expected):
        if i in pairs:
            continue
        name = normalise_name(exp.text)
        near = [p for p in spurious if name in (normalise_name(p.text), normalise_name(p.canonical))]
        got = f" (got {', '.join(_show(p) for p in near)})" if near else ""
        errors.append(f"missed entity {exp}{got}")
    errors.extend(f"spurious entity {_show(p)}" for p in spurious)
    return Counts(tp=len(pairs), fp=len(spurious), fn=len(expected) - len(pairs)), errors


def _score_terms(
    expected: Sequence[ExpectedTerm], predicted: Sequence[EscalationMatch]
) -> tuple[Counts, Counts, list[str]]:
    want: dict[str, list[ExpectedTerm]] = defaultdict(list)
    got: dict[str, list[EscalationMatch]] = defaultdict(list)
    for e in expected:
        want[e.term].append(e)
    for m in sorted(predicted, key=lambda m: m.start):
        got[m.term].append(m)
    terms, negation = Counts(), Counts()
    errors: list[str] = []
    for term in [*want, *(t for t in got if t not in want)]:
        exp, pred = want.get(term, []), got.get(term, [])
        hits = min(len(exp), len(pred))
        terms += Counts(tp=hits, fp=len(pred) - hits, fn=len(exp) - hits)
        errors.extend(f"missed term {term!r}" + (" (negated)" if e.negated else "") for e in exp[hits:])
        errors.extend(f"spurious term {term!r} from {m.text!r} at {m.start}-{m.end}" for m in pred[hits:])
        for e, m in zip(exp, pred, strict=False):
            said = _is_negated(m)
            negation += Counts(
                tp=int(e.negated and said), fp=int(said and not e.negated), fn=int(e.negated and not said)
            )
            if said != e.negated:
                state = "negated" if said else "not negated"
                errors.append(f"term {term!r} from {m.text!r} marked {state}, expected the opposite")
    return terms, negation, errors


def score_item(item: EvalItem, result: Tagged) -> ItemReport:
    """Compare one tagging result with the item's expectations."""
    entities, entity_errors = _score_entities(item.entities, result.entities)
    terms, negation, term_errors = _score_terms(item.escalation, result.escalation)
    return ItemReport(item, entities, terms, negation, tuple(entity_errors + term_errors))


def _by_tag(reports: Iterable[ItemReport]) -> dict[str, dict[str, float | int]]:
    groups: dict[str, list[ItemReport]] = defaultdict(list)
    for r in reports:
        for tag in r.item.tags:
            groups[tag].append(r)
    out: dict[str, dict[str, float | int]] = {}
    for tag in sorted(groups):
        entities = sum((r.entities for r in groups[tag]), Counts())
        terms = sum((r.escalation for r in groups[tag]), Counts())
        out[tag] = {
            "items": len(groups[tag]),
            "entity_f1": round(entities.f1, 4),
            "escalation_precision": round(terms.precision, 4),
            "escalation_recall": round(terms.recall, 4),
            "escalation_f1": round(terms.f1, 4),
        }
    return out


def unknown_terms(items: Iterable[EvalItem], known: Collection[str]) -> list[str]:
    """Expected term names the taxonomy does not have (a renamed term would silently count as missed)."""
    return sorted({t.term for item in items for t in item.escalation} - set(known))


def evaluate(
    items: Sequence[EvalItem],
    tag: Callable[[str, str | None], Tagged],
    known_terms: Collection[str] | None = None,
) -> EvalReport:
    """Tag every item with ``tag(text, language)`` and score the results."""
    reports = tuple(score_item(item, tag(item.text, item.language)) for item in items)
    unknown = unknown_terms(items, known_terms) if known_terms is not None else []
    return EvalReport(reports, tuple(unknown), _by_tag(reports))


def parse_eval_set(text: str, source: str = "<eval set>") -> list[EvalItem]:
    """Items of a JSON-lines evaluation set; blank lines are skipped. Errors name the line."""
    items: list[EvalItem] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(EvalItem.model_validate(json.loads(line)))
        except json.JSONDecodeError as e:
            raise ValueError(f"{source}:{number}: not valid JSON: {e}") from e
        except ValidationError as e:
            raise ValueError(f"{source}:{number}: {e}") from e
    duplicates = sorted(i for i, n in Counter(item.id for item in items).items() if n > 1)
    if duplicates:
        raise ValueError(f"{source}: duplicate item ids {duplicates}")
    return items


def load_eval_set(path: Path) -> list[EvalItem]:
    return parse_eval_set(path.read_text(encoding="utf-8"), str(path))
