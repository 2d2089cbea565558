"""An inverted index of watchlists, so an article is checked only against watchlists it could match.

Every watchlist lists at least one entity or keyword, and a match needs each listed clause to hold,
so a watchlist that can match an article always shares at least one normalised key with it: an entity
key (canonical name, surface text, country code), an escalation term, or a phrase of the text. The
index maps those keys to watchlist ids; :func:`newswatch_alert.match.match` then decides.

Pure: built from a list of watchlists, rebuilt whole when they change (see ``watchlist_cache``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from newswatch_alert.match import Match, PreparedArticle, match
from newswatch_alert.models import Watchlist
from newswatch_alert.text import norm
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["WatchlistIndex"]


class WatchlistIndex:
    def __init__(self, watchlists: Iterable[Watchlist] = ()) -> None:
        self._by_id: dict[str, Watchlist] = {}
        self._by_entity: dict[str, set[str]] = defaultdict(set)
        self._by_keyword: dict[str, set[str]] = defaultdict(set)
        self._keyword_lengths: set[int] = set()
        for watchlist in watchlists:
            self._by_id[watchlist.id] = watchlist
            for entity in watchlist.entities:
                self._by_entity[norm(entity)].add(watchlist.id)
            for keyword in watchlist.keywords:
                key = norm(keyword)
                self._by_keyword[key].add(watchlist.id)
                self._keyword_lengths.add(len(key.split()))

    def __len__(self) -> int:
        return len(self._by_id)

    def candidates(self, article: PreparedArticle) -> list[Watchlist]:
        """Watchlists sharing a key with the article, in id order (so alerts are made deterministically)."""
        ids: set[str] = set()
        for key in article.entity_keys:
            ids |= self._by_entity.get(key, set())
        for key in article.terms:
            ids |= self._by_keyword.get(key, set())
        if self._by_keyword:
            for phrase in article.phrases(sorted(self._keyword_lengths)):
                ids |= self._by_keyword.get(phrase, set())
        return [self._by_id[i] for i in sorted(ids)]

    def matches(self, article: EnrichedArticle) -> list[tuple[Watchlist, Match]]:
        """Every watchlist that matches ``article``, with the match."""
        prepared = PreparedArticle(article)
        found: list[tuple[Watchlist, Match]] = []
        for watchlist in self.candidates(prepared):
            result = match(watchlist, prepared)
            if result is not None:
                found.append((watchlist, result))
        return found
