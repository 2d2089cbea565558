"""The live feed's Redis index: filtered, cursor-paged reads without scanning every article.

The article JSON stays where ``ArticleStore`` keeps it (``article:<id>``, with its TTL). Beside it:

- ``articles:feed``: a sorted set of every indexed article, all scores 0, members
  ``<published ms>:<id>:<score>`` (``filters.member_of``), so a lexicographic range walks the
  feed in (published, id) order and a cursor is an exclusive bound;
- ``articles:facet:<facet>:<value>``: the same members, one set per facet value (``country:UA``,
  ``term:troops``, …), so a filter walks the smallest matching set and checks the others with
  ZSCORE, all inside one Lua script (``index_scripts``) and one round trip;
- ``articles:feed:indexed``: article id → its member and facet keys, to unindex it exactly;
- ``articles:feed:stored``: member → when it was stored, to unindex articles whose JSON expired;
- ``articles:stream``: a Redis Stream of article ids (XADD MAXLEN ~), what ``GET /articles/stream``
  tails and resumes from.

Retention follows the article store's: the newest ``keep`` by published time, each for ``ttl_s``
after it was stored. Both are enforced here on every write; an entry whose JSON vanished in between
is skipped by reads and unindexed then.

Each write is idempotent: re-storing an unchanged article changes nothing and publishes nothing; a
changed one (re-enriched, another score) is unindexed first and published again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from redis.asyncio import Redis

from newswatch_alert.common import keys
from newswatch_alert.common.entities import current_article
from newswatch_alert.live.filters import (
    ArticleFilter,
    Cursor,
    article_facets,
    epoch_ms,
    member_of,
    parse_member,
)
from newswatch_alert.live.index_scripts import DROP, PAGE, WRITE
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["FEED", "FEED_INDEXED", "FEED_STORED", "STREAM", "ArticleIndex", "Page", "facet_key"]

FEED = "articles:feed"
FEED_INDEXED = "articles:feed:indexed"
FEED_STORED = "articles:feed:stored"
STREAM = "articles:stream"
_FACET_PREFIX = "articles:facet:"


def facet_key(facet: str, value: str) -> str:
    return f"{_FACET_PREFIX}{facet}:{value}"


@dataclass(frozen=True)
class Page:
    articles: list[EnrichedArticle]
    next_cursor: Cursor | None
    examined: int


def _parse(raw: str | bytes | None) -> EnrichedArticle | None:
    if raw is None:
        return None
    try:
        # stored before nationalities named their country: read as today's enrich would write it
        return current_article(EnrichedArticle.model_validate_json(raw))
    except ValidationError:
        return None  # written by an incompatible version: unreadable for good


class ArticleIndex:
    """Index writes (from the handler) and filtered, paged reads (for the API and the stream)."""

    def __init__(self, redis: Redis, *, keep: int, ttl_s: int, stream_maxlen: int, scan_limit: int) -> None:
        self._redis = redis
        self._keep = keep
        self._ttl_s = ttl_s
        self._stream_maxlen = stream_maxlen
        self._scan_limit = scan_limit
        self._write = redis.register_script(WRITE)
        self._drop = redis.register_script(DROP)
        self._page = redis.register_script(PAGE)

    async def add(self, batch: Sequence[EnrichedArticle], now_s: float, *, publish: bool = True) -> int:
        """Index articles already stored by ``ArticleStore``; returns how many were published."""
        if not batch:
            return 0
        args: list[str | int | float] = [
            self._keep,
            now_s - self._ttl_s,
            now_s,
            self._stream_maxlen,
            1 if publish else 0,
        ]
        for enriched in batch:
            facet_keys = [
                facet_key(facet, value)
                for facet, values in sorted(article_facets(enriched).items())
                for value in sorted(values)
            ]
            args += [enriched.id, member_of(enriched), len(facet_keys), *facet_keys]
        published: int = await self._write(keys=[FEED, FEED_STORED, FEED_INDEXED, STREAM], args=args)
        return published

    async def load(self, ids: Sequence[str]) -> dict[str, EnrichedArticle]:
        """The stored articles among ``ids`` (missing and unreadable ones left out)."""
        if not ids:
            return {}
        docs = await self._redis.mget([keys.article(i) for i in ids])
        found: dict[str, EnrichedArticle] = {}
        for article_id, raw in zip(ids, docs, strict=True):
            article = _parse(raw)
            if article is not None:
                found[article_id] = article
        return found

    async def get(self, article_id: str) -> EnrichedArticle | None:
        return _parse(await self._redis.get(keys.article(article_id)))

    async def page(self, flt: ArticleFilter, cursor: Cursor | None, limit: int, text_scan_limit: int) -> Page:
        """Up to ``limit`` articles passing ``flt``, newest first, after ``cursor``.

        At most ``scan_limit`` index entries (and, with ``q``, ``text_scan_limit`` articles) are
        examined per call. A page cut short by those budgets still returns ``next_cursor``, so a
        client keeps paging; only ``next_cursor = None`` means the end of the feed.
        """
        upper = "+" if cursor is None else cursor.bound()
        if flt.until is not None:
            until = f"({epoch_ms(flt.until):015d}"
            upper = until if upper == "+" or until < upper else upper
        lower = "-" if flt.since is None else f"[{epoch_ms(flt.since):015d}"
        group_args: list[str | int] = [len(flt.groups)]
        for facet, values in flt.groups:
            group_args += [len(values), *(facet_key(facet, v) for v in sorted(values))]
        min_score = "" if flt.min_score is None else repr(flt.min_score)

        out: list[tuple[str, EnrichedArticle]] = []
        budget = self._scan_limit
        text_budget = text_scan_limit
        examined_total = 0
        temp = f"articles:tmp:{uuid.uuid4().hex}"
        while True:
            want = limit - len(out)
            if flt.text:  # the text is checked here, not in Redis: ask for more, within budget
                want = max(1, min(max(want * 4, 50), text_budget))
            found, last, examined, done = await self._page(
                keys=[FEED, temp], args=[upper, lower, min_score, want, budget, *group_args]
            )
            members = [str(m) for m in found]
            examined_total += int(examined)
            budget -= int(examined)
            text_budget -= len(members)
            ids = [parse_member(m)[1] for m in members]
            articles = await self.load(ids)
            gone: list[str] = []
            for member, article_id in zip(members, ids, strict=True):
                article = articles.get(article_id)
                if article is None or member_of(article) != member:
                    gone.append(member)
                elif flt.matches(article):
                    out.append((member, article))
                    if len(out) >= limit:
                        break
            if gone:
                await self._drop(keys=[FEED, FEED_STORED, FEED_INDEXED], args=gone)
            if len(out) >= limit:
                end = bool(int(done)) and out[-1][0] == str(last)
                return Page([a for _, a in out], None if end else Cursor.after(out[-1][0]), examined_total)
            if int(done):
                return Page([a for _, a in out], None, examined_total)
            if budget <= 0 or (flt.text and text_budget <= 0) or not last:
                resume = Cursor.after(str(last)) if last else None
                return Page([a for _, a in out], resume, examined_total)
            upper = f"({last}"
