"""An inverted index of watchlists: an article is evaluated only against watchlists it could match.

Each watchlist is filed under its anchors (:mod:`.anchors`): single keys in one posting
map, two-key conjunctions in a nested map under the rarer key (the *head*), and anchorless watchlists
in an "always" list sorted by min_score. An article's candidates are the watchlists filed under the
keys it holds (:attr:`PreparedArticle.keys`), under the pairs both of whose keys it holds, and the
anchorless ones its score reaches. A candidate found through a *sure* anchor matches if its filters
(min_score, languages) pass; any other is evaluated exactly (:func:`.match.is_match`).
So the index never changes a result, only its cost; a property test checks it against the naive loop.

Updates are incremental (:meth:`WatchlistIndex.add` / :meth:`WatchlistIndex.remove`), so a changed
watchlist costs one parse, not a rebuild of 100,000. Pure: no I/O.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable

from newswatch_alert.watchlists.anchors import Plan, plan, prior
from newswatch_alert.watchlists.match import (
    Compiled,
    Match,
    PreparedArticle,
    compile_watchlist,
    explained,
    is_match,
)
from newswatch_alert.watchlists.models import Watchlist
from newswatch_alert.watchlists.query import QueryError
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["WatchlistIndex"]

log = logging.getLogger(__name__)

#: A posting: the ids filed under one key (or pair) through a sure anchor, and through another.
Posting = tuple[set[str], set[str]]


def _head(anchor: tuple[str, ...]) -> tuple[str, str]:
    """A pair is filed under its rarer key, so the nested look-up runs for fewer articles."""
    head, other = sorted(anchor, key=lambda k: (prior(k), k))
    return head, other


class WatchlistIndex:
    def __init__(self, watchlists: Iterable[Watchlist | Compiled] = ()) -> None:
        self._entries: dict[str, Compiled] = {}
        self._plans: dict[str, Plan | None] = {}
        self._single: dict[str, Posting] = {}
        self._pairs: dict[str, dict[str, Posting]] = {}
        #: anchorless watchlists: id → min_score, and the same sorted by score (built on demand), so an
        #: article takes only those its score reaches (``NOT x`` with min_score 80 waits for an 80)
        self._always: dict[str, float] = {}
        self._by_score: tuple[list[float], list[str]] | None = None
        for watchlist in watchlists:
            self.add(watchlist)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, watchlist_id: object) -> bool:
        return watchlist_id in self._entries

    @property
    def always(self) -> int:
        """How many watchlists have no anchor (taken by every article their min_score lets through)."""
        return len(self._always)

    def add(self, watchlist: Watchlist | Compiled) -> bool:
        """File (or re-file) a watchlist; a disabled one, or one whose query no longer parses, stays out."""
        plain = watchlist.watchlist if isinstance(watchlist, Compiled) else watchlist
        self.remove(plain.id)
        if not plain.enabled:
            return False
        try:
            compiled = watchlist if isinstance(watchlist, Compiled) else compile_watchlist(plain)
        except QueryError as e:
            log.warning("watchlist %s not indexed: %s", plain.id, e)
            return False
        found = plan(compiled.condition) if compiled.condition is not None else None
        self._entries[plain.id] = compiled
        self._plans[plain.id] = found
        if found is None:
            self._always[plain.id] = compiled.min_score
            self._by_score = None
            return True
        for anchor, sure in found.items():
            if len(anchor) == 1:
                posting = self._single.setdefault(anchor[0], (set(), set()))
            else:
                head, other = _head(anchor)
                posting = self._pairs.setdefault(head, {}).setdefault(other, (set(), set()))
            posting[0 if sure else 1].add(plain.id)
        return True

    def remove(self, watchlist_id: str) -> bool:
        if self._entries.pop(watchlist_id, None) is None:
            return False
        found = self._plans.pop(watchlist_id)
        if found is None:
            del self._always[watchlist_id]
            self._by_score = None
            return True
        for anchor in found:
            if len(anchor) == 1:
                _discard(self._single, anchor[0], watchlist_id)
            else:
                head, other = _head(anchor)
                nested = self._pairs.get(head, {})
                _discard(nested, other, watchlist_id)
                if not nested:
                    self._pairs.pop(head, None)
        return True

    def _candidate_ids(self, article: PreparedArticle) -> tuple[set[str], set[str]]:
        """(sure, maybe): ids found through a sure anchor, and the rest of the candidates."""
        keys = article.keys
        sure: set[str] = set()
        maybe: set[str] = set(self._reached_by(article.score)) if self._always else set()
        single, pairs = self._single, self._pairs
        for key in keys:
            posting = single.get(key)
            if posting is not None:
                sure.update(posting[0])
                maybe.update(posting[1])
            nested = pairs.get(key)
            if nested is None:
                continue
            if len(nested) <= len(keys):
                for other, posting in nested.items():
                    if other in keys:
                        sure.update(posting[0])
                        maybe.update(posting[1])
            else:
                for other in keys:
                    posting = nested.get(other)
                    if posting is not None:
                        sure.update(posting[0])
                        maybe.update(posting[1])
        return sure, maybe

    def _reached_by(self, score: float) -> list[str]:
        if self._by_score is None:
            ordered = sorted((s, i) for i, s in self._always.items())
            self._by_score = ([s for s, _ in ordered], [i for _, i in ordered])
        scores, ids = self._by_score
        return ids[: bisect.bisect_right(scores, score)]

    def candidates(self, article: PreparedArticle) -> list[Compiled]:
        """Watchlists that could match, in id order (so alerts are made deterministically)."""
        sure, maybe = self._candidate_ids(article)
        return [self._entries[i] for i in sorted(sure | maybe)]

    def matching(self, article: PreparedArticle) -> list[Compiled]:
        """The candidates that match, in id order, without building explanations."""
        sure, maybe = self._candidate_ids(article)
        entries = self._entries
        score, language = article.score, article.language
        found: list[Compiled] = []
        for i in sorted(sure | maybe):
            c = entries[i]
            if i in sure:  # a key it holds is enough for its condition: only the filters remain
                if (not c.min_score or score >= c.min_score) and (not c.languages or language in c.languages):
                    found.append(c)
            elif is_match(c, article):
                found.append(c)
        return found

    def matches(self, article: EnrichedArticle | PreparedArticle) -> list[tuple[Watchlist, Match]]:
        """Every watchlist that matches ``article``, with the match and its explanation."""
        prepared = article if isinstance(article, PreparedArticle) else PreparedArticle(article)
        return [(compiled.watchlist, explained(compiled, prepared)) for compiled in self.matching(prepared)]


def _discard(postings: dict[str, Posting], key: str, watchlist_id: str) -> None:
    posting = postings.get(key)
    if posting is not None:
        posting[0].discard(watchlist_id)
        posting[1].discard(watchlist_id)
        if not posting[0] and not posting[1]:
            del postings[key]
