""" "Already published?" marks in Redis, keyed by article id, and claims on articles being published.

The order is what makes this safe: claim and check before publishing, mark only after the broker
has acknowledged. A broker outage therefore leaves articles unmarked and they are sent on a later poll
(delayed, never dropped); a crash between the acknowledgement and the mark sends them twice, which
consumers tolerate because the article id is the idempotency key. Marks expire after the TTL so the
key space stays bounded; feeds rarely repeat items older than that.

Claims close the window between "not seen yet" and "marked": without them, two replicas (or a poll
and a WebSub push of the same item, or two feeds carrying one story) that checked at the same moment
would both publish. :meth:`SeenStore.claim_unseen` takes a claim (``SET NX`` with an expiry) on each
article and only then looks at its mark, in one script: whoever holds the claim publishes, and
whoever comes after the mark sees it. The holder marks and releases, or releases on failure so the
next poll or delivery can try; a holder that dies blocks the article no longer than the claim's TTL.

Keys: ``newswatch:ingest:seen:<article id>`` = ``1`` with ``EX ttl``;
``newswatch:ingest:claim:<article id>`` = the claimer's token, ``PX`` claim TTL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from redis.asyncio import Redis
from redis.typing import EncodableT

from newswatch_shared.lease import LUA

__all__ = ["SeenStore", "claim_key", "seen_key"]

# KEYS: seen keys then claim keys (n each). ARGV: token, claim ms. Returns the positions (1-based)
# claimed and not seen.
_CLAIM_UNSEEN = (
    LUA
    + """
local n = #KEYS / 2
local out = {}
for i = 1, n do
  if lease_take(KEYS[n + i], ARGV[1], ARGV[2]) then
    if redis.call('EXISTS', KEYS[i]) == 1 then
      redis.call('DEL', KEYS[n + i])
    else
      out[#out + 1] = i
    end
  end
end
return out
"""
)
_RELEASE_MANY = (
    LUA
    + """
for i = 1, #KEYS do lease_release(KEYS[i], ARGV[1]) end
return 1
"""
)


def seen_key(article_id: str) -> str:
    return f"newswatch:ingest:seen:{article_id}"


def claim_key(article_id: str) -> str:
    return f"newswatch:ingest:claim:{article_id}"


class SeenStore:
    def __init__(self, redis: Redis, ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = ttl_s
        self._claim = redis.register_script(_CLAIM_UNSEEN)
        self._release = redis.register_script(_RELEASE_MANY)

    async def unseen(self, article_ids: Sequence[str]) -> list[str]:
        """The ids not yet marked, in the order given."""
        if not article_ids:
            return []
        marks = await self._redis.mget([seen_key(i) for i in article_ids])
        return [i for i, mark in zip(article_ids, marks, strict=True) if mark is None]

    async def claim_unseen(self, article_ids: Sequence[str], token: str, ttl_s: float) -> list[str]:
        """The ids not yet marked whose claim ``token`` now holds, in the order given; ids seen, or
        claimed by someone else, are left out. Release them with :meth:`mark` or :meth:`release`."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return []
        keys = [seen_key(i) for i in ids] + [claim_key(i) for i in ids]
        args: list[EncodableT] = [token, max(1, round(ttl_s * 1000))]
        positions = await self._claim(keys=keys, args=args)
        return [ids[int(p) - 1] for p in positions]

    async def release(self, article_ids: Iterable[str], token: str) -> None:
        """Give up the claims ``token`` holds (publishing failed: someone may try again)."""
        keys = [claim_key(i) for i in article_ids]
        if keys:
            await self._release(keys=keys, args=[token])

    async def mark(self, article_ids: Iterable[str], token: str | None = None) -> None:
        """Mark the articles published; release ``token``'s claims on them."""
        ids = list(article_ids)
        async with self._redis.pipeline(transaction=False) as pipe:
            for article_id in ids:
                pipe.set(seen_key(article_id), 1, ex=self._ttl_s)
            await pipe.execute()
        if token is not None:
            await self.release(ids, token)
