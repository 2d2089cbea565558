"""Why a watchlist matches an article, or why not: every clause with its outcome and evidence.

Each term of the watchlist's condition becomes one clause, written as the user wrote it and prefixed
with ``NOT`` when an odd number of NOTs stand above it (so ``NOT (a OR b)`` explains as ``NOT a`` and
``NOT b``). A clause's ``matched`` says whether it holds as written; the filters (min_score,
languages) are clauses too. The entities, escalation terms and sentences of the explanation come only
from the positive clauses that held: what made the watchlist match, not everything in the article.
Sentences holding escalation terms, keywords or phrases come first; sentences naming a matched entity
fill in when there are none. At most :data:`MAX_SENTENCES`.

Pure: the decision itself is :func:`newswatch_alert.watchlists.match.holds`; this only describes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from newswatch_alert.common.text import words
from newswatch_alert.watchlists.prepared import TEXT_FIELDS, PreparedArticle
from newswatch_alert.watchlists.query import Node, Term, leaves, render
from newswatch_shared.schemas import ClauseResult, EscalationMatch, Explanation

__all__ = ["MAX_SENTENCES", "Found", "explain"]

MAX_SENTENCES = 5


@dataclass(frozen=True)
class Found:
    explanation: Explanation
    reasons: tuple[str, ...]
    matched_entities: tuple[str, ...]
    matched_keywords: tuple[str, ...]


@dataclass
class _Evidence:
    present: bool
    detail: str
    entities: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    entity_quotes: list[str] = field(default_factory=list)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _occurrences(found: list[EscalationMatch]) -> str:
    spelled = ", ".join(dict.fromkeys(f'"{o.text}"' for o in found))
    negated = ", negated" if all(o.negated for o in found) else ""
    return f"{spelled}{negated}"


def _entity(article: PreparedArticle, leaf: Term) -> _Evidence:
    found = article.entity_keys.get(leaf.key, [])
    if not found:
        return _Evidence(False, "matched no entity of the article")
    described = "; ".join(f"{e.canonical} ({e.label}) {how}" for e, how in found)
    quotes = [s for e, _ in found for s in article.sentences_with(words(e.text))]
    return _Evidence(
        True, f"matched {described}", _unique(e.canonical for e, _ in found), entity_quotes=quotes
    )


def _country(article: PreparedArticle, leaf: Term) -> _Evidence:
    found = article.countries.get(leaf.key, [])
    if not found:
        return _Evidence(False, f"no entity of the article is placed in {leaf.key.upper()}")
    described = ", ".join(dict.fromkeys(f'{e.canonical} ({e.label}, "{e.text}")' for e in found))
    quotes = [s for e in found for s in article.sentences_with(words(e.text))]
    return _Evidence(True, f"matched {described}", _unique(e.canonical for e in found), entity_quotes=quotes)


def _term(article: PreparedArticle, leaf: Term) -> _Evidence:
    """Each term found for the concept, with the path when it is a narrower one (asset freeze → sanctions)."""
    found = article.paths.get(leaf.key, [])
    if not found:
        return _Evidence(False, f"escalation term {leaf.key} was not found")
    groups: dict[tuple[str, tuple[str, ...]], list[EscalationMatch]] = {}
    for occurrence, path in found:
        groups.setdefault((occurrence.term, path), []).append(occurrence)
    described = "; ".join(
        f"{name} ({os[0].category}): {_occurrences(os)}" + (f" ({' → '.join(path)})" if len(path) > 1 else "")
        for (name, path), os in groups.items()
    )
    terms = _unique(name for name, _ in groups)
    quotes = [o.sentence for o, _ in found if o.sentence]
    return _Evidence(True, f"matched escalation term {described}", terms=terms, quotes=quotes)


def _category(article: PreparedArticle, leaf: Term) -> _Evidence:
    found = article.categories.get(leaf.key, [])
    if not found:
        return _Evidence(False, f"no escalation term of category {leaf.key} was found")
    by_term: dict[str, list[EscalationMatch]] = {}
    for o in found:
        by_term.setdefault(o.term, []).append(o)
    described = ", ".join(f"{name} ({_occurrences(os)})" for name, os in by_term.items())
    quotes = [o.sentence for o in found if o.sentence]
    return _Evidence(True, f"matched escalation terms {described}", terms=list(by_term), quotes=quotes)


def _source(article: PreparedArticle, leaf: Term) -> _Evidence:
    how = article.sources.get(leaf.key)
    if how is None:
        return _Evidence(
            False, f'the source is "{article.source}"' if article.source else "the source is unknown"
        )
    return _Evidence(True, f'matched {how} of "{article.source}"')


def _text(article: PreparedArticle, leaf: Term) -> _Evidence:
    phrase = tuple(leaf.key.split())
    grams = article.grams(len(phrase)) if article.has_phrase(phrase) else {}
    where = [name for name in TEXT_FIELDS if phrase in grams.get(name, ())]
    if not where:
        return _Evidence(False, "is not in the title, summary or content")
    return _Evidence(True, f"appears in the {' and '.join(where)}", quotes=article.sentences_with(phrase))


def _keyword(article: PreparedArticle, leaf: Term) -> _Evidence:
    as_term = _term(article, leaf)
    if as_term.present:
        return as_term
    as_text = _text(article, leaf)
    if as_text.present:
        return as_text
    return _Evidence(False, "is neither an escalation term of the article nor in its text")


_EVIDENCE: dict[str, Callable[[PreparedArticle, Term], _Evidence]] = {
    "entity": _entity,
    "country": _country,
    "term": _term,
    "category": _category,
    "source": _source,
    "text": _text,
    "keyword": _keyword,
}


def explain(
    condition: Node | None, article: PreparedArticle, min_score: float = 0.0, languages: Iterable[str] = ()
) -> Found:
    """Every clause of ``condition`` and the filters, judged on ``article``, with what made it match."""
    clauses: list[ClauseResult] = []
    reasons: list[str] = []
    entities: list[str] = []
    terms: list[str] = []
    quotes: list[str] = []
    entity_quotes: list[str] = []
    keywords: list[str] = []
    for leaf, negated in leaves(condition) if condition is not None else []:
        memo = (leaf.field, leaf.key)
        evidence: _Evidence | None = article.memo.get(memo)
        if evidence is None:
            evidence = article.memo[memo] = _EVIDENCE[leaf.field](article, leaf)
        matched = evidence.present != negated
        said = (leaf, negated)  # the clause as written: shared by every watchlist that has it
        result: ClauseResult | None = article.memo.get(said)
        if result is None:
            result = article.memo[said] = ClauseResult(
                clause=("NOT " if negated else "") + render(leaf),
                matched=matched,
                detail=evidence.detail,
                entities=evidence.entities,
                terms=evidence.terms,
            )
        clauses.append(result)
        if matched:
            clause = result.clause
            reasons.append(f"{clause}: {evidence.detail}" if negated else f"{clause} {evidence.detail}")
        if matched and not negated:
            entities += evidence.entities
            terms += evidence.terms
            quotes += evidence.quotes
            entity_quotes += evidence.entity_quotes
            if leaf.field in ("keyword", "term", "text"):
                keywords.append(leaf.value)
    if min_score:
        clauses.append(
            ClauseResult(
                clause=f"min_score {min_score:g}",
                matched=article.score >= min_score,
                detail=f"the article scores {article.score:g}",
            )
        )
    wanted = sorted(languages)
    if wanted:
        clauses.append(
            ClauseResult(
                clause=f"languages {', '.join(wanted)}",
                matched=article.language in wanted,
                detail=f"the article's language is {article.language or 'unknown'}",
            )
        )
    sentences = _unique(quotes or entity_quotes)[:MAX_SENTENCES]
    return Found(
        explanation=Explanation(
            clauses=clauses, entities=_unique(entities), terms=_unique(terms), sentences=sentences
        ),
        reasons=tuple(reasons),
        matched_entities=tuple(_unique(entities)),
        matched_keywords=tuple(_unique(keywords)),
    )
