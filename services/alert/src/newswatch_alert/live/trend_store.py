"""Escalation trends in Redis, maintained as articles are stored so reads never touch articles.

Keys (bucket maths in ``trends``):

- ``trend:<resolution s>:<kind>:<key>:<bucket start>``: hash ``c`` (count), ``s`` (sum of scores),
  ``m`` (max score). 5-minute buckets live ``FINE_KEEP_S`` (3 days), hourly and daily ones
  ``retention_days``;
- ``trend:rise:<kind>:<5-minute bucket start>`` and ``trend:risec:…``: sorted sets key → sum of
  scores and → count in that bucket, for countries and entities; "rising now" adds the current
  window's and subtracts the previous window's with one ZUNIONSTORE;
- ``trend:name:<entity key>``: the canonical name to show, living as long as the 5-minute buckets
  that can name it in "rising now" (``FINE_KEEP_S``, refreshed whenever the entity is seen again).
  An older version kept one hash of every entity ever seen, ``trend:names``, which never shrank; it
  is removed at start-up (:meth:`TrendStore.forget_legacy`);
- ``trend:seen:<article id>``: set once when an article is counted (kept as long as the hourly
  buckets), so a redelivered article is never counted twice. The first enriched version counts; a
  later re-enrichment of the same article does not change the figures.

All of one batch's updates run in one Lua script.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from newswatch_alert.common.entities import entity_names
from newswatch_alert.live.trends import (
    FINE_S,
    RESOLUTIONS,
    Agg,
    base_resolution,
    base_starts,
    dimensions_of,
    floor_to,
    series,
    trend_time,
    windows,
)
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["FINE_KEEP_S", "MAX_BASE_BUCKETS", "Rising", "TrendStore", "bucket_key", "fold_rising"]

FINE_KEEP_S = 3 * 86400
#: Base buckets one GET /trends may read (1000 hourly points, or 4 days of 5-minute ones, …).
MAX_BASE_BUCKETS = 2000
_LEGACY_NAMES = "trend:names"
_NAME_PREFIX = "trend:name:"


def bucket_key(resolution: int, kind: str, key: str, start: int) -> str:
    return f"trend:{resolution}:{kind}:{key}:{start}"


def _rise_keys(kind: str, start: int) -> tuple[str, str]:
    return f"trend:rise:{kind}:{start}", f"trend:risec:{kind}:{start}"


# ARGV: seen ttl, name ttl, name key prefix, then per article: id, score, n buckets, (key, ttl) * n,
# n rises, (sum key, count key, member, ttl) * n, n names, (key, name) * n.
_ADD = """
local counted, expiring = 0, {}
local i = 4
while i <= #ARGV do
  local id, raw, score = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 1])
  local fresh = redis.call('SET', 'trend:seen:' .. id, '1', 'NX', 'EX', ARGV[1])
  local n = tonumber(ARGV[i + 2])
  i = i + 3
  if fresh then
    counted = counted + 1
    for j = 0, n - 1 do
      local key, ttl = ARGV[i + 2 * j], ARGV[i + 2 * j + 1]
      if redis.call('HINCRBY', key, 'c', 1) == 1 then
        redis.call('HSET', key, 'm', raw)
        redis.call('EXPIRE', key, ttl)  -- once, when the bucket starts: its end does not move
      else
        local peak = tonumber(redis.call('HGET', key, 'm'))
        if not peak or score > peak then redis.call('HSET', key, 'm', raw) end
      end
      redis.call('HINCRBYFLOAT', key, 's', raw)
    end
  end
  i = i + 2 * n
  n = tonumber(ARGV[i])
  i = i + 1
  if fresh then
    for j = 0, n - 1 do
      local sums, counts = ARGV[i + 4 * j], ARGV[i + 4 * j + 1]
      local member, ttl = ARGV[i + 4 * j + 2], ARGV[i + 4 * j + 3]
      redis.call('ZINCRBY', sums, raw, member)
      redis.call('ZINCRBY', counts, 1, member)
      if not expiring[sums] then  -- once per key and batch
        expiring[sums] = true
        redis.call('EXPIRE', sums, ttl)
        redis.call('EXPIRE', counts, ttl)
      end
    end
  end
  i = i + 4 * n
  n = tonumber(ARGV[i])
  i = i + 1
  for j = 0, n - 1 do redis.call('SET', ARGV[3] .. ARGV[i + 2 * j], ARGV[i + 2 * j + 1], 'EX', ARGV[2]) end
  i = i + 2 * n
