"""The taxonomy file: what the packaged one must contain, and what validation refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch_enrich.taxonomy import Taxonomy, load_taxonomy, normalise_phrase, parse_taxonomy
from newswatch_shared.errors import ConfigError

_HEAD = """
version = "t1"
[categories.military]
cameo = ["15"]
[categories.economic]
"""


def _toml(terms: str, head: str = _HEAD) -> str:
    return head + terms


def test_packaged_taxonomy_has_the_required_categories_and_terms(taxonomy: Taxonomy) -> None:
    assert {"military", "economic", "energy", "diplomatic", "de-escalation"} <= set(taxonomy.categories)
    names = {t.term for t in taxonomy.terms}
    assert {"troops", "invasion", "sanctions", "Nord Stream 2"} <= names  # exactly these names
    assert 20 <= len(taxonomy.terms) <= 80
    assert taxonomy.term("troops").category == "military"
    assert taxonomy.term("Nord Stream 2").category == "energy"


@pytest.mark.parametrize(
    ("term", "code"),
    [
        ("sanctions", "163"),
        ("invasion", "192"),
        ("troops", "154"),
        ("fighting", "190"),
        ("threat", "13"),
        ("severed relations", "161"),
        ("ceasefire", "0871"),
    ],
)
def test_packaged_terms_carry_cameo_codes(taxonomy: Taxonomy, term: str, code: str) -> None:
    assert code in taxonomy.term(term).cameo


@pytest.mark.parametrize(
    ("category", "codes"),
    [
        ("military", {"15", "19"}),  # exhibit force posture, fight
        ("economic", {"163"}),  # impose embargo, boycott or sanctions
        ("diplomatic", {"13", "16"}),  # threaten, reduce relations
        ("de-escalation", {"03", "04", "05", "08"}),  # intend to cooperate, consult, cooperate, yield
    ],
)
def test_packaged_categories_carry_cameo_codes(taxonomy: Taxonomy, category: str, codes: set[str]) -> None:
    assert codes <= set(taxonomy.categories[category].cameo)


def test_every_term_outside_energy_has_a_cameo_code(taxonomy: Taxonomy) -> None:
    """CAMEO has no energy event; every other term should say which CAMEO event it signals."""
    assert [t.term for t in taxonomy.terms if not t.cameo and t.category != "energy"] == []


def test_packaged_weights_keep_de_escalation_out_of_the_score(taxonomy: Taxonomy) -> None:
    assert all(t.weight == 0 for t in taxonomy.terms if t.category == "de-escalation")
    assert all(t.weight > 0 for t in taxonomy.terms if t.category != "de-escalation")


def test_a_valid_file_parses() -> None:
    tax = parse_taxonomy(
        _toml('[[terms]]\nterm = "troops"\ncategory = "military"\nweight = 3\nvariants = ["soldier"]\n')
    )
    assert tax.version == "t1"
    assert tax.term("troops").phrases == ["troops", "soldier"]
    assert tax.scoring.scale > 0 and tax.negation.window >= 1  # defaults apply
    assert tax.scoring.negated_factor < tax.scoring.hedged_factor < 1
    assert "rule out" in tax.negation.cues and "may" in tax.hedging.cues


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        (
            '[[terms]]\nterm = "troops"\ncategory = "military"\nweight = 3\nvariants = ["soldier"]\n'
            '[[terms]]\nterm = "army"\ncategory = "military"\nweight = 2\nvariants = ["Soldier"]\n',
            "'Soldier' appears in 'troops' and 'army'",
        ),
        (
            '[[terms]]\nterm = "troops"\ncategory = "military"\nweight = 3\n'
            'variants = ["soldier", "soldier"]\n',
            "appears twice in 'troops'",
        ),
        (
            '[[terms]]\nterm = "troops"\ncategory = "military"\nweight = 3\nvariants = ["Troops"]\n',
            "appears twice in 'troops'",
        ),
        (
            '[[terms]]\nterm = "blockade"\ncategory = "naval"\nweight = 3\n',
            "unknown category 'naval'",
        ),
        ('[[terms]]\nterm = "truce"\ncategory = "military"\nweight = -1\n', "greater than or equal to 0"),
        ('[[terms]]\nterm = "war"\ncategory = "military"\nweight = 1\ncameo = ["19a"]\n', "CAMEO"),
        ('[[terms]]\nterm = "war"\ncategory = "military"\nweight = 1\nvariants = [" "]\n', "blank"),
        ('[[terms]]\nterm = "war"\ncategory = "military"\nweight = 1\ncolour = "red"\n', "colour"),
        ('[[terms]]\nterm = "war"\ncategory = "military"\nweight = 1\nvariants = ["... war"]\n', "gap"),
        ('[[terms]]\nterm = "war"\ncategory = "military"\nweight = 1\nexclude = ["war ..."]\n', "gap"),
        (
            '[scoring]\nhedged_factor = 2\n[[terms]]\nterm = "war"\ncategory = "military"\nweight = 1\n',
            "hedged",
        ),
    ],
    ids=[
        "duplicate-across-terms",
        "duplicate-in-term",
        "variant-repeats-name",
        "unknown-category",
        "negative-weight",
        "bad-cameo",
        "blank-variant",
        "unknown-field",
        "gap-first",
        "gap-last",
        "hedged-factor-above-1",
    ],
)
def test_invalid_taxonomies_are_refused(terms: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_taxonomy(_toml(terms), "test.toml")
    assert "test.toml" in str(err.value)
    assert message in str(err.value)


def test_broken_toml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_taxonomy("version = \n")


def test_a_taxonomy_without_terms_is_refused() -> None:
    with pytest.raises(ConfigError):
        parse_taxonomy(_HEAD)


def test_load_from_a_path_overrides_the_packaged_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(_toml('[[terms]]\nterm = "blockade"\ncategory = "military"\nweight = 4\n'), "utf-8")
    assert [t.term for t in load_taxonomy(path).terms] == ["blockade"]
    with pytest.raises(ConfigError, match="cannot read"):
        load_taxonomy(tmp_path / "missing.toml")


def test_phrases_compare_without_case_or_extra_spaces() -> None:
    assert normalise_phrase("  Nord   Stream 2 ") == normalise_phrase("nord stream 2")
