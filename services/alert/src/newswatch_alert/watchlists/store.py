"""Watchlists in Redis: created, read, changed and deleted per user, and loaded whole for the index.

Every change (create, PATCH, delete, and deactivating the owner) bumps ``watchlists:version`` in the
same transaction as the change, so a replica that sees an unchanged counter knows its index is current,
and one that sees a new value reloads. What a watchlist is made of is decided in ``watchlists.edit``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError, WatchError

from newswatch_alert.common import keys
from newswatch_alert.common.changelog import log_change
from newswatch_alert.watchlists.edit import new_watchlist, patched
from newswatch_alert.watchlists.models import Watchlist, WatchlistIn

__all__ = ["TooManyWatchlists", "WatchlistStore"]

log = logging.getLogger(__name__)

_LOAD_CHUNK = 500
_PATCH_ATTEMPTS = 10


class TooManyWatchlists(Exception):
    """The user already owns the most watchlists allowed."""


class WatchlistStore:
    def __init__(self, redis: Redis, max_per_user: int) -> None:
        self.redis = redis
        self._max_per_user = max_per_user

    async def create(self, user_id: str, body: WatchlistIn, now: datetime) -> Watchlist:
        if await self.redis.scard(keys.user_watchlists(user_id)) >= self._max_per_user:
            raise TooManyWatchlists(f"at most {self._max_per_user} watchlists per user")
        watchlist = new_watchlist(user_id, body, now)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.watchlist(watchlist.id), watchlist.model_dump_json())
            pipe.sadd(keys.user_watchlists(user_id), watchlist.id)
            pipe.sadd(keys.WATCHLISTS_ALL, watchlist.id)
            log_change(pipe, watchlist.id)
            await pipe.execute()
        return watchlist

    async def get(self, user_id: str, watchlist_id: str) -> Watchlist | None:
        """The watchlist if ``user_id`` owns it; another user's is as absent as a missing one."""
        raw = await self.redis.get(keys.watchlist(watchlist_id))
        if raw is None:
            return None
        watchlist = Watchlist.model_validate_json(raw)
        return watchlist if watchlist.user_id == user_id else None

    async def list_for(self, user_id: str) -> list[Watchlist]:
        ids = sorted(str(i) for i in await self.redis.smembers(keys.user_watchlists(user_id)))
        found = await self.load(ids)
        return sorted(found, key=lambda w: (w.created_at, w.id))

    async def update(
        self, user_id: str, watchlist_id: str, changes: Mapping[str, Any], now: datetime
    ) -> Watchlist | None:
        """Apply a PATCH; None when ``user_id`` has no such watchlist.

        Optimistic: WATCH the watchlist, read, validate, write in MULTI; a concurrent change or
        delete makes the write fail and the PATCH start again on the new state, so no update is
        lost and a deleted watchlist is never brought back. Raises ``ValidationError`` (→ 422).
        """
        key = keys.watchlist(watchlist_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            for _ in range(_PATCH_ATTEMPTS):
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    if raw is None:
                        return None
                    current = Watchlist.model_validate_json(raw)
                    if current.user_id != user_id:
                        return None
                    updated = patched(current, changes, now)
                    if updated is None:
                        return current
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(key, updated.model_dump_json())
                    log_change(pipe, watchlist_id)
                    await pipe.execute()
                    return updated
                except WatchError:
                    continue
        raise RedisError(f"watchlist {watchlist_id} kept changing; PATCH gave up")

    async def delete(self, user_id: str, watchlist_id: str) -> bool:
        if await self.get(user_id, watchlist_id) is None:
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.watchlist(watchlist_id))
            pipe.srem(keys.user_watchlists(user_id), watchlist_id)
            pipe.srem(keys.WATCHLISTS_ALL, watchlist_id)
            log_change(pipe, watchlist_id)
            await pipe.execute()
        return True

    async def version(self) -> str:
        return str(await self.redis.get(keys.WATCHLISTS_VERSION) or "0")

    async def load_all(self) -> list[Watchlist]:
        return await self.load(sorted(str(i) for i in await self.redis.smembers(keys.WATCHLISTS_ALL)))

    async def load_matchable(self) -> list[Watchlist]:
        """What the matcher should see: enabled watchlists of active users.

        A disabled watchlist or a deactivated user's is left out of the index, so neither alerts
        nor costs anything; both changes bump ``watchlists:version``, so every replica reloads.
        """
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.smembers(keys.WATCHLISTS_ALL)
            pipe.smembers(keys.USERS_DEACTIVATED)
            ids, deactivated = await pipe.execute()
        return [
            w
            for w in await self.load(sorted(str(i) for i in ids))
            if w.user_id not in deactivated and getattr(w, "enabled", True)
        ]

    async def load(self, ids: list[str]) -> list[Watchlist]:
        """The watchlists of these ids that exist and parse, in chunks of one MGET each."""
        found: list[Watchlist] = []
        for start in range(0, len(ids), _LOAD_CHUNK):
            chunk = ids[start : start + _LOAD_CHUNK]
            docs = await self.redis.mget([keys.watchlist(i) for i in chunk])
            for watchlist_id, raw in zip(chunk, docs, strict=True):
                if raw is None:
                    continue  # deleted between the two reads
                try:
                    found.append(Watchlist.model_validate_json(raw))
                except ValidationError:
                    log.exception("watchlist %s does not parse; skipping it", watchlist_id)
        return found
