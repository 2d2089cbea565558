"""The escalation concept scheme: concepts with a preferred label, variants and broader concepts.

SKOS-like, read from the taxonomy (``data/taxonomy.toml``, the file enrich tags with): every
``[[terms]]`` entry is a concept whose preferred label is its ``term``, whose alternative labels are
its ``variants``, and whose ``broader`` list names the concepts it is a kind of ("asset freeze" →
"sanctions"). Concepts without ``broader`` are top concepts. Categories group concepts for scoring
and for ``category:`` queries; they are not concepts.

It lives in shared because both sides need the same scheme: enrich labels each match with its concept
and every broader one, and alert resolves what users type (``term:blockade`` is the concept
``siege``; ``term:sanction`` is ``sanctions``), refuses names it does not know with the nearest known
ones, and serves the scheme at ``GET /concepts``. The scheme is checked when loaded: every broader
concept exists, there is no cycle, and no label belongs to two concepts.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from newswatch_shared.errors import ConfigError

__all__ = ["Concept", "ConceptScheme", "label_key", "load_scheme", "parse_scheme"]


def label_key(text: str) -> str:
    """The form labels are compared in: case-folded, hyphens and runs of whitespace as one space."""
    return " ".join(text.casefold().replace("-", " ").split())


@dataclass(frozen=True)
class Concept:
    name: str  # preferred label, the name in matches, queries and alerts
    category: str
    variants: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()  # direct broader concepts, in the order written
    description: str = ""


@dataclass(frozen=True)
class ConceptScheme:
    version: str
    concepts: Mapping[str, Concept]
    categories: Mapping[str, str]  # name → description
    _labels: dict[str, str] = field(default_factory=dict, repr=False)
    _narrower: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, version: str, concepts: Iterable[Concept], categories: Mapping[str, str]) -> ConceptScheme:
        """The scheme, checked; a :class:`ValueError` lists every problem."""
        by_name: dict[str, Concept] = {}
        problems: list[str] = []
        for concept in concepts:
            if concept.name in by_name:
                problems.append(f"concept {concept.name!r} is defined twice")
            by_name[concept.name] = concept
        labels: dict[str, str] = {}
        for concept in by_name.values():
            if concept.category not in categories:
                problems.append(f"concept {concept.name!r}: unknown category {concept.category!r}")
            for broader in concept.broader:
                if broader not in by_name:
                    problems.append(f"concept {concept.name!r}: unknown broader concept {broader!r}")
            for label in (concept.name, *concept.variants):
                key = label_key(label)
                owner = labels.setdefault(key, concept.name)
                if owner != concept.name:
                    problems.append(f"label {label!r} belongs to {owner!r} and {concept.name!r}")
        scheme = cls(version, by_name, dict(categories), labels)
        if not problems:
            for name in by_name:
                chain = scheme._walk(name, problems)
                if chain is None:
                    break
        if problems:
            raise ValueError("; ".join(dict.fromkeys(problems)))
        narrower: dict[str, set[str]] = {name: {name} for name in by_name}
        for name in by_name:
            for broader in scheme.broader_chain(name)[1:]:
                narrower[broader].add(name)
        scheme._narrower.update({k: frozenset(v) for k, v in narrower.items()})
        return scheme

    def _walk(self, name: str, problems: list[str]) -> tuple[str, ...] | None:
        order: list[str] = []
        queue = [name]
        seen: set[str] = set()
        while queue:
            current = queue.pop(0)
            if current in seen:
                continue
            seen.add(current)
            order.append(current)
            for broader in self.concepts[current].broader:
                if broader == name:
                    problems.append(f"concept {name!r} is broader than itself (a cycle)")
                    return None
                queue.append(broader)
        return tuple(order)

    def broader_chain(self, name: str) -> tuple[str, ...]:
        """``name``, then every broader concept, nearest first (breadth first, each once)."""
        chain = self._walk(name, [])
        return chain if chain is not None else (name,)

    def narrower(self, name: str) -> frozenset[str]:
        """``name`` and every concept narrower than it, at any depth."""
        return self._narrower.get(name, frozenset({name}))

    def top_concepts(self) -> list[str]:
        return [c.name for c in self.concepts.values() if not c.broader]

    def resolve(self, label: str) -> str | None:
        """The concept a preferred or alternative label names (any case, hyphens as spaces), or None."""
        key = label_key(label)
        found = self._labels.get(key)
        if found is None and key.endswith("s"):  # "asset freezes", "embargoes"
            found = self._labels.get(key[:-1]) or (self._labels.get(key[:-2]) if key.endswith("es") else None)
        return found

    def resolve_category(self, label: str) -> str | None:
        key = label_key(label)
        return next((c for c in self.categories if label_key(c) == key), None)

    def suggest(self, label: str, limit: int = 3) -> list[str]:
        """The concepts whose labels are nearest to ``label``, best first (for a helpful 422)."""
        key = label_key(label)
        names: list[str] = []
        for hit in difflib.get_close_matches(key, list(self._labels), n=limit * 3, cutoff=0.6):
            name = self._labels[hit]
            if name not in names:
                names.append(name)
        if not names:  # a word of a longer label: "freeze" → "asset freeze"
            names = [self._labels[k] for k in self._labels if key and key in k.split()]
            names = list(dict.fromkeys(names))
        return names[:limit]

    def suggest_category(self, label: str, limit: int = 3) -> list[str]:
        return difflib.get_close_matches(label_key(label), list(self.categories), n=limit, cutoff=0.5)


def parse_scheme(document: Mapping[str, Any], source: str = "taxonomy") -> ConceptScheme:
    """The scheme from a parsed taxonomy document; any problem is a :class:`ConfigError`."""
    try:
        categories = {
            name: str((body or {}).get("description", ""))
            for name, body in dict(document.get("categories", {})).items()
        }
        concepts = [
            Concept(
                name=str(term["term"]),
                category=str(term["category"]),
                variants=tuple(str(v) for v in term.get("variants", ())),
                broader=tuple(str(b) for b in term.get("broader", ())),
                description=str(term.get("description", "")),
            )
            for term in document.get("terms", ())
        ]
        return ConceptScheme.build(str(document.get("version", "")), concepts, categories)
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"{source}: invalid concept scheme: {e}") from e


@cache
def load_scheme(path: Path | None = None) -> ConceptScheme:
    """The scheme of ``path``, or of the taxonomy packaged in shared when ``path`` is None."""
    if path is None:
        text = resources.files("newswatch_shared").joinpath("data/taxonomy.toml").read_text("utf-8")
        source = "packaged taxonomy.toml"
    else:
        try:
            text = path.read_text("utf-8")
        except OSError as e:
            raise ConfigError(f"cannot read taxonomy {path}: {e}") from e
        source = str(path)
    try:
        return parse_scheme(tomllib.loads(text), source)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from e
