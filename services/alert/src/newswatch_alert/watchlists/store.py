"""Watchlists in Redis, and the per-process index the matcher reads.

Every change (create, PATCH, delete, and deactivating the owner) bumps ``watchlists:version`` in the
same transaction as the change, so a replica that sees an unchanged counter knows its index is current,
and one that sees a new value reloads. What a watchlist is made of is decided in ``watchlist_edit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError, WatchError

from newswatch_alert import keys, metrics
from newswatch_alert.changelog import log_change, read_changes
from newswatch_alert.index import WatchlistIndex
from newswatch_alert.models import Watchlist, WatchlistIn
from newswatch_alert.watchlist_edit import new_watchlist, patched

__all__ = ["TooManyWatchlists", "WatchlistCache", "WatchlistStore"]

log = logging.getLogger(__name__)

_LOAD_CHUNK = 500
_PATCH_ATTEMPTS = 10


class TooManyWatchlists(Exception):
    """The user already owns the most watchlists allowed."""


class WatchlistStore:
    def __init__(self, redis: Redis, max_per_user: int) -> None:
        self._redis = redis
        self._max_per_user = max_per_user

    async def create(self, user_id: str, body: WatchlistIn, now: datetime) -> Watchlist:
        if await self._redis.scard(keys.user_watchlists(user_id)) >= self._max_per_user:
            raise TooManyWatchlists(f"at most {self._max_per_user} watchlists per user")
        watchlist = new_watchlist(user_id, body, now)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.watchlist(watchlist.id), watchlist.model_dump_json())
            pipe.sadd(keys.user_watchlists(user_id), watchlist.id)
            pipe.sadd(keys.WATCHLISTS_ALL, watchlist.id)
            log_change(pipe, watchlist.id)
            await pipe.execute()
        return watchlist

    async def get(self, user_id: str, watchlist_id: str) -> Watchlist | None:
        """The watchlist if ``user_id`` owns it; another user's is as absent as a missing one."""
        raw = await self._redis.get(keys.watchlist(watchlist_id))
        if raw is None:
            return None
        watchlist = Watchlist.model_validate_json(raw)
        return watchlist if watchlist.user_id == user_id else None

    async def list_for(self, user_id: str) -> list[Watchlist]:
        ids = sorted(str(i) for i in await self._redis.smembers(keys.user_watchlists(user_id)))
        found = await self._load(ids)
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
        async with self._redis.pipeline(transaction=True) as pipe:
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
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.watchlist(watchlist_id))
            pipe.srem(keys.user_watchlists(user_id), watchlist_id)
            pipe.srem(keys.WATCHLISTS_ALL, watchlist_id)
            log_change(pipe, watchlist_id)
            await pipe.execute()
        return True

    async def version(self) -> str:
        return str(await self._redis.get(keys.WATCHLISTS_VERSION) or "0")

    async def load_all(self) -> list[Watchlist]:
        return await self._load(sorted(str(i) for i in await self._redis.smembers(keys.WATCHLISTS_ALL)))

    async def load_matchable(self) -> list[Watchlist]:
        """What the matcher should see: enabled watchlists of active users.

        A disabled watchlist or a deactivated user's is left out of the index, so neither alerts
        nor costs anything; both changes bump ``watchlists:version``, so every replica reloads.
        """
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.smembers(keys.WATCHLISTS_ALL)
            pipe.smembers(keys.USERS_DEACTIVATED)
            ids, deactivated = await pipe.execute()
        return [
            w
            for w in await self._load(sorted(str(i) for i in ids))
            if w.user_id not in deactivated and getattr(w, "enabled", True)
        ]

    async def _load(self, ids: list[str]) -> list[Watchlist]:
        found: list[Watchlist] = []
        for start in range(0, len(ids), _LOAD_CHUNK):
            chunk = ids[start : start + _LOAD_CHUNK]
            docs = await self._redis.mget([keys.watchlist(i) for i in chunk])
            for watchlist_id, raw in zip(chunk, docs, strict=True):
                if raw is None:
                    continue  # deleted between the two reads
                try:
                    found.append(Watchlist.model_validate_json(raw))
                except ValidationError:
                    log.exception("watchlist %s does not parse; skipping it", watchlist_id)
        return found


class WatchlistCache:
    """The index of all watchlists, brought up to date when ``watchlists:version`` moves.

    ``refresh`` is called before every batch and by a background loop every ``interval_s``, so the
    index is usually current before articles arrive and is never older than one counter read when a
    batch is matched. It applies the changed watchlists from the change log (``changelog``) to the
    index in place, and rebuilds it whole only at start-up or when the log cannot account for every
    change (a rebuild parses every query, in a thread, while the old index keeps serving).
    """

    def __init__(self, store: WatchlistStore, interval_s: float) -> None:
        self._store = store
        self._interval_s = interval_s
        self._lock = asyncio.Lock()
        self.index = WatchlistIndex()
        self.version: str | None = None
        self._last_entry: str | None = None

    async def refresh(self) -> bool:
        """Update if the counter moved; True when the index changed."""
        if await self._store.version() == self.version:
            return False
        async with self._lock:
            if self.version is not None and self._last_entry is not None:
                changes = await read_changes(self._store._redis, self._last_entry)
                if str(changes.version) == self.version:
                    return False
                if changes.entries == changes.version - int(self.version):
                    await self._apply(changes.watchlist_ids)
                    self.version, self._last_entry = str(changes.version), changes.last_entry
                    log.debug(
                        "watchlist index updated: %d changed, version %s", changes.entries, self.version
                    )
                    return True
            # Snapshot the counter and the log before the data: a later change is applied next time.
            changes = await read_changes(self._store._redis, None)
            watchlists = await self._store.load_matchable()
            self.index = await asyncio.to_thread(WatchlistIndex, watchlists)
            self.version, self._last_entry = str(changes.version), changes.last_entry
        metrics.WATCHLIST_RELOADS.inc()
        log.info("watchlist index rebuilt: %d watchlists, version %s", len(self.index), self.version)
        return True

    async def _apply(self, watchlist_ids: list[str]) -> None:
        """Re-file each changed watchlist as it is now: gone, disabled or its owner deactivated → out."""
        found = {w.id: w for w in await self._store._load(watchlist_ids)}
        deactivated = await self._store._redis.smembers(keys.USERS_DEACTIVATED) if found else set()
        for watchlist_id in watchlist_ids:
            watchlist = found.get(watchlist_id)
            if watchlist is None or watchlist.user_id in deactivated:
                self.index.remove(watchlist_id)
            else:
                self.index.add(watchlist)  # a disabled watchlist is removed by add

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.refresh()
            except RedisError as e:
                log.warning("watchlist refresh failed: %s", e)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._interval_s)