end
return counted
"""

# KEYS: temps (rise, current sums, previous sums, current counts, previous counts).
# ARGV: limit, n, then n keys each of: current sums, previous sums, current counts, previous counts.
_TOP = """
local limit, n = tonumber(ARGV[1]), tonumber(ARGV[2])
local cs, ps, cc, pc = {}, {}, {}, {}
for j = 1, n do
  cs[j] = ARGV[2 + j]
  ps[j] = ARGV[2 + n + j]
  cc[j] = ARGV[2 + 2 * n + j]
  pc[j] = ARGV[2 + 3 * n + j]
end
-- One argument list (a call in the middle of a Lua argument list yields only its first value).
local args = {KEYS[1], 2 * n}
for j = 1, n do args[#args + 1] = cs[j] end
for j = 1, n do args[#args + 1] = ps[j] end
args[#args + 1] = 'WEIGHTS'
for j = 1, n do args[#args + 1] = 1 end
for j = 1, n do args[#args + 1] = -1 end
redis.call('ZUNIONSTORE', unpack(args))
local top = redis.call('ZRANGE', KEYS[1], '+inf', '(0.001', 'BYSCORE', 'REV', 'LIMIT', 0, limit, 'WITHSCORES')
redis.call('ZUNIONSTORE', KEYS[2], n, unpack(cs))
redis.call('ZUNIONSTORE', KEYS[3], n, unpack(ps))
redis.call('ZUNIONSTORE', KEYS[4], n, unpack(cc))
redis.call('ZUNIONSTORE', KEYS[5], n, unpack(pc))
local out = {}
for j = 1, #top, 2 do
  local member = top[j]
  out[#out + 1] = {
    member, top[j + 1],
    redis.call('ZSCORE', KEYS[2], member) or '0', redis.call('ZSCORE', KEYS[4], member) or '0',
    redis.call('ZSCORE', KEYS[3], member) or '0', redis.call('ZSCORE', KEYS[5], member) or '0',
  }
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return out
"""


@dataclass(frozen=True)
class Rising:
    kind: str
    key: str
    name: str
    rise: float
    current: Agg
    previous: Agg


def fold_rising(found: Sequence[Rising]) -> list[Rising]:
    """Entities counted under an older key of one thing ("russian", before nationalities named their
    country) folded into that thing's entry, largest rise first.

    Only for the first two windows after the change: entries of the same thing are summed when both
    made the list (the rise is a difference of sums, so it adds up); a part below the list is missed.
    """
    names = entity_names()
    merged: dict[str, Rising] = {}
    for entry in found:
        thing = names.thing(entry.key)
        key = names.canonical_key(entry.key)
        entry = replace(entry, key=key, name=thing.canonical if thing is not None else entry.name)
        seen = merged.get(key)
        merged[key] = (
            entry
            if seen is None
            else replace(
                seen,
                rise=seen.rise + entry.rise,
                current=seen.current + entry.current,
                previous=seen.previous + entry.previous,
            )
        )
    return sorted(merged.values(), key=lambda r: -r.rise)


class TrendStore:
    def __init__(self, redis: Redis, retention_days: int) -> None:
        self._redis = redis
        self._keep_s = retention_days * 86400
        self._add = redis.register_script(_ADD)
        self._top = redis.register_script(_TOP)

    def _ttl(self, resolution: int, start: int, now_s: int) -> int:
        keep = FINE_KEEP_S if resolution == FINE_S else self._keep_s
        return max(60, start + resolution + keep - now_s)

    async def add(self, batch: Sequence[EnrichedArticle], now: datetime) -> int:
        """Count each article once in every bucket it belongs to; returns how many were new."""
        if not batch:
            return 0
        now_s = int(now.timestamp())
        args: list[str | int | float] = [self._keep_s + 86400, FINE_KEEP_S, _NAME_PREFIX]
        for enriched in batch:
            at = trend_time(enriched.article.published_at, now)
            dims = dimensions_of(enriched)
            buckets: list[str | int] = []
            for resolution in RESOLUTIONS:
                start = floor_to(at, resolution)
                ttl = self._ttl(resolution, start, now_s)
                for dim in dims:
                    buckets += [bucket_key(resolution, dim.kind, dim.key, start), ttl]
            rises: list[str | int] = []
            fine = floor_to(at, FINE_S)
            for dim in dims:
                if dim.kind != "all":
                    rises += [*_rise_keys(dim.kind, fine), dim.key, self._ttl(FINE_S, fine, now_s)]
            names: list[str] = []
            for dim in dims:
                if dim.kind == "entity":
                    names += [dim.key, dim.name]
            args += [enriched.id, enriched.score, len(buckets) // 2, *buckets]
            args += [len(rises) // 4, *rises, len(names) // 2, *names]
        counted: int = await self._add(keys=[], args=args)
        return counted

    async def series(
        self, kind: str, key: str, since_s: int, until_s: int, bucket_s: int, also: Sequence[str] = ()
    ) -> list[tuple[int, Agg]]:
        """Output buckets from ``since`` to ``until`` (raises ValueError past ``MAX_BASE_BUCKETS``).

        ``also``: more keys counted into the same series: the keys older versions counted one thing
        under ("russian" for Russia), until their buckets expire.
        """
        starts = base_starts(since_s, until_s, bucket_s)
        if len(starts) * (1 + len(also)) > MAX_BASE_BUCKETS:
            raise ValueError(
                f"that range needs {len(starts)} stored buckets (at most {MAX_BASE_BUCKETS}): "
                "narrow it or use a larger bucket"
            )
        resolution = base_resolution(bucket_s)
        wanted = [(start, k) for k in (key, *also) for start in starts]
        async with self._redis.pipeline(transaction=False) as pipe:
            for start, k in wanted:
                pipe.hmget(bucket_key(resolution, kind, k, start), ["c", "s", "m"])
            rows = await pipe.execute()
        stored: dict[int, Agg] = {}
        for (start, _), (count, total, peak) in zip(wanted, rows, strict=True):
            if count:
                found = Agg(int(count), float(total or 0), float(peak) if peak else None)
                stored[start] = stored.get(start, Agg()) + found
        return series(since_s, until_s, bucket_s, stored)

    async def rising(self, kind: str, now_s: int, window_s: int, limit: int) -> list[Rising]:
        """Entries of ``kind`` whose escalation (sum of scores) rose most, last window vs previous."""
        current, previous = windows(now_s, window_s)
        args: list[str | int] = [limit, len(current)]
        args += [_rise_keys(kind, s)[0] for s in current] + [_rise_keys(kind, s)[0] for s in previous]
        args += [_rise_keys(kind, s)[1] for s in current] + [_rise_keys(kind, s)[1] for s in previous]
        temp = f"trend:tmp:{uuid.uuid4().hex}"
        rows = await self._top(keys=[f"{temp}:{part}" for part in ("r", "cs", "ps", "cc", "pc")], args=args)
        names: list[Any] = []
        if kind == "entity" and rows:
            names = await self._redis.mget([_NAME_PREFIX + str(row[0]) for row in rows])
        out: list[Rising] = []
        for i, (member, rise, cur_sum, cur_count, prev_sum, prev_count) in enumerate(rows):
            out.append(
                Rising(
                    kind=kind,
                    key=str(member),
                    name=str(names[i]) if names and names[i] else str(member),
                    rise=float(rise),
                    current=self._agg(cur_count, cur_sum),
                    previous=self._agg(prev_count, prev_sum),
                )
            )
        return out

    async def forget_legacy(self) -> bool:
        """Remove the ever-growing name hash of older versions (UNLINK: freed without blocking Redis)."""
        return bool(await self._redis.unlink(_LEGACY_NAMES))

    @staticmethod
    def _agg(count: str | int, total: str | float) -> Agg:
        return Agg(int(float(count)), float(total))
