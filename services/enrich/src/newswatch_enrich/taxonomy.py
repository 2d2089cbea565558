"""The escalation taxonomy: terms, their categories, weights, variants and CAMEO codes.

The taxonomy is data (``newswatch_shared/data/taxonomy.toml``: alert reads the same file as a concept
scheme, :mod:`newswatch_shared.concepts`), reviewed like code. Validation refuses a taxonomy that
would make matching ambiguous or the score non-monotonic, at start-up rather than in production:

- every term name and variant belongs to exactly one term, once (compared case- and space-insensitively);
- every term names a declared category;
- weights are never negative, so more matches can never lower the score;
- CAMEO codes are 2-4 digit strings;
- phrases are not blank, and a gap (``...``) sits between words, never at either end.

Phrase syntax (see :mod:`newswatch_enrich.escalation` for how phrases are matched): words separated
by spaces; ``the`` between two words stands for any article or possessive, or none ("violate the
ceasefire" also matches "violated a ceasefire", "violate its ceasefire"); ``...`` between two words
stands for up to three words of the same clause ("expel ... diplomat" matches "expelled 20 Russian
diplomats").
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from newswatch_shared.concepts import Concept, ConceptScheme
from newswatch_shared.errors import ConfigError

__all__ = [
    "GAP",
    "Category",
    "HedgingRules",
    "NegationRules",
    "ScoringParams",
    "Taxonomy",
    "Term",
    "load_taxonomy",
    "normalise_phrase",
    "parse_taxonomy",
]

_CAMEO = re.compile(r"^\d{2,4}$")

#: In a phrase, stands for up to three words (see the module docs).
GAP = "..."


def normalise_phrase(text: str) -> str:
    """The form two phrases are compared in: case-folded, runs of whitespace collapsed."""
    return " ".join(text.casefold().split())


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_cameo(codes: list[str]) -> list[str]:
    bad = [c for c in codes if not _CAMEO.match(c)]
    if bad:
        raise ValueError(f"CAMEO codes are 2-4 digits, got {bad}")
    return codes


CameoCodes = Annotated[list[str], AfterValidator(_check_cameo)]


class Category(_Frozen):
    description: str = ""
    cameo: CameoCodes = Field(default_factory=list)


class Term(_Frozen):
    term: str = Field(min_length=1, description="Canonical name, as it appears in matches and scores.")
    category: str
    weight: float = Field(ge=0, le=10)
    variants: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list, description="Phrases that make a match a false friend.")
    cameo: CameoCodes = Field(default_factory=list)
    broader: list[str] = Field(
        default_factory=list, description="Concepts this one is a kind of ('asset freeze' → 'sanctions')."
    )
    description: str = ""

    @field_validator("variants", "exclude")
    @classmethod
    def _no_blank(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("phrases must not be blank")
        for value in values:
            words = value.split()
            if GAP in (words[0], words[-1]):
                raise ValueError(f"phrase {value!r}: a gap ({GAP}) must sit between two words")
        return values

    @property
    def phrases(self) -> list[str]:
        """The name first, then the variants: everything that matches as this term."""
        return [self.term, *self.variants]


class ScoringParams(_Frozen):
    """Calibration of the score; see :mod:`newswatch_enrich.score` for the formula."""

    scale: float = Field(default=10.0, gt=0)
    negated_factor: float = Field(default=0.25, ge=0, le=1, description="Weight factor of a negated match.")
    hedged_factor: float = Field(default=0.5, ge=0, le=1, description="Weight factor of a hedged match.")
    repeat_exponent: float = Field(default=0.5, gt=0, le=1)


class NegationRules(_Frozen):
    """Negation cues, and the look-around window that hedging shares (see ``escalation_cues``)."""

    window: int = Field(default=5, ge=1, le=20, description="Tokens looked back from a match.")
    after_window: int = Field(
        default=3, ge=0, le=10, description="Tokens after a match within which an `after` cue must begin."
    )
    cues: list[str] = Field(
        default_factory=lambda: ["no", "not", "never", "neither", "nor", "without", "deny", "rule out"],
        description="Words or phrases that negate what follows (matched on text or lemma).",
    )
    after: list[str] = Field(
        default_factory=lambda: ["be not", "be never", "be rule out", "be deny"],
        description="Predicates that negate the match they follow ('an invasion was ruled out').",
    )
    ignore: list[str] = Field(
        default_factory=lambda: ["not only", "no doubt"],
        description="Phrases whose negation word does not negate ('not only sanctions but...').",
    )
    boundaries: list[str] = Field(
        default_factory=lambda: ["as", "while", "but", "and", "or", "because", "although", "yet", "if"],
        description="Words that open a clause: the look-around stops there, as at punctuation.",
    )


class HedgingRules(_Frozen):
    """Cues that make a match uncertain rather than reported; windows as in :class:`NegationRules`."""

    cues: list[str] = Field(
        default_factory=lambda: ["may", "might", "could", "possible", "unlikely", "rumour of", "if"],
        description="Words or phrases before a match that make it speculative (text or lemma).",
    )
    after: list[str] = Field(
        default_factory=lambda: ["be unlikely", "be possible", "be rumour"],
        description="Predicates after a match that make it speculative ('an invasion is unlikely').",
    )


class Taxonomy(_Frozen):
    version: str = Field(min_length=1)
    scoring: ScoringParams = Field(default_factory=ScoringParams)
    negation: NegationRules = Field(default_factory=NegationRules)
    hedging: HedgingRules = Field(default_factory=HedgingRules)
    categories: dict[str, Category]
    terms: list[Term] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Taxonomy:
        problems: list[str] = []
        owner: dict[str, str] = {}
        for term in self.terms:
            if term.category not in self.categories:
                known = ", ".join(sorted(self.categories))
                problems.append(f"term {term.term!r}: unknown category {term.category!r} (known: {known})")
            for phrase in term.phrases:
                key = normalise_phrase(phrase)
                if key in owner:
                    where = "twice in" if owner[key] == term.term else f"in {owner[key]!r} and"
                    problems.append(f"phrase {phrase!r} appears {where} {term.term!r}")
                else:
                    owner[key] = term.term
        if not problems:
            try:
                self.scheme()
            except ValueError as e:
                problems.append(str(e))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def scheme(self) -> ConceptScheme:
        """The concept scheme these terms form (broader concepts exist, no cycles)."""
        concepts = [
            Concept(t.term, t.category, tuple(t.variants), tuple(t.broader), t.description)
            for t in self.terms
        ]
        categories = {name: c.description for name, c in self.categories.items()}
        return ConceptScheme.build(self.version, concepts, categories)

    def term(self, name: str) -> Term:
        for term in self.terms:
            if term.term == name:
                return term
        raise KeyError(name)


def parse_taxonomy(text: str, source: str = "taxonomy") -> Taxonomy:
    """Parse and validate TOML text; any problem is a :class:`ConfigError` naming ``source``."""
    try:
        return Taxonomy.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from e
    except ValidationError as e:
        raise ConfigError(f"{source}: invalid taxonomy: {e}") from e


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load ``path``, or the taxonomy packaged with the service when ``path`` is None."""
    if path is None:
        text = resources.files("newswatch_shared").joinpath("data/taxonomy.toml").read_text("utf-8")
        return parse_taxonomy(text, "packaged taxonomy.toml")
    try:
        text = path.read_text("utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read taxonomy {path}: {e}") from e
    return parse_taxonomy(text, str(path))
