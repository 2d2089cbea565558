"""The live feed's stories: every outlet's copy of one report, read as one (``GET /stories``,
``/articles?collapse=story``).

Enrich gives each copy of a report the same ``story_id`` (an ungrouped article is its own story).
The match role keeps a small read model of them beside the article index, written with the articles:

- ``live:story:<id>``: hash, ``first_seen``: the story's first copy (epoch ms; enrich's
  ``story_first_seen``, else the earliest copy's publication);
- ``live:story:<id>:copies``: sorted set, article id → published (epoch ms);
- ``live:story:<id>:sources``: sorted set, source → when first seen (epoch ms), so they list in order
  of appearance (enrich's ``story_sources`` of each copy, else the copy's own source);
- ``live:stories``: sorted set, story id → its newest copy's publication (epoch ms), trimmed to the
  article retention count (a story trimmed loses its keys in the same script).

Each story's keys live ``ARTICLE_TTL_S`` after its last copy. A write is idempotent (ZADD of the same
members), so a redelivered batch changes nothing.

**Collapsing.** A story is shown once, at its **newest** copy that passes the reader's filters, so the
feed stays newest first and pages with the articles' own cursor: walking the article index, a copy is
shown unless its story has a newer copy passing the filters (shown before it, on this page or an
earlier one). Copies the article store no longer holds are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from newswatch_alert.common.text import source_of
from newswatch_alert.live.filters import ArticleFilter, Cursor, epoch_ms, member_of
from newswatch_alert.live.index import ArticleIndex
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["STORIES", "StoryFacts", "StoryStore", "story_key"]

STORIES = "live:stories"
_PREFIX = "live:story:"
_ROUNDS = 5  # article pages one collapsed page may read
_NEWER_MAX = 50  # newer copies of one story looked at to decide whether a copy is its newest shown
_COPIES_MAX = 200  # copies GET /stories/{id} lists

# KEYS[1] stories. ARGV: keep, ttl (s), key prefix, then per article: story, article id, published ms,
#   first seen ms, n, n sources.
_WRITE = """
local keep, ttl, prefix = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local i = 4
while i <= #ARGV do
  local story, id, ms, first, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])
  local base = prefix .. story
  redis.call('ZADD', base .. ':copies', ms, id)
  for j = 1, n do
    redis.call('ZADD', base .. ':sources', 'NX', ms, ARGV[i + 4 + j])
  end
  local known = tonumber(redis.call('HGET', base, 'first_seen'))
  if not known or tonumber(first) < known then
    redis.call('HSET', base, 'first_seen', first)
  end
  redis.call('ZADD', KEYS[1], 'GT', ms, story)
  for _, key in ipairs({base, base .. ':copies', base .. ':sources'}) do
    redis.call('EXPIRE', key, ttl)
  end
  i = i + 5 + n
end
local extra = redis.call('ZCARD', KEYS[1]) - keep
if extra > 0 then
  local old = redis.call('ZPOPMIN', KEYS[1], extra)
  for j = 1, #old, 2 do
    redis.call('DEL', prefix .. old[j], prefix .. old[j] .. ':copies', prefix .. old[j] .. ':sources')
  end
