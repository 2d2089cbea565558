"""Watchlists speak the concept scheme (:mod:`newswatch_shared.concepts`): names are checked when a
watchlist is written, and an article's escalation matches stand for their broader concepts too.

**Writing** (POST, PATCH, ``POST /watchlists/test``): a watchlist that names what can never match is
refused rather than saved useless.

- ``term:T`` in the query must name a concept by its preferred or alternative label (any case, hyphens
  as spaces, a plural "s"). A variant is stored as its concept (``term:blockade`` → ``term:siege``,
  rewritten in place in the query text) and the response says so in a note. An unknown name is a 422
  that names it and suggests the nearest known concepts.
- ``category:C`` must name a category of the scheme; unknown → 422 with the nearest categories.
- ``keywords`` are free words as well as terms, so nothing there is refused: a keyword that is a
  variant of a concept is stored as that concept (note), and one that is no concept but looks like one
  gets a note naming the nearest concepts (it still matches as words).

**Reading** (an article is prepared for matching): an escalation match stands for its own concept and
every broader one (``match.concepts``, as enrich wrote them; for articles enriched before concepts
existed, the scheme's ``broader_chain`` of the term), each with the path that leads there, which the
explanation shows (``asset freeze → sanctions``). So a watchlist on ``sanctions`` hears of an asset
freeze, and the index stays exact: the article simply holds the key ``t:sanctions``.

Pure: no I/O. The scheme is the one the process loaded from ``NEWSWATCH_TAXONOMY_PATH`` at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from newswatch_alert.common.text import norm
from newswatch_alert.watchlists.query import QueryError, leaves, parse, shown_value
from newswatch_shared.concepts import ConceptScheme

__all__ = ["Checked", "check_watchlist", "concept_paths", "resolve_keywords", "resolve_query"]


@dataclass
class Checked:
    """What checking changed (``values``: the fields rewritten), said (``notes``) and refused (``problems``,
    each a FastAPI 422 entry with its ``loc``)."""

    values: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)


def _did_you_mean(suggestions: Sequence[str]) -> str:
    if not suggestions:
        return ""
    quoted = [f'"{s}"' for s in suggestions]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"; did you mean {listed}?"


def resolve_query(text: str, scheme: ConceptScheme) -> tuple[str, list[str], list[tuple[str, int, str]]]:
    """The query with every ``term:`` variant replaced by its concept, the notes saying so, and the
    unknown names as (message, column, value). Raises :class:`QueryError` if the query does not parse."""
    notes: list[str] = []
    problems: list[tuple[str, int, str]] = []
    replacements: list[tuple[tuple[int, int], str]] = []
    for leaf, _ in leaves(parse(text)):
        column = leaf.span[0] + 1
        if leaf.field == "term":
            concept = scheme.resolve(leaf.value)
            if concept is None:
                message = f'query: unknown term "{leaf.value}" at column {column}'
                problems.append((message + _did_you_mean(scheme.suggest(leaf.value)), column, leaf.value))
            elif norm(concept) != leaf.key:
                replacements.append((leaf.span, shown_value(concept)))
                notes.append(f'term "{leaf.value}" is stored as "{concept}"')
        elif leaf.field == "category" and scheme.resolve_category(leaf.value) is None:
            message = f'query: unknown category "{leaf.value}" at column {column}'
            problems.append(
                (message + _did_you_mean(scheme.suggest_category(leaf.value)), column, leaf.value)
            )
    for (start, end), value in sorted(replacements, reverse=True):
        text = text[:start] + value + text[end:]
    return text, list(dict.fromkeys(notes)), problems


def resolve_keywords(values: Sequence[str], scheme: ConceptScheme) -> tuple[list[str], list[str]]:
    """Keywords with concept variants stored as their concept (repeats dropped), and the notes.

    Never refuses: a keyword is also a word of the text, and most words are no concept."""
    out: list[str] = []
    seen: set[str] = set()
    notes: list[str] = []
    for raw in values:
        value = " ".join(raw.split())
        concept = scheme.resolve(value) if norm(value) else None
        if concept is not None and norm(concept) != norm(value):
            notes.append(f'keyword "{value}" is stored as "{concept}"')
            value = concept
        elif concept is None and norm(value):
            near = scheme.suggest(value)
            if near:
                notes.append(
                    f'keyword "{value}" is no escalation concept: it matches only as words'
                    + _did_you_mean(near)
                )
        key = norm(value)
        if key not in seen or not key:  # an empty one stays for the model to refuse, with its message
            seen.add(key)
            out.append(value)
    return out, notes


def check_watchlist(data: dict[str, Any], scheme: ConceptScheme, loc: tuple[str, ...] = ("body",)) -> Checked:
    """Check the ``query`` and ``keywords`` of a watchlist body (only those present: a PATCH checks what
    it sends). A query that does not parse is left for the model to refuse with its column."""
    checked = Checked()
    query = data.get("query")
    if isinstance(query, str) and query.strip():
        try:
            text, notes, problems = resolve_query(query, scheme)
        except QueryError:
            pass
        else:
            checked.notes += notes
            if text != query:
                checked.values["query"] = text
                try:  # a concept longer than its variant may push the query past its limit
                    parse(text)
                except QueryError as e:
                    problems.append((f"{e} once variants are stored as their concepts", e.column, query))
            checked.problems += [
                {
                    "type": "unknown_concept",
                    "loc": (*loc, "query"),
                    "msg": message,
                    "input": value,
                    "ctx": {"column": column},
                }
                for message, column, value in problems
            ]
    keywords = data.get("keywords")
    if isinstance(keywords, list) and all(isinstance(k, str) for k in keywords):
        resolved, notes = resolve_keywords(keywords, scheme)
        checked.notes += notes
        if resolved != keywords:
            checked.values["keywords"] = resolved
    return checked


def concept_paths(
    name: str, listed: Sequence[str], scheme: ConceptScheme | None
) -> dict[str, tuple[str, ...]]:
    """The concepts an escalation match named ``name`` stands for, each with the path from ``name`` to it
    (``{"asset freeze": ("asset freeze",), "sanctions": ("asset freeze", "sanctions")}``).

    ``listed`` is what enrich wrote (``match.concepts``) and decides which concepts count; when it is
    empty (an older enricher, or a name of ``also``) the scheme's broader chain does. The scheme only
    draws the paths; a concept it cannot reach is shown as one step."""
    paths: dict[str, tuple[str, ...]] = {name: (name,)}
    if scheme is not None and name in scheme.concepts:
        queue = [name]
        while queue:
            current = queue.pop(0)
            for broader in scheme.concepts[current].broader:
                if broader not in paths and broader in scheme.concepts:
                    paths[broader] = (*paths[current], broader)
                    queue.append(broader)
    if not listed:
        return paths
    return {c: paths.get(c, (name, c)) for c in dict.fromkeys((name, *listed))}
