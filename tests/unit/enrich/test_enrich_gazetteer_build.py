"""The build rules on small hand-made candidates: name ownership, the ambiguity rule, curated overrides."""

from __future__ import annotations

import pytest

from newswatch_enrich.gazetteer_build import AmbiguityRule, EntrySpec, build_entries, person_names
from newswatch_enrich.gazetteer_sources import Candidate

RULE = AmbiguityRule(min_length=4, use_person_names=True, common_words=frozenset({"nice", "reading"}))


def _by_name(specs: list[EntrySpec]) -> dict[str, EntrySpec]:
    return {name: spec for spec in specs for name in spec.names}


def test_countries_win_over_places_and_states_and_larger_places_win() -> None:
    specs = build_entries(
        [],
        [
            Candidate("us_state", "GPE", "US", ("Georgia",)),
            Candidate("country", "GPE", "GE", ("Georgia",), 3_700_000),
            Candidate("place", "GPE", "PK", ("Hyderabad",), 1_500_000),
            Candidate("place", "GPE", "IN", ("Hyderabad",), 3_600_000),
        ],
        RULE,
    )
    owner = _by_name(specs)
    assert owner["Georgia"].country == "GE"
    assert owner["Hyderabad"].country == "IN"
    assert len(specs) == 2  # the state and the smaller Hyderabad lost their only name


def test_a_candidate_whose_canonical_name_is_taken_is_dropped_whole() -> None:
    specs = build_entries(
        [],
        [
            Candidate("country", "GPE", "DJ", ("Djibouti",), 1_000_000),
            Candidate("demonym", "NORP", "DJ", ("Djibouti", "Djiboutis"), 1_000_000),
        ],
        RULE,
    )
    assert [s.names for s in specs] == [("Djibouti",)]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Ufa", "shorter than 4 characters"),
        ("Nice", "a common word"),
        ("READING", "a common word"),
        ("Victoria", "a person's name"),
        ("Kennedy", "a person's name"),
        ("Kyiv", None),
        ("Victoria Falls", None),  # person names are checked on single words only
    ],
)
def test_ambiguity_reasons(name: str, reason: str | None) -> None:
    assert RULE.reason(name) == reason


def test_person_names_come_from_faker() -> None:
    names = person_names()
    assert {"Victoria", "Charlotte", "Douglas", "Kennedy", "Hamilton"} <= names
    assert "Kyiv" not in names and "Moscow" not in names


def test_the_rule_spares_countries_and_demonyms() -> None:
    specs = build_entries(
        [],
        [
            Candidate("country", "GPE", "JO", ("Jordan",), 11_000_000),
            Candidate("demonym", "NORP", "FR", ("French",), 67_000_000),
            Candidate("place", "GPE", "CO", ("Kennedy",), 1_000_000),
            Candidate("place", "GPE", "FR", ("Nice",), 340_000),
            Candidate("us_state", "GPE", "US", ("Virginia",)),
        ],
        RULE,
    )
    owner = _by_name(specs)
    assert not owner["Jordan"].model_only and not owner["French"].model_only
    assert owner["Kennedy"].model_only == {"Kennedy"}
    assert owner["Nice"].model_only == {"Nice"}
    assert owner["Virginia"].model_only == {"Virginia"}


def test_towns_are_looked_up_only_and_lose_to_larger_places() -> None:
    specs = build_entries(
        [],
        [
            Candidate("place", "GPE", "UA", ("Bucha",), 37_000, lookup_only=True),
            Candidate("place", "GPE", "US", ("Lagos",), 20_000, lookup_only=True),
            Candidate("place", "GPE", "NG", ("Lagos",), 9_000_000),
        ],
        RULE,
    )
    owner = _by_name(specs)
    assert owner["Bucha"].model_only == {"Bucha"}
    assert owner["Lagos"].country == "NG" and not owner["Lagos"].model_only


def test_a_small_capital_wins_over_a_larger_town() -> None:
    specs = build_entries(
        [],
        [
            Candidate("place", "GPE", "GB", ("Stanley",), 30_000, lookup_only=True),
            Candidate("place", "GPE", "FK", ("Stanley",), 2_000),
        ],
        RULE,
    )
    assert [(s.country, s.model_only) for s in specs] == [("FK", {"Stanley"})]  # and a surname


def test_a_curated_entry_absorbs_the_package_entry_it_names() -> None:
    specs = build_entries(
        [EntrySpec("GPE", "UA", ("Kyiv", "Kiev"))],
        [Candidate("place", "GPE", "UA", ("Kyïv", "Kyiv"), 2_900_000)],
        RULE,
    )
    assert specs == [EntrySpec("GPE", "UA", ("Kyiv", "Kiev", "Kyïv"))]


def test_a_curated_name_is_taken_from_a_package_entry_of_another_country() -> None:
    specs = build_entries(
        [EntrySpec("GPE", "UA", ("Odesa", "Odessa"))],
        [
            Candidate("place", "GPE", "US", ("Odessa",), 120_000),
            Candidate("place", "GPE", "UA", ("Odesa",), 1_000_000),
        ],
        RULE,
    )
    assert specs == [EntrySpec("GPE", "UA", ("Odesa", "Odessa"))]


def test_the_curated_table_decides_whether_its_names_are_forced() -> None:
    specs = build_entries(
        [
            EntrySpec("GPE", "SC", ("Victoria",)),  # force it after all
            EntrySpec("GPE", "GE", ("Georgia",), frozenset({"Georgia"})),  # never force it
        ],
        [
            Candidate("place", "GPE", "SC", ("Victoria", "Port Victoria"), 26_000),
            Candidate("country", "GPE", "GE", ("Georgia", "Sakartvelo"), 3_700_000),
        ],
        RULE,
    )
    owner = _by_name(specs)
    assert owner["Victoria"].model_only == frozenset()
    assert owner["Port Victoria"] is owner["Victoria"]
    assert owner["Georgia"].model_only == {"Georgia"}
    assert owner["Sakartvelo"] is owner["Georgia"]


def test_absorbed_package_names_keep_their_ambiguity() -> None:
    specs = build_entries(
        [EntrySpec("GPE", "US", ("Houston City",))],
        [Candidate("place", "GPE", "US", ("Houston City", "Houston"), 2_300_000)],
        RULE,
    )
    assert specs == [EntrySpec("GPE", "US", ("Houston City", "Houston"), frozenset({"Houston"}))]


def test_absorbed_names_claimed_by_another_curated_entry_stay_there() -> None:
    specs = build_entries(
        [EntrySpec("GPE", "PS", ("Palestine",)), EntrySpec("GPE", "PS", ("Gaza", "Gaza Strip"))],
        [Candidate("country", "GPE", "PS", ("Palestine", "Gaza Strip"), 5_000_000)],
        RULE,
    )
    assert [s.names for s in specs] == [("Palestine",), ("Gaza", "Gaza Strip")]
