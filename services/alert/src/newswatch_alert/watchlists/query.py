"""The watchlist query language: parse a query into a small immutable tree, or say where it is wrong.

``country:UA AND (term:troops OR term:invasion) NOT source:"Example Wire"`` — the grammar is
``query.lark`` (lark, LALR with its contextual lexer): OR, AND, NOT (case-insensitive), parentheses,
quoted phrases, field prefixes ``entity:``, ``country:``, ``term:``, ``category:``, ``source:`` and bare
words or phrases, which match the article's text. Precedence is NOT > AND > OR, and two terms side by
side are joined by AND, so ``a NOT b`` and ``a AND NOT b`` are the same query.

A query that does not parse raises :class:`QueryError` (``query_errors``) with a message that names
the column and what was expected there ("query: unexpected ')' at column 14; expected a word, a
"phrase", a field such as country:UA, '(' or NOT"). Limits: :data:`MAX_CHARS` characters,
:data:`MAX_DEPTH` levels of nesting, :data:`MAX_TERMS` terms — a watchlist is evaluated on every
article, so its size is bounded.

Pure: no I/O. :func:`parse` is cached, because every replica parses every stored query again.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from importlib import resources
from typing import Literal, cast

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput, VisitError

from newswatch_alert.common.text import words
from newswatch_alert.watchlists.query_errors import QueryError, check_nesting, syntax_error

__all__ = [
    "FIELDS",
    "MAX_CHARS",
    "MAX_DEPTH",
    "MAX_TERMS",
    "And",
    "Field",
    "Node",
    "Not",
    "Or",
    "QueryError",
    "Term",
    "depth",
    "leaves",
    "parse",
    "render",
    "shown_value",
]

MAX_CHARS = 1000
MAX_DEPTH = 10
MAX_TERMS = 50

#: Fields a query may name. ``text`` (bare words) and ``keyword`` (a watchlist's keyword list: an
#: escalation term or the text) are the two implicit ones.
FIELDS = ("entity", "country", "term", "category", "source")
Field = Literal["entity", "country", "term", "category", "source", "text", "keyword"]

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_BARE = re.compile(r'^[^\s()":]+$')
_OPERATORS = frozenset({"and", "or", "not"})


@dataclass(frozen=True, slots=True)
class Term:
    """One condition on the article: ``field`` holds ``value`` (``key`` is its normalised form)."""

    field: Field
    value: str
    key: str
    #: where the value stands in the query text, quotes included (start, end): what rewriting a variant
    #: to its concept replaces; not part of the term's identity
    span: tuple[int, int] = dataclass_field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Not | And | Or


def term(field: Field, value: str, column: int = 0, span: tuple[int, int] = (0, 0)) -> Term:
    """A checked term: its value has a letter or digit, and a country is a two-letter code."""
    value = " ".join(value.split())
    key = " ".join(words(value))
    if not key:
        raise QueryError(f"{_shown(field, value)} at column {column} has no letter or digit", column)
    if field == "country" and not _COUNTRY.match(value):
        raise QueryError(
            f"country: expects a two-letter ISO 3166 code such as UA, got {value!r} at column {column} "
            f"(names go in entity:)",
            column,
        )
    return Term(field, value, key, span)


def _flat(kind: type[And] | type[Or], children: list[Node]) -> Node:
    """``(a AND b) AND c`` is ``a AND b AND c``: flatter trees are easier to explain and index."""
    out: list[Node] = []
    for child in children:
        out.extend(child.children if isinstance(child, kind) else (child,))
    return out[0] if len(out) == 1 else kind(tuple(out))


class _Build(Transformer[Token, Node]):
    """Runs inside the LALR parser as it reduces, so no parse tree is built and nothing recurses."""

    def or_expr(self, children: list[Node]) -> Node:
        return _flat(Or, children)

    def and_expr(self, children: list[Node]) -> Node:
        return _flat(And, children)

    def negation(self, children: list[Node]) -> Node:
        (child,) = children
        return child.child if isinstance(child, Not) else Not(child)

    def field_term(self, children: list[Token]) -> Node:
        name, value = children
        field = name.value.lower()
        if field not in FIELDS:
            raise QueryError(
                f"unknown field '{name.value}:' at column {name.column}; fields are "
                + ", ".join(f"{f}:" for f in FIELDS),
                name.column or 0,
            )
        return term(cast(Field, field), _unquote(value), value.column or 0, _span(value))

    def text_term(self, children: list[Token]) -> Node:
        (value,) = children
        column = value.column or 0
        if value.type == "WORD" and value.value.casefold() in _OPERATORS:
            # The contextual lexer reads an operator where none may stand as a word: say so instead.
            raise QueryError(
                f"unexpected {value.value!r} at column {column}; to search for the word, quote it",
                column,
            )
        return term("text", _unquote(value), column, _span(value))


def _span(token: Token) -> tuple[int, int]:
    return (token.start_pos or 0, token.end_pos or 0)


def _unquote(token: Token) -> str:
    text = str(token.value)
    return text[1:-1] if token.type == "PHRASE" else text


@functools.cache
def _parser() -> Lark:
    grammar = resources.files("newswatch_alert.watchlists").joinpath("query.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", transformer=_Build(), maybe_placeholders=False)


@functools.lru_cache(maxsize=8192)
def parse(text: str) -> Node:
    """The query's tree; raises :class:`QueryError` for anything but a well-formed, bounded query."""
    if len(text) > MAX_CHARS:
        raise QueryError(f"longer than {MAX_CHARS} characters", MAX_CHARS + 1)
    if not text.strip():
        raise QueryError("empty query", 1)
    check_nesting(text, MAX_DEPTH)
    try:
        tree = _parser().parse(text)
    except VisitError as e:  # a QueryError raised by a callback, wrapped by lark
        if isinstance(e.orig_exc, QueryError):
            raise e.orig_exc from None
        raise
    except QueryError:
        raise
    except UnexpectedInput as e:
        raise syntax_error(text, e) from None
    if not isinstance(tree, Term | Not | And | Or):  # pragma: no cover - the grammar has no other shape
        raise QueryError("not a query", 1)
    if depth(tree) > MAX_DEPTH:
        raise QueryError(f"nested deeper than {MAX_DEPTH} levels", 1)
    count = sum(1 for _ in leaves(tree))
    if count > MAX_TERMS:
        raise QueryError(f"{count} terms; at most {MAX_TERMS} are allowed", 1)
    return tree


