"""Story members and records in Redis, shared by every enrich replica.

Keys (docs/enrich.md, "Stories", is the reference the alert service reads):

- ``story:band:<i>:<hash>`` — sorted set of the member (article) ids whose MinHash band ``i`` hashes to
  ``hash``, scored by publication time (epoch seconds), so a read takes only members near in time;
- ``story:member:<article id>`` — JSON: the member's signature and the assignment it got;
- ``story:<story id>`` — hash: the story record (``StoryRecord``; list fields as JSON);
- ``stories:recent`` — sorted set of story ids by their last copy's publication time (epoch seconds).

Concurrency is optimistic, check-and-set in Lua: one script reads the article's member key (a
redelivery), the size of each of its band sets and the members in them published near it; the commit script
writes only if nothing it decided on has changed — the member key still absent, every band set the
size it was (sets only grow: a new member means another replica wrote one this decision did not see),
the chosen story's ``count`` as read — and otherwise the assigner reads and decides again. Two copies
that share a band therefore never both open a story: the second commit fails and, read again, finds
the first. Two round trips per article (three when it joins a story), whatever the number of bands.

Every key expires ``ttl_s`` after its last write (the story window plus a margin), so Redis holds at
most about one window of articles; a story closes to new copies after the window anyway. Single-node
Redis or Valkey: the read script reads member keys it is not given, which a cluster would refuse.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from newswatch_enrich.stories.records import Member, StoryRecord
from newswatch_enrich.stories.store import Attempt, StoreConflict

__all__ = ["RECENT_KEY", "RedisStore", "band_key", "member_key", "story_key"]

RECENT_KEY = "stories:recent"
MEMBER_PREFIX = "story:member:"
_LIST_FIELDS = ("sources", "copies")

# KEYS: member, bands...; ARGV: member key prefix, earliest and latest publication time of candidates.
# → {own JSON} for a member assigned before, else {false, band set sizes, candidate ids, their JSON}.
_READ = """
local own = redis.call('GET', KEYS[1])
if own then return {own} end
local cards, ids, seen = {}, {}, {}
for i = 2, #KEYS do
  local n = redis.call('ZCARD', KEYS[i])
  cards[#cards + 1] = n
  if n > 0 then
    for _, id in ipairs(redis.call('ZRANGE', KEYS[i], ARGV[2], ARGV[3], 'BYSCORE')) do
      if not seen[id] then seen[id] = true; ids[#ids + 1] = id end
    end
  end
end
local docs = {}
if #ids > 0 then
  local keys = {}
  for i, id in ipairs(ids) do keys[i] = ARGV[1] .. id end
  docs = redis.call('MGET', unpack(keys))
end
return {false, cards, ids, docs}
"""

# KEYS: member, story, recent, bands...
# ARGV: member id, member JSON, ttl, story id, last_seen, story count read ('' = new story),
#       band set sizes read (one per band), the member's publication time, then the story record's
#       field/value pairs.
# → 1 written, 0 something read has changed (nothing written).
_COMMIT = """
local nbands = #KEYS - 3
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 1, nbands do
  if redis.call('ZCARD', KEYS[3 + i]) ~= tonumber(ARGV[6 + i]) then return 0 end
end
local count = redis.call('HGET', KEYS[2], 'count')
if ARGV[6] == '' then
  if count then return 0 end
elseif count ~= ARGV[6] then
  return 0
end
local ttl = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
for i = 1, nbands do
  redis.call('ZADD', KEYS[3 + i], ARGV[7 + nbands], ARGV[1])
  redis.call('EXPIRE', KEYS[3 + i], ttl)
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 8 + nbands))
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[5]) - ttl)
redis.call('EXPIRE', KEYS[3], ttl)
return 1
"""


def band_key(band: str) -> str:
    return f"story:band:{band}"


def member_key(member_id: str) -> str:
    return f"{MEMBER_PREFIX}{member_id}"


def story_key(story_id: str) -> str:
    return f"story:{story_id}"


def _text(value: bytes | str) -> str:
    """The store works with clients that decode responses (the service's) and ones that do not."""
    return value.decode() if isinstance(value, bytes) else value


def record_to_hash(record: StoryRecord) -> dict[FieldT, EncodableT]:
    data = record.model_dump(mode="json")
    return {k: json.dumps(v) if k in _LIST_FIELDS else str(v) for k, v in data.items()}


def record_from_hash(fields: dict[str, str]) -> StoryRecord:
    data: dict[str, Any] = {k: json.loads(v) if k in _LIST_FIELDS else v for k, v in fields.items()}
    return StoryRecord.model_validate(data)


class _RedisAttempt:
    def __init__(
        self, store: RedisStore, member_id: str, bands: Sequence[str], published: datetime, gap_s: float
    ) -> None:
        self._store, self._id, self._bands = store, member_id, bands
        self._since, self._until = published.timestamp() - gap_s, published.timestamp() + gap_s
        self._cards: list[int] = []
        self._story_count = ""

    async def read(self) -> tuple[Member | None, list[Member]]:
        keys = [member_key(self._id), *[band_key(b) for b in self._bands]]
        got = await self._store.read_script(keys=keys, args=[MEMBER_PREFIX, self._since, self._until])
        if got[0]:
            return Member.from_json(self._id, _text(got[0])), []
        self._cards = [int(n) for n in got[1]]
        members = [
            Member.from_json(_text(i), _text(doc))
            for i, doc in zip(got[2], got[3], strict=True)
            if doc  # an id whose member expired stays in a band until the band expires
        ]
        return None, members

    async def story(self, story_id: str) -> StoryRecord | None:
        fields = await self._store.redis.hgetall(story_key(story_id))
        if not fields:
            return None
        record = record_from_hash({_text(k): _text(v) for k, v in fields.items()})
        self._story_count = str(record.count)
        return record

    async def commit(self, member: Member, bands: Sequence[str], record: StoryRecord) -> None:
        fields = [x for kv in record_to_hash(record).items() for x in kv]
        keys = [member_key(member.id), story_key(record.id), RECENT_KEY, *[band_key(b) for b in bands]]
        args: list[EncodableT] = [
            member.id,
            member.to_json(),
            self._store.ttl_s,
            record.id,
            record.last_seen.timestamp(),
            self._story_count if record.count > 1 else "",
            *self._cards,
            member.signature.published.timestamp(),
            *fields,
        ]
        if not await self._store.commit_script(keys=keys, args=args):
            raise StoreConflict(f"story of {member.id}: changed by another writer")


class RedisStore:
    """The store the service uses; ``ttl_s`` is how long every key outlives its last write."""

    def __init__(self, redis: Redis, ttl_s: float) -> None:
        self.redis = redis
        self.ttl_s = max(1, round(ttl_s))
        self.read_script = redis.register_script(_READ)
        self.commit_script = redis.register_script(_COMMIT)

    @contextlib.asynccontextmanager
    async def attempt(
        self, member_id: str, bands: Sequence[str], published: datetime, max_gap_s: float
    ) -> AsyncIterator[Attempt]:
        yield _RedisAttempt(self, member_id, bands, published, max_gap_s)
