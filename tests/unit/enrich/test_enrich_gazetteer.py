"""The gazetteer table: lookups, ruler patterns and validation."""

from __future__ import annotations

import pytest

from newswatch_enrich.gazetteer import Gazetteer, Place, parse_gazetteer
from newswatch_shared.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kiev", Place("Kyiv", "GPE", "UA")),
        ("Kyiv", Place("Kyiv", "GPE", "UA")),
        ("the United States", Place("United States", "GPE", "US")),
        ("The  United States", Place("United States", "GPE", "US")),
        ("U.S.", Place("United States", "GPE", "US")),
        ("Ukraine's", Place("Ukraine", "GPE", "UA")),
        ("UKRAINE", Place("Ukraine", "GPE", "UA")),
        ("Crimea", Place("Crimea", "GPE", "UA")),
        ("Donbass", Place("Donbas", "GPE", "UA")),
        ("Kremlin", Place("Kremlin", "ORG", "RU")),
        ("Moscow", Place("Moscow", "GPE", "RU")),
        ("Russians", Place("Russian", "NORP", "RU")),
        ("Berlin", Place("Berlin", "GPE", "DE")),
        ("Washington", Place("Washington", "GPE", "US")),
        ("NATO", Place("NATO", "ORG", None)),
        ("Nato", Place("NATO", "ORG", None)),
        ("EU", Place("European Union", "ORG", None)),
        ("Nordstream 2", Place("Nord Stream 2", "FAC", None)),
    ],
)
def test_lookup(gazetteer: Gazetteer, text: str, expected: Place) -> None:
    assert gazetteer.lookup(text) == expected


@pytest.mark.parametrize("text", ["Atlantis", "Interfax", ""])
def test_unknown_names_are_none(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.lookup(text) is None


def test_ruler_patterns_are_exact_and_skip_model_only_names(gazetteer: Gazetteer) -> None:
    patterns = gazetteer.ruler_patterns()
    by_text = {p["pattern"]: p for p in patterns}
    assert by_text["Kiev"] == {"label": "GPE", "pattern": "Kiev", "id": "Kyiv"}
    assert "US" in by_text and "us" not in by_text
    assert "Washington" not in by_text and "America" not in by_text


_ENTRY = '[[entries]]\ncanonical = "{name}"\nlabel = "{label}"\n{extra}\n'


def _file(*entries: str) -> str:
    return 'version = "g1"\n' + "".join(entries)


def test_a_small_table_parses() -> None:
    g = parse_gazetteer(
        _file(_ENTRY.format(name="Kyiv", label="GPE", extra='country = "UA"\naliases = ["Kiev"]'))
    )
    assert g.version == "g1"
    assert g.lookup("kiev") == Place("Kyiv", "GPE", "UA")


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            [
                _ENTRY.format(name="Kyiv", label="GPE", extra='aliases = ["Kiev"]'),
                _ENTRY.format(name="Kiev Oblast", label="GPE", extra='aliases = ["kiev"]'),
            ],
            "name of both Kyiv and Kiev Oblast",
        ),
        ([_ENTRY.format(name="Kyiv", label="GPE", extra='aliases = ["Kyiv"]')], "repeated"),
        ([_ENTRY.format(name="Kyiv", label="CITY", extra="")], "label 'CITY'"),
        ([_ENTRY.format(name="Kyiv", label="GPE", extra='country = "UKR"')], "country"),
        ([_ENTRY.format(name="Kyiv", label="GPE", extra='model_only = ["Kiev"]')], "model_only"),
    ],
    ids=["alias-in-two-entries", "repeated-name", "unknown-label", "alpha-3-country", "stray-model-only"],
)
def test_invalid_tables_are_refused(entries: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_gazetteer(_file(*entries))
