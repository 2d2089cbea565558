"""Watchlist matching: does an article concern what a user watches? Exact, pure, and fast to ask.

A watchlist matches an article when it is enabled and every condition it gives holds:

1. **entities** — ANY listed entity equals an article entity's canonical name, its text, or its ISO
   country code ("UA" matches every entity enrich placed in Ukraine: Kyiv, Crimea, "Ukrainian");
2. **keywords** — ANY keyword is the canonical name of an escalation term enrich found, or stands as
   a whole word or phrase in the title, summary or content;
3. **query** — the boolean query (:mod:`newswatch_alert.watchlists.query`) holds;
4. **min_score** — the article's escalation score is at least this;
5. **languages** — none are listed, or the article's language (primary subtag: "en-GB" is "en") is
   one of them. An article of unknown language does not pass a language list.

A condition left empty is no condition. So the whole watchlist is one tree —
``AND(OR(entities), OR(keywords), query)`` — plus two filters, and :func:`holds` evaluates it.

Comparison is on normalised word sequences (:mod:`newswatch_alert.common.text`): case and punctuation never
decide, and only whole words match — "troop" matches neither "troopship" nor "troops". Inflection
is enrich's job: it maps "soldiers" and "troop" to the term ``troops``. Negated escalation matches
("no plans to invade") still count: a denial is news to someone watching for invasion, and the
explanation says "negated" so the reader can judge.

Everything here is pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from newswatch_alert.common.text import source_of
from newswatch_alert.watchlists.explain import explain
from newswatch_alert.watchlists.models import Watchlist
from newswatch_alert.watchlists.prepared import TEXT_FIELDS, PreparedArticle
from newswatch_alert.watchlists.query import And, Node, Or, Term, parse, term
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import AlertEvent, EnrichedArticle, Explanation

__all__ = [
    "FIELDS",
    "Compiled",
    "Match",
    "PreparedArticle",
    "build_alert",
    "compile_watchlist",
    "condition_holds",
    "condition_of",
    "explained",
    "filter_failures",
    "holds",
    "is_match",
    "match",
    "passes_filters",
]

FIELDS = TEXT_FIELDS


@dataclass(frozen=True)
class Match:
    """Why a watchlist matched: what an alert explains to its reader."""

    watchlist_id: str
    matched_entities: tuple[str, ...]
    matched_keywords: tuple[str, ...]
    reasons: tuple[str, ...]
    sentences: tuple[str, ...]
    explanation: Explanation


@dataclass(frozen=True, slots=True)
class Compiled:
    """A watchlist ready to evaluate: its condition tree (None: every article) and its filters."""

    watchlist: Watchlist
    condition: Node | None
    min_score: float
    languages: frozenset[str]


def condition_of(watchlist: Watchlist) -> Node | None:
    """``AND(OR(entities), OR(keywords), query)`` with the empty parts left out.

    Raises :class:`newswatch_alert.watchlists.query.QueryError` if a stored query no longer parses.
    """
    parts: list[Node] = []
    for field, values in (("entity", watchlist.entities), ("keyword", watchlist.keywords)):
        leaves: list[Node] = [term(field, v) for v in values]  # type: ignore[arg-type]
        if leaves:
            parts.append(leaves[0] if len(leaves) == 1 else Or(tuple(leaves)))
    if watchlist.query:
        query = parse(watchlist.query)
        parts.extend(query.children if isinstance(query, And) else (query,))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def compile_watchlist(watchlist: Watchlist) -> Compiled:
    return Compiled(
        watchlist=watchlist,
        condition=condition_of(watchlist),
        min_score=watchlist.min_score,
        languages=frozenset(watchlist.languages),
    )


# -- evaluation --------------------------------------------------------------------------------------


def _keyword(article: PreparedArticle, key: str) -> bool:
    return key in article.terms or article.has_phrase(tuple(key.split()))


_LEAF: dict[str, Callable[[PreparedArticle, str], bool]] = {
    "entity": lambda a, k: k in a.entity_keys,
    "country": lambda a, k: k in a.countries,
    "term": lambda a, k: k in a.terms,
    "category": lambda a, k: k in a.categories,
    "source": lambda a, k: k in a.sources,
    "text": lambda a, k: a.has_phrase(tuple(k.split())),
    "keyword": _keyword,
}


def holds(node: Node, article: PreparedArticle) -> bool:
    """Whether ``node`` holds for the article (short-circuit; no explanation)."""
    if isinstance(node, Term):
        return _LEAF[node.field](article, node.key)
    if isinstance(node, And):
        for child in node.children:
            if not holds(child, article):
                return False
        return True
    if isinstance(node, Or):
        for child in node.children:
            if holds(child, article):
                return True
        return False
    return not holds(node.child, article)


def passes_filters(compiled: Compiled, article: PreparedArticle) -> bool:
    if compiled.min_score and article.score < compiled.min_score:
        return False
    return not compiled.languages or article.language in compiled.languages


def filter_failures(compiled: Compiled, article: PreparedArticle) -> list[str]:
    """Why the filters (enabled, min_score, languages) turn the article away, in words."""
    reasons: list[str] = []
    if not compiled.watchlist.enabled:
        reasons.append("the watchlist is disabled")
    if compiled.min_score and article.score < compiled.min_score:
        reasons.append(f"score {article.score:g} is below min_score {compiled.min_score:g}")
    if compiled.languages and article.language not in compiled.languages:
        wanted = ", ".join(sorted(compiled.languages))
        reasons.append(f"language {article.language or 'unknown'} is not one of {wanted}")
    return reasons


def condition_holds(compiled: Compiled, article: PreparedArticle) -> bool:
    """Whether entities, keywords and query hold, the filters aside."""
    return compiled.condition is None or holds(compiled.condition, article)


def is_match(compiled: Compiled, article: PreparedArticle) -> bool:
    """The exact decision, without the explanation: what both matchers (index and naive) ask."""
    if not compiled.watchlist.enabled or not passes_filters(compiled, article):
        return False
    return condition_holds(compiled, article)


def match(watchlist: Watchlist | Compiled, article: EnrichedArticle | PreparedArticle) -> Match | None:
    """The match of ``watchlist`` on ``article`` with its explanation, or None."""
    compiled = watchlist if isinstance(watchlist, Compiled) else compile_watchlist(watchlist)
    prepared = article if isinstance(article, PreparedArticle) else PreparedArticle(article)
    if not is_match(compiled, prepared):
        return None
    return explained(compiled, prepared)


def explained(compiled: Compiled, prepared: PreparedArticle) -> Match:
    """The match with its explanation, for a watchlist already known to match."""
    found = explain(compiled.condition, prepared, compiled.min_score, compiled.languages)
    return Match(
        watchlist_id=compiled.watchlist.id,
        matched_entities=found.matched_entities,
        matched_keywords=found.matched_keywords,
        reasons=found.reasons,
        sentences=tuple(found.explanation.sentences),
        explanation=found.explanation,
    )


def build_alert(
    watchlist: Watchlist, enriched: EnrichedArticle, found: Match, created_at: datetime
) -> AlertEvent:
    """The alert for a match of one copy alone; its id depends only on (watchlist, story), never on
    time, so every copy of a story names one alert (``alerts.story`` merges them)."""
    article = enriched.article
    source = source_of(article)
    return AlertEvent(
        id=stable_id(watchlist.id, enriched.story),
        user_id=watchlist.user_id,
        watchlist_id=watchlist.id,
        watchlist_name=watchlist.name,
        article_id=article.id,
        title=article.title,
        url=article.url,
        source=source,
        published_at=article.published_at,
        score=enriched.score,
        matched_entities=list(found.matched_entities),
        matched_keywords=list(found.matched_keywords),
        reasons=list(found.reasons),
        sentences=list(found.sentences),
        created_at=created_at,
        explanation=found.explanation,
        story_id=enriched.story,
        sources=list(enriched.story_sources) or ([source] if source else []),
    )
