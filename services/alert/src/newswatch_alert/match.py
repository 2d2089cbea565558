"""Watchlist matching: does an article concern what a user watches, and why?

A watchlist matches an article when both clauses hold:

1. **entities** — the watchlist lists none, or ANY listed entity equals an article entity's canonical
   name, its surface text, or its ISO country code ("UA" matches every entity enrich placed in Ukraine);
2. **keywords** — the watchlist lists none, or ANY keyword equals the canonical name of an escalation
   term enrich found, or appears as a whole word or phrase in the title, summary or content.

Comparison is on normalised word sequences (:mod:`newswatch_alert.text`): case and punctuation never
decide, and only whole words match — "troop" matches neither "troopship" nor "troops". Inflection
is enrich's job: it maps "soldiers" and "troop" to the term ``troops``, which the first keyword rule
catches. Negated escalation matches ("no plans to invade") still count, because a denial is news to
someone watching for invasion; the reason says "negated" so the reader can judge.

Everything here is pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from newswatch_alert.models import Watchlist
from newswatch_alert.text import norm, sentences, words
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import AlertEvent, EnrichedArticle, Entity, EscalationMatch, RawArticle

__all__ = ["FIELDS", "Match", "PreparedArticle", "build_alert", "match", "source_of"]

#: Article fields searched for free keywords, in the order reasons name them.
FIELDS = ("title", "summary", "content")
_MAX_SENTENCES = 5


@dataclass(frozen=True)
class Match:
    """Why a watchlist matched: what an alert explains to its reader."""

    watchlist_id: str
    matched_entities: tuple[str, ...]
    matched_keywords: tuple[str, ...]
    reasons: tuple[str, ...]
    sentences: tuple[str, ...]


class PreparedArticle:
    """An article's normalised forms, computed once and shared by every candidate watchlist."""

    def __init__(self, enriched: EnrichedArticle) -> None:
        self.enriched = enriched
        raw = enriched.article
        self.texts: dict[str, str] = {"title": raw.title, "summary": raw.summary, "content": raw.content}
        self.tokens: dict[str, tuple[str, ...]] = {name: words(text) for name, text in self.texts.items()}
        #: normalised key → (entity, how the key was derived from it)
        self.entity_keys: dict[str, list[tuple[Entity, str]]] = defaultdict(list)
        for entity in enriched.entities:
            for key, how in _entity_keys(entity):
                self.entity_keys[key].append((entity, how))
        #: normalised canonical term → its occurrences
        self.terms: dict[str, list[EscalationMatch]] = defaultdict(list)
        for occurrence in enriched.escalation:
            self.terms[norm(occurrence.term)].append(occurrence)
        self._grams: dict[int, dict[str, frozenset[tuple[str, ...]]]] = {}

    def grams(self, n: int) -> dict[str, frozenset[tuple[str, ...]]]:
        """Each field's word n-grams (cached: several watchlists ask for the same n)."""
        if n not in self._grams:
            self._grams[n] = {
                name: frozenset(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))
                for name, toks in self.tokens.items()
            }
        return self._grams[n]

    def phrases(self, lengths: Iterable[int]) -> Iterator[str]:
        """Every normalised phrase of the given word counts, for inverted-index look-ups."""
        for n in lengths:
            for grams in self.grams(n).values():
                for gram in grams:
                    yield " ".join(gram)

    def field_with(self, phrase: tuple[str, ...]) -> str | None:
        """The first field holding ``phrase`` as whole words, or None."""
        if not phrase:
            return None
        for name, grams in self.grams(len(phrase)).items():
            if phrase in grams:
                return name
        return None

    def sentences_with(self, phrase: tuple[str, ...]) -> list[str]:
        found: list[str] = []
        n = len(phrase)
        for text in self.texts.values():
            for sentence in sentences(text):
                toks = words(sentence)
                if any(toks[i : i + n] == phrase for i in range(len(toks) - n + 1)):
                    found.append(sentence)
        return found


def _entity_keys(entity: Entity) -> Iterator[tuple[str, str]]:
    yield norm(entity.canonical), "by name"
    if norm(entity.text) != norm(entity.canonical):
        yield norm(entity.text), f'by the text "{entity.text}"'
    if entity.country:
        yield norm(entity.country), f"by country code {entity.country}"


def match(watchlist: Watchlist, article: EnrichedArticle | PreparedArticle) -> Match | None:
    """The match of ``watchlist`` on ``article`` with its explanation, or None."""
    prepared = article if isinstance(article, PreparedArticle) else PreparedArticle(article)
    reasons: list[str] = []
    quoted: list[str] = []

    entities: list[str] = []
    for wanted in watchlist.entities:
        for entity, how in prepared.entity_keys.get(norm(wanted), ()):
            if entity.canonical not in entities:
                entities.append(entity.canonical)
            reasons.append(f'entity "{wanted}" matched {entity.canonical} ({entity.label}) {how}')
            quoted += prepared.sentences_with(words(entity.text))
    if watchlist.entities and not entities:
        return None

    keywords: list[str] = []
    keyword_quotes: list[str] = []
    for keyword in watchlist.keywords:
        key = norm(keyword)
        occurrences = prepared.terms.get(key, [])
        if occurrences:
            first = occurrences[0]
            spelled = ", ".join(dict.fromkeys(f'"{o.text}"' for o in occurrences))
            negated = ", negated" if all(o.negated for o in occurrences) else ""
            reasons.append(
                f'keyword "{keyword}" matched escalation term {first.term} '
                f"({first.category}{negated}): {spelled}"
            )
            keyword_quotes += [o.sentence for o in occurrences if o.sentence]
            keywords.append(keyword)
            continue
        where = prepared.field_with(tuple(key.split()))
        if where is not None:
            reasons.append(f'keyword "{keyword}" appears in the {where}')
            keyword_quotes += prepared.sentences_with(tuple(key.split()))
            keywords.append(keyword)
    if watchlist.keywords and not keywords:
        return None

    # Sentences holding the keywords explain best; entity mentions are the fallback.
    chosen = list(dict.fromkeys(keyword_quotes or quoted))[:_MAX_SENTENCES]
    return Match(
        watchlist_id=watchlist.id,
        matched_entities=tuple(entities),
        matched_keywords=tuple(keywords),
        reasons=tuple(reasons),
        sentences=tuple(chosen),
    )


def source_of(article: RawArticle) -> str:
    """The name a reader knows the source by: the feed's title, else the host it came from."""
    if article.feed_title:
        return article.feed_title
    for url in (article.feed_url, article.url):
        host = urlsplit(url).hostname if url else None
        if host:
            return host.removeprefix("www.")
    return ""


def build_alert(
    watchlist: Watchlist, enriched: EnrichedArticle, found: Match, created_at: datetime
) -> AlertEvent:
    """The alert for a match; its id depends only on (watchlist, article), never on time."""
    article = enriched.article
    return AlertEvent(
        id=stable_id(watchlist.id, article.id),
        user_id=watchlist.user_id,
        watchlist_id=watchlist.id,
        watchlist_name=watchlist.name,
        article_id=article.id,
        title=article.title,
        url=article.url,
        source=source_of(article),
        published_at=article.published_at,
        score=enriched.score,
        matched_entities=list(found.matched_entities),
        matched_keywords=list(found.matched_keywords),
        reasons=list(found.reasons),
        sentences=list(found.sentences),
        created_at=created_at,
    )
