"""Where a watchlist query is wrong, said so a person can fix it: the column and what was expected.

``query: unexpected ')' at column 14; expected a word, a "phrase", a field such as country:UA, '('
or NOT`` — lark's errors name grammar symbols; these functions translate them, and catch what lark
would report late or confusingly (too deep nesting, an unmatched parenthesis, an unclosed quote).
"""

from __future__ import annotations

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

__all__ = ["QueryError", "check_nesting", "open_before", "syntax_error"]


class QueryError(ValueError):
    """The query does not parse; ``column`` (1-based) points at the problem."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"query: {message}")
        self.column = column


_EXPECTED = {
    "WORD": "a word",
    "PHRASE": 'a "phrase"',
    "FIELD": "a field such as country:UA",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_NOT": "NOT",
    "_AND": "AND",
    "_OR": "OR",
    "_COLON": "':'",
    "$END": "the end of the query",
}


def _expected(names: set[str] | frozenset[str] | list[str]) -> str:
    shown = [text for name, text in _EXPECTED.items() if name in names]
    if not shown:
        return ""
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
    return f"; expected {listed}"


def syntax_error(text: str, e: UnexpectedInput) -> QueryError:
    if isinstance(e, UnexpectedCharacters):
        column = e.column
        if e.char == '"':
            return QueryError(f"unclosed quote at column {column}", column)
        return QueryError(f"unexpected {e.char!r} at column {column}{_expected(e.allowed)}", column)
    if isinstance(e, UnexpectedToken) and e.token.type != "$END":
        column = e.column
        shown = str(e.token.value)
        if e.token.type == "_RPAR" and open_before(text, column) < 0:
            return QueryError(f"unmatched ')' at column {column}", column)
        if e.token.type == "FIELD":
            shown += ":"
        return QueryError(f"unexpected {shown!r} at column {column}{_expected(e.expected)}", column)
    expected = e.expected if isinstance(e, UnexpectedToken | UnexpectedEOF) else set()
    column = len(text) + 1
    return QueryError(f"unexpected end of query at column {column}{_expected(set(expected))}", column)


def open_before(text: str, column: int) -> int:
    """Parentheses left open before ``column``, counting the one there (negative: one too many closed)."""
    level = 0
    quoted = False
    for char in text[:column]:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            level += {"(": 1, ")": -1}.get(char, 0)
    return level


def check_nesting(text: str, max_depth: int) -> None:
    """Refuse deep parentheses before parsing, naming the column where the limit is passed."""
    level = 0
    quoted = False
    for column, char in enumerate(text, start=1):
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            level += 1
            if level > max_depth:
                raise QueryError(
                    f"parentheses nested deeper than {max_depth} levels at column {column}", column
                )
        elif not quoted and char == ")":
            level -= 1
