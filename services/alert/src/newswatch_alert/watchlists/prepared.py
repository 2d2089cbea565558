"""An enriched article in the forms matching compares: normalised once, read by every watchlist.

What each query field is compared with (all through :func:`newswatch_alert.common.text.norm`, so case and
punctuation never decide):

- ``entity:`` — each entity's canonical name, its text and every other form as written, every name
  of the same thing in the shared entity-name table ("Russian", "Russians" and "Russian Federation"
  for Russia; "UK" and "Britain" for the United Kingdom), its ISO country code and its country's
  name (so "Ukraine", like "UA", matches Kyiv and "Ukrainian");
- ``country:`` — the ``country`` enrich gave each entity (places, nationalities, bodies of a state);
- ``term:`` — each escalation match's concept and every broader one (``concepts``, or the scheme's
  broader chain for older articles: "asset freeze" is also sanctions), and the same for the terms
  enrich found inside a longer match (``also``: "troop build-up" is military buildup, also troops);
  so ``term:sanctions`` holds for everything narrower (:mod:`.concepts`);
- ``category:`` — the category of each escalation match;
- ``source:`` — the feed's title, the feed id, and the host of the feed (or of the article);
- words and phrases — whole words of the title, summary and content, a phrase within one field.

``keys`` lists the article as inverted-index keys (``e:kyiv``, ``c:ua``, ``t:troops``, ``g:military``,
``s:example wire``, ``w:frontier``) for :mod:`newswatch_alert.watchlists.index`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from newswatch_alert.common.entities import entity_names
from newswatch_alert.common.text import norm, primary_language, sentences, source_of, words
from newswatch_alert.watchlists.concepts import concept_paths
from newswatch_shared.concepts import ConceptScheme
from newswatch_shared.schemas import EnrichedArticle, Entity, EscalationMatch, RawArticle

__all__ = ["TEXT_FIELDS", "PreparedArticle"]

#: Article fields searched for words and phrases, in the order explanations name them.
TEXT_FIELDS = ("title", "summary", "content")


class PreparedArticle:
    """The article's normalised facts, computed once and shared by every candidate watchlist.

    ``scheme`` gives the broader concepts of matches enriched without them, and the paths explanations
    show; without one, a match stands for what enrich listed in its ``concepts``."""

    def __init__(self, enriched: EnrichedArticle, scheme: ConceptScheme | None = None) -> None:
        self.enriched = enriched
        raw = enriched.article
        self.score = enriched.score
        self.language = primary_language(enriched.language or raw.language)
        self.source = source_of(raw)
        self.texts: dict[str, str] = {"title": raw.title, "summary": raw.summary, "content": raw.content}
        self.tokens: dict[str, tuple[str, ...]] = {name: words(text) for name, text in self.texts.items()}
        self.words: frozenset[str] = frozenset().union(*self.tokens.values())
        #: normalised key → (entity, how the key was derived from it)
        self.entity_keys: dict[str, list[tuple[Entity, str]]] = defaultdict(list)
        #: lower-case ISO code → entities placed there
        self.countries: dict[str, list[Entity]] = defaultdict(list)
        for entity in enriched.entities:
            self.entity_keys[norm(entity.canonical)].append((entity, "by name"))
            if norm(entity.text) != norm(entity.canonical):
                self.entity_keys[norm(entity.text)].append((entity, f'by the text "{entity.text}"'))
            if entity.country:
                code = norm(entity.country)
                self.entity_keys[code].append((entity, f"by country code {entity.country}"))
                self.countries[code].append(entity)
            if entity.country_name and norm(entity.country_name) != norm(entity.canonical):
                # "Ukraine" means the country, its places and its people, as "UA" does.
                self.entity_keys[norm(entity.country_name)].append(
                    (entity, f"by country {entity.country_name}")
                )
            self._other_names(entity)
        #: normalised concept → the occurrences standing for it: its own and every narrower one found
        self.terms: dict[str, list[EscalationMatch]] = defaultdict(list)
        #: the same, each with the path from the term found to the concept (for explanations)
        self.paths: dict[str, list[tuple[EscalationMatch, tuple[str, ...]]]] = defaultdict(list)
        self.categories: dict[str, list[EscalationMatch]] = defaultdict(list)
        for occurrence in enriched.escalation:
            self.categories[norm(occurrence.category)].append(occurrence)
            # "troop build-up" is military buildup, and also troops; each stands for its broader concepts
            named = [(occurrence.term, occurrence.concepts), *((inner, []) for inner in occurrence.also)]
            for name, listed in named:
                for concept, path in concept_paths(name, listed, scheme).items():
                    key = norm(concept)
                    if not any(o is occurrence for o in self.terms[key]):
                        self.terms[key].append(occurrence)
                        self.paths[key].append((occurrence, path))
        #: normalised source name → what it is
        self.sources: dict[str, str] = {}
        for key, how in (
            (norm(raw.feed_title), "the feed title"),
            (norm(raw.feed_id), "the feed id"),
            *((norm(host), "the host") for host in self._hosts(raw)),
        ):
            if key and key not in self.sources:
                self.sources[key] = how
        self._grams: dict[int, dict[str, frozenset[tuple[str, ...]]]] = {}
        self._keys: frozenset[str] | None = None
        self._sentences: list[tuple[str, tuple[str, ...]]] | None = None
        self._quotes: dict[tuple[str, ...], list[str]] = {}
        #: per-article memo for explanations: many watchlists share a clause (country:UA)
        self.memo: dict[tuple[Any, ...], Any] = {}

    def _other_names(self, entity: Entity) -> None:
        """Every way the article wrote it, and every name of the same thing (common.entities), so
        ``entity:Russian`` finds Russia and ``entity:Russia`` an article that only says "Russian"."""
        for form in entity.forms:
            key = norm(form)
            if key and all(e is not entity for e, _ in self.entity_keys.get(key, ())):
                self.entity_keys[key].append((entity, f'by the text "{form}"'))
        thing = entity_names().thing(entity.canonical)
        if thing is None:
            return
        for name in thing.names:
            key = norm(name)
            if key and all(e is not entity for e, _ in self.entity_keys.get(key, ())):
                self.entity_keys[key].append((entity, f"as {name}, a name of {thing.canonical}"))

    @staticmethod
    def _hosts(raw: RawArticle) -> list[str]:
        hosts: list[str] = []
        for url in (raw.feed_url, raw.url):
            host = urlsplit(url).hostname if url else None
            if host:
                hosts += [host, host.removeprefix("www.")]
        return hosts

    @property
    def keys(self) -> frozenset[str]:
        """Every inverted-index key of the article (see the module docs)."""
        if self._keys is None:
            found = {f"e:{k}" for k in self.entity_keys}
            found.update(f"c:{k}" for k in self.countries)
            found.update(f"t:{k}" for k in self.terms)
            found.update(f"g:{k}" for k in self.categories)
            found.update(f"s:{k}" for k in self.sources)
            found.update(f"w:{w}" for w in self.words)
            self._keys = frozenset(found)
        return self._keys

    def has_phrase(self, phrase: tuple[str, ...]) -> bool:
        """Whether ``phrase`` stands as whole words, in order, within one field."""
        if len(phrase) == 1:
            return phrase[0] in self.words
        return all(w in self.words for w in phrase) and self.field_with(phrase) is not None

    def grams(self, n: int) -> dict[str, frozenset[tuple[str, ...]]]:
        """Each field's word n-grams (cached: several watchlists ask for the same n)."""
        if n not in self._grams:
            self._grams[n] = {
                name: frozenset(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))
                for name, toks in self.tokens.items()
            }
        return self._grams[n]

    def field_with(self, phrase: tuple[str, ...]) -> str | None:
        """The first field holding ``phrase`` as whole words, or None."""
        if not phrase:
            return None
        for name, grams in self.grams(len(phrase)).items():
            if phrase in grams:
                return name
        return None

    def sentences_with(self, phrase: tuple[str, ...]) -> list[str]:
        """The sentences of title, summary and content that hold ``phrase`` as whole words (memoised)."""
        if phrase in self._quotes:
            return self._quotes[phrase]
        if self._sentences is None:
            self._sentences = [
                (sentence, words(sentence)) for text in self.texts.values() for sentence in sentences(text)
            ]
        found: list[str] = []
        n = len(phrase)
        if n:
            for sentence, toks in self._sentences:
                if phrase[0] in toks and any(toks[i : i + n] == phrase for i in range(len(toks) - n + 1)):
                    found.append(sentence)
        self._quotes[phrase] = found
        return found
