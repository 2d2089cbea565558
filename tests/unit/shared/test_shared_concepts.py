"""The concept scheme: labels resolve to concepts, broader chains and narrower sets, checks on load."""

from __future__ import annotations

import pytest

from newswatch_shared.concepts import Concept, ConceptScheme, load_scheme, parse_scheme
from newswatch_shared.errors import ConfigError

CATEGORIES = {"economic": "", "military": ""}


def scheme() -> ConceptScheme:
    return ConceptScheme.build(
        "t",
        [
            Concept("sanctions", "economic", ("restrictive measures",)),
            Concept("embargo", "economic", ("trade embargo",), ("sanctions",)),
            Concept("energy embargo", "economic", ("oil embargo",), ("embargo",)),
            Concept("asset freeze", "economic", ("freeze assets",), ("sanctions",)),
            Concept("troops", "military", ("soldier",)),
        ],
        CATEGORIES,
    )


def test_labels_resolve_to_their_concept_in_any_case_hyphenation_and_plural() -> None:
    s = scheme()
    assert s.resolve("Sanctions") == "sanctions"
    assert s.resolve("Trade-Embargo") == "embargo"
    assert s.resolve("asset freezes") == "asset freeze"
    assert s.resolve("embargoes") == "embargo"
    assert s.resolve("soldiers") == "troops"
    assert s.resolve("flibbertigibbet") is None


def test_broader_chain_is_nearest_first_and_narrower_is_transitive() -> None:
    s = scheme()
    assert s.broader_chain("energy embargo") == ("energy embargo", "embargo", "sanctions")
    assert s.narrower("sanctions") == {"sanctions", "embargo", "energy embargo", "asset freeze"}
    assert s.narrower("troops") == {"troops"}
    assert s.top_concepts() == ["sanctions", "troops"]


def test_suggestions_name_the_nearest_concepts() -> None:
    s = scheme()
    assert s.suggest("sanktions")[0] == "sanctions"
    assert s.suggest("freeze") == ["asset freeze"]
    assert s.suggest("zzzz") == []


@pytest.mark.parametrize(
    ("concepts", "problem"),
    [
        ([Concept("a", "economic", broader=("b",))], "unknown broader concept 'b'"),
        ([Concept("a", "economic", broader=("b",)), Concept("b", "economic", broader=("a",))], "cycle"),
        ([Concept("a", "economic", ("x",)), Concept("b", "economic", ("X",))], "belongs to 'a' and 'b'"),
        ([Concept("a", "nowhere")], "unknown category"),
    ],
)
def test_a_broken_scheme_is_refused_with_the_problem_named(concepts: list[Concept], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ConceptScheme.build("t", concepts, CATEGORIES)


def test_parse_errors_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="invalid concept scheme"):
        parse_scheme({"terms": [{"category": "economic"}]}, "x.toml")


def test_the_packaged_scheme_loads_and_keeps_the_four_top_concepts() -> None:
    s = load_scheme()
    for top in ("troops", "invasion", "sanctions", "Nord Stream 2"):
        assert top in s.concepts
        assert s.broader_chain(top) == (top,)
