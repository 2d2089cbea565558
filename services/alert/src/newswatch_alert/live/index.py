"""The live feed's Redis index: filtered, cursor-paged reads without scanning every article.

The article JSON stays where ``ArticleStore`` keeps it (``article:<id>``, with its TTL). Beside it:

- ``articles:feed``: a sorted set of every indexed article, all scores 0, members
  ``<published ms>:<id>:<score>`` (``article_filters.member_of``), so a lexicographic range walks the
  feed in (published, id) order and a cursor is an exclusive bound;
- ``articles:facet:<facet>:<value>``: the same members, one set per facet value (``country:UA``,
  ``term:troops``, …), so a filter walks the smallest matching set and checks the others with
  ZSCORE, all inside one Lua script and one round trip;
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

from newswatch_alert import keys
from newswatch_alert.article_filters import (
    ArticleFilter,
    Cursor,
    article_facets,
    epoch_ms,
    member_of,
    parse_member,
)
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["FEED", "FEED_INDEXED", "FEED_STORED", "STREAM", "ArticleIndex", "Page", "facet_key"]

FEED = "articles:feed"
FEED_INDEXED = "articles:feed:indexed"
FEED_STORED = "articles:feed:stored"
STREAM = "articles:stream"
_FACET_PREFIX = "articles:facet:"


def facet_key(facet: str, value: str) -> str:
    return f"{_FACET_PREFIX}{facet}:{value}"


_UNINDEX = """
local function id_of(member)
  return string.match(member, '^%d+:(.*):[^:]*$')
end
-- Removes an article's entries. With a member given, only if the article is still indexed under
-- it (a re-indexed article keeps its new entries; the stale member alone goes).
local function unindex(id, member)
  local rec = redis.call('HGET', KEYS[3], id)
  if rec then
    local parts = {}
    for part in string.gmatch(rec, '[^\\n]+') do parts[#parts + 1] = part end
    if member == nil or parts[1] == member then
      member = parts[1]
      for j = 2, #parts do redis.call('ZREM', parts[j], member) end
      redis.call('HDEL', KEYS[3], id)
    end
  end
  if member then
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', KEYS[2], member)
  end
end
"""

# KEYS: feed, stored, indexed, stream.
# ARGV: keep, expire_before (epoch s), now (epoch s), stream maxlen, publish (1/0),
#       then per article: id, member, n, n facet keys.
_WRITE = (
    _UNINDEX
    + """
local published = 0
local i = 6
while i <= #ARGV do
  local id, member, n = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local facets = {}
  for j = 1, n do facets[j] = ARGV[i + 2 + j] end
  i = i + 3 + n
  local rec = member
  if n > 0 then rec = member .. '\\n' .. table.concat(facets, '\\n') end
  local old = redis.call('HGET', KEYS[3], id)
  if old ~= rec then
    if old then unindex(id, nil) end
    redis.call('ZADD', KEYS[1], 0, member)
    for _, key in ipairs(facets) do redis.call('ZADD', key, 0, member) end
    redis.call('HSET', KEYS[3], id, rec)
    if ARGV[5] == '1' then
      redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'id', id)
      published = published + 1
    end
  end
  redis.call('ZADD', KEYS[2], ARGV[3], member)
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[2])) do
  unindex(id_of(member), member)
end
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1])
if extra > 0 then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, extra - 1)) do
    unindex(id_of(member), member)
  end
end
return published
"""
)

# KEYS: feed, stored, indexed. ARGV: members whose article JSON is gone.
_DROP = (
    _UNINDEX
    + """
for _, member in ipairs(ARGV) do unindex(id_of(member), member) end
return #ARGV
"""
)

# KEYS: feed, temp. ARGV: upper, lower, min score ('' = none), want, budget, n groups,
#       then per group: n, keys. Returns {matched members, last examined member, examined, done}.
_PAGE = """
local upper, lower, want, budget = ARGV[1], ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])
local min_score = tonumber(ARGV[3])
local groups, i = {}, 7
for g = 1, tonumber(ARGV[6]) do
  local n = tonumber(ARGV[i])
  local group, size = {}, 0
  for j = 1, n do
    group[j] = ARGV[i + j]
    size = size + redis.call('ZCARD', ARGV[i + j])
  end
  i = i + n + 1
  groups[g] = {keys = group, size = size}
end
local driver, skip = KEYS[1], 0
if #groups > 0 then
  local best = 1
  for g = 2, #groups do
    if groups[g].size < groups[best].size then best = g end
  end
  if groups[best].size == 0 then return {{}, '', 0, 1} end
  skip = best
  if #groups[best].keys == 1 then
    driver = groups[best].keys[1]
  else
    driver = KEYS[2]
    redis.call('ZUNIONSTORE', driver, #groups[best].keys, unpack(groups[best].keys))
  end
end
local found, last, examined, done = {}, '', 0, 0
local chunk = math.min(500, math.max(want * 2, 50))
while #found < want and examined < budget do
  local batch = redis.call('ZRANGE', driver, upper, lower, 'BYLEX', 'REV', 'LIMIT', 0, chunk)
  local stopped = false
  for _, member in ipairs(batch) do
    examined = examined + 1
    last = member
    local ok = true
    if min_score then
      ok = tonumber(string.match(member, ':([^:]*)$')) >= min_score
    end
    if ok then
      for g = 1, #groups do
        if g ~= skip then
          local any = false
          for _, key in ipairs(groups[g].keys) do
            if redis.call('ZSCORE', key, member) then any = true break end
          end
          if not any then ok = false break end
        end
      end
    end
    if ok then found[#found + 1] = member end
    if #found >= want or examined >= budget then
      stopped = true
      break
    end
  end
  if not stopped and #batch < chunk then
    done = 1
    break
  end
  if #batch == 0 then
    done = 1
    break
  end
  upper = '(' .. last
end
if driver == KEYS[2] then redis.call('DEL', KEYS[2]) end
return {found, last, examined, done}
"""


@dataclass(frozen=True)
class Page:
    articles: list[EnrichedArticle]
    next_cursor: Cursor | None
    examined: int


def _parse(raw: str | bytes | None) -> EnrichedArticle | None:
    if raw is None:
        return None
    try:
        return EnrichedArticle.model_validate_json(raw)
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
        self._write = redis.register_script(_WRITE)
        self._drop = redis.register_script(_DROP)
        self._page = redis.register_script(_PAGE)

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