def depth(node: Node) -> int:
    """Levels of operators above the deepest term (a lone term is 0)."""
    if isinstance(node, Term):
        return 0
    if isinstance(node, Not):
        return 1 + depth(node.child)
    return 1 + max(depth(child) for child in node.children)


def leaves(node: Node, negated: bool = False) -> list[tuple[Term, bool]]:
    """Every term in reading order, with whether an odd number of NOTs stand above it."""
    if isinstance(node, Term):
        return [(node, negated)]
    if isinstance(node, Not):
        return leaves(node.child, not negated)
    found: list[tuple[Term, bool]] = []
    for child in node.children:
        found += leaves(child, negated)
    return found


def shown_value(value: str) -> str:
    """``value`` as a query writes it: bare when it can stand alone, else quoted."""
    return value if _BARE.match(value) and value.casefold() not in _OPERATORS else f'"{value}"'


def _shown(field: Field, value: str) -> str:
    quoted = shown_value(value)
    if field == "text":
        return quoted
    if field == "keyword":
        return f'keyword "{value}"'
    return f"{field}:{quoted}"


def render(node: Node) -> str:
    """The query as text that parses back to the same tree (parentheses only where needed).

    A watchlist keyword, which the language has no prefix for, shows as ``keyword "k"``: for
    explanations only."""
    if isinstance(node, Term):
        return _shown(node.field, node.value)
    if isinstance(node, Not):
        inner = render(node.child)
        return f"NOT {inner}" if isinstance(node.child, Term | Not) else f"NOT ({inner})"
    if isinstance(node, And):
        return " AND ".join(render(c) if not isinstance(c, Or) else f"({render(c)})" for c in node.children)
    return " OR ".join(render(c) for c in node.children)
