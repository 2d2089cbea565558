"""The watchlist query language: what parses into which tree, and what is refused with which message."""

from __future__ import annotations

import pytest

from newswatch_alert.watchlists.query import (
    MAX_CHARS,
    MAX_DEPTH,
    MAX_TERMS,
    And,
    Node,
    Not,
    Or,
    QueryError,
    Term,
    leaves,
    parse,
    render,
)


def t(field: str, value: str) -> Term:
    return Term(field, value, " ".join(value.casefold().replace("-", " ").split()))  # type: ignore[arg-type]


def test_the_issue_example_parses_with_not_binding_tighter_than_and() -> None:
    tree = parse('country:UA AND (term:troops OR term:invasion) NOT source:"Example Wire"')
    assert tree == And(
        (
            Term("country", "UA", "ua"),
            Or((t("term", "troops"), t("term", "invasion"))),
            Not(Term("source", "Example Wire", "example wire")),
        )
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # precedence NOT > AND > OR; juxtaposition is AND
        ("a OR b AND c", Or((t("text", "a"), And((t("text", "b"), t("text", "c")))))),
        ("a b OR c", Or((And((t("text", "a"), t("text", "b"))), t("text", "c")))),
        ("(a OR b) c", And((Or((t("text", "a"), t("text", "b"))), t("text", "c")))),
        ("NOT a OR b", Or((Not(t("text", "a")), t("text", "b")))),
        ("NOT (a OR b)", Not(Or((t("text", "a"), t("text", "b"))))),
        ("a AND NOT b", And((t("text", "a"), Not(t("text", "b"))))),
        ("a NOT b", And((t("text", "a"), Not(t("text", "b"))))),
        ("NOT NOT a", t("text", "a")),
        # operators and field names in any case; values keep their spelling, keys are normalised
        (
            "Country:ua and not Term:Troops",
            And((Term("country", "ua", "ua"), Not(Term("term", "Troops", "troops")))),
        ),
        ("a or b", Or((t("text", "a"), t("text", "b")))),
        # words that merely start with an operator are words
        ("android ORDER notice", And((t("text", "android"), t("text", "ORDER"), t("text", "notice")))),
        # after a field, an operator word is a value
        ("entity:or", Term("entity", "or", "or")),
        # quoted phrases, and punctuation inside a word makes a phrase
        ('"armoured  vehicles"', Term("text", "armoured vehicles", "armoured vehicles")),
        ("nord-stream", Term("text", "nord-stream", "nord stream")),
        ('entity:"United States"', Term("entity", "United States", "united states")),
        ('"and"', Term("text", "and", "and")),
        # nested groups of one operator are flattened
        ("a AND (b AND c)", And((t("text", "a"), t("text", "b"), t("text", "c")))),
        ("((a))", t("text", "a")),
        ("category:military", Term("category", "military", "military")),
    ],
)
def test_parse(query: str, expected: Node) -> None:
    assert parse(query) == expected
    assert parse(render(expected)) == expected  # render gives back an equivalent query


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ("country:UA AND (a))", "unmatched ')' at column 19", 19),
        ("a AND )", "unmatched ')' at column 7", 7),
        ("(a AND )", "unexpected ')' at column 8; expected a word", 8),
        ("country:UA AND (term:troops", "unexpected end of query at column 28; expected ')'", 28),
        ("a AND", "unexpected end of query at column 6; expected a word", 6),
        ("a OR NOT", "unexpected end of query at column 9", 9),
        ("AND a", "unexpected 'AND' at column 1", 1),
        ("a OR OR b", "unexpected 'OR' at column 6", 6),
        ("place:Kyiv", "unknown field 'place:' at column 1; fields are entity:, country:, term:", 1),
        (
            "country:Ukraine",
            "country: expects a two-letter ISO 3166 code such as UA, got 'Ukraine' at column 9",
            9,
        ),
        ("term:", 'unexpected end of query at column 6; expected a word or a "phrase"', 6),
        ('source:"Example Wire', "unclosed quote at column 8", 8),
        ('a "--"', "at column 3 has no letter or digit", 3),
        ("()", "unexpected ')' at column 2", 2),
        ("a : b", "unexpected ':' at column 3", 3),
        ("", "empty query", 1),
        ("   ", "empty query", 1),
    ],
)
def test_bad_queries_point_at_the_problem(query: str, message: str, column: int) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert str(caught.value).startswith("query: ")
    assert message in str(caught.value)
    assert caught.value.column == column


def test_limits_on_length_depth_and_terms() -> None:
    with pytest.raises(QueryError, match=f"longer than {MAX_CHARS}"):
        parse("a " * (MAX_CHARS // 2 + 1))
    nested = "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(QueryError, match=f"nested deeper than {MAX_DEPTH} levels at column {MAX_DEPTH + 1}"):
        parse(nested)
    # NOT and mixed operators count as levels too, without parentheses to count
    alternating = "a"
    for i in range(MAX_DEPTH + 1):
        alternating = f"x{i} AND ({alternating} OR y{i})" if i % 2 else f"x{i} OR ({alternating})"
    with pytest.raises(QueryError, match="nested deeper"):
        parse(alternating)
    with pytest.raises(QueryError, match=f"at most {MAX_TERMS}"):
        parse(" OR ".join(f"w{i}" for i in range(MAX_TERMS + 1)))
    assert len(leaves(parse(" OR ".join(f"w{i}" for i in range(MAX_TERMS))))) == MAX_TERMS


def test_leaves_know_when_they_are_negated() -> None:
    found = leaves(parse("a AND NOT (b OR NOT c)"))
    assert [(leaf.value, negated) for leaf, negated in found] == [("a", False), ("b", True), ("c", False)]
