"""Properties of the query language, on queries Hypothesis makes up.

- Printing a parsed query and parsing it again gives the same tree (what an explanation shows can be
  typed back in, and a watchlist edited in the dashboard's text box keeps its meaning).
- Any text at all either parses or is refused with a :class:`QueryError` that points at a column
  inside it (never another exception: a 500 instead of a 422).
"""

from __future__ import annotations

import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from newswatch_alert.watchlists.query import (
    FIELDS,
    MAX_CHARS,
    MAX_DEPTH,
    And,
    Node,
    Not,
    Or,
    QueryError,
    depth,
    parse,
    render,
    term,
)

# Words and phrases of the kind users write, including ones that look like operators or fields.
_WORDS = st.one_of(
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=8),
    st.sampled_from(["and", "OR", "not", "troops", "Nord Stream 2", "ukraine's", "a-b", "x:y", "(", ")"]),
    st.text(string.ascii_letters + " -'.", min_size=1, max_size=12),
)


@st.composite
def terms(draw: st.DrawFn) -> Node:
    field = draw(st.sampled_from([*FIELDS, "text", "text"]))
    if field == "country":
        value = draw(st.sampled_from(["UA", "ru", "De", "us"]))
    else:
        value = draw(_WORDS)
    words = "".join(c if c.isalnum() else " " for c in value).split()
    assume(words)  # a value with no letter or digit is refused on purpose
    try:
        return term(field, value)  # type: ignore[arg-type]
    except QueryError:
        assume(False)
        raise


def trees() -> st.SearchStrategy[Node]:
    return st.recursive(
        terms(),
        lambda children: st.one_of(
            children.map(Not),
            st.lists(children, min_size=2, max_size=4).map(lambda c: And(tuple(c))),
            st.lists(children, min_size=2, max_size=4).map(lambda c: Or(tuple(c))),
        ),
        max_leaves=12,
    )


def tidy(node: Node) -> Node:
    """The tree the parser makes of the same query: NOT NOT cancels, nested ANDs (ORs) are one."""
    if isinstance(node, Not):
        inner = tidy(node.child)
        return inner.child if isinstance(inner, Not) else Not(inner)
    if isinstance(node, And | Or):
        kind = type(node)
        flat: list[Node] = []
        for child in map(tidy, node.children):
            flat.extend(child.children if isinstance(child, kind) else (child,))
        return kind(tuple(flat))
    return node


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(trees())
def test_print_then_parse_gives_the_same_query(tree: Node) -> None:
    text = render(tree)
    assume(len(text) <= MAX_CHARS and depth(tidy(tree)) <= MAX_DEPTH)  # bigger ones are refused, rightly
    assert parse(text) == tidy(tree), text


@settings(max_examples=600)
@given(st.text(alphabet=string.printable + "«»–é中", max_size=200))
def test_any_text_parses_or_is_refused_at_a_column(text: str) -> None:
    try:
        parse(text)
    except QueryError as e:
        assert 1 <= e.column <= len(text) + 1, (text, e.column, str(e))