end
return 0
"""


def story_key(story_id: str) -> str:
    return f"{_PREFIX}{story_id}"


def sources_of(enriched: EnrichedArticle) -> list[str]:
    """What a copy says carries its story: enrich's count so far, else the copy's own source."""
    source = source_of(enriched.article)
    return list(enriched.story_sources) or ([source] if source else [])


@dataclass(frozen=True)
class StoryFacts:
    """What the read model knows of a story: when it began, its sources, how many copies it has."""

    first_seen_ms: int | None
    sources: list[str]
    copies: int


class StoryStore:
    def __init__(self, redis: Redis, index: ArticleIndex, *, keep: int, ttl_s: int) -> None:
        self._redis = redis
        self._index = index
        self._keep = keep
        self._ttl_s = ttl_s
        self._write = redis.register_script(_WRITE)

    async def add(self, batch: Sequence[EnrichedArticle]) -> None:
        """Record copies the article store has just stored (idempotent)."""
        if not batch:
            return
        args: list[str | int] = [self._keep, self._ttl_s, _PREFIX]
        for enriched in batch:
            published = epoch_ms(enriched.article.published_at)
            first = epoch_ms(enriched.story_first_seen) if enriched.story_first_seen else published
            sources = sources_of(enriched)
            args += [enriched.story, enriched.id, published, min(first, published), len(sources), *sources]
        await self._write(keys=[STORIES], args=args)

    async def facts(self, story_ids: Sequence[str]) -> dict[str, StoryFacts]:
        """The read model's facts of each story (a story it no longer holds is left out)."""
        wanted = list(dict.fromkeys(story_ids))
        async with self._redis.pipeline(transaction=False) as pipe:
            for story in wanted:
                pipe.hget(story_key(story), "first_seen")
                pipe.zrange(f"{story_key(story)}:sources", 0, -1)
                pipe.zcard(f"{story_key(story)}:copies")
            replies = await pipe.execute()
        found: dict[str, StoryFacts] = {}
        for i, story in enumerate(wanted):
            first, sources, copies = replies[3 * i : 3 * i + 3]
            if copies:
                found[story] = StoryFacts(
                    int(first) if first is not None else None, [str(s) for s in sources], int(copies)
                )
        return found

    async def copies(self, story_id: str) -> list[EnrichedArticle]:
        """The story's stored copies, newest published first (at most 200)."""
        key = f"{story_key(story_id)}:copies"
        ids = [str(i) for i in await self._redis.zrevrange(key, 0, _COPIES_MAX - 1)]
        found = await self._index.load(ids)
        return [found[i] for i in ids if i in found]

    async def _shown_newer(self, flt: ArticleFilter, articles: Sequence[EnrichedArticle]) -> set[str]:
        """The ids among ``articles`` whose story has a newer copy (by published time, then id, the
        feed's order) that passes ``flt``: those copies are not where their story is shown."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for article in articles:
                ms = epoch_ms(article.article.published_at)
                pipe.zrangebyscore(
                    f"{story_key(article.story)}:copies", ms, "+inf", start=0, num=_NEWER_MAX, withscores=True
                )
            replies = await pipe.execute()
        newer: dict[str, list[str]] = {}
        for article, found in zip(articles, replies, strict=True):
            ms = epoch_ms(article.article.published_at)
            newer[article.id] = [
                str(other)
                for other, score in found
                if int(score) > ms or (int(score) == ms and str(other) > article.id)
            ]
        loaded = await self._index.load(sorted({i for ids in newer.values() for i in ids}))
        return {
            article_id
            for article_id, ids in newer.items()
            if any(i in loaded and flt.matches(loaded[i]) for i in ids)
        }

    async def collapsed(
        self, flt: ArticleFilter, cursor: Cursor | None, limit: int, text_scan_limit: int
    ) -> tuple[list[EnrichedArticle], Cursor | None]:
        """Up to ``limit`` stories passing ``flt``, each as its newest passing copy, newest first, after
        ``cursor`` (the articles' cursor: of the last copy shown)."""
        rows: list[EnrichedArticle] = []
        seen: set[str] = set()
        after = cursor
        for _ in range(_ROUNDS):
            page = await self._index.page(flt, after, limit, text_scan_limit)
            hidden = await self._shown_newer(flt, page.articles) if page.articles else set()
            for article in page.articles:
                if article.story in seen or article.id in hidden:
                    continue
                seen.add(article.story)
                rows.append(article)
                if len(rows) >= limit:
                    return rows, Cursor.after(member_of(article))
            if page.next_cursor is None:
                return rows, None
            after = page.next_cursor
        return rows, after
