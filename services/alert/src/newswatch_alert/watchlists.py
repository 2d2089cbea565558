"""Watchlists in Redis, and the per-process index the matcher reads.

Every change bumps ``watchlists:version`` in the same transaction as the change, so a replica that
sees an unchanged counter knows its index is current, and one that sees a new value reloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import datetime

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from newswatch_alert import keys, metrics
from newswatch_alert.index import WatchlistIndex
from newswatch_alert.models import Watchlist, WatchlistIn, WebhookChannel
from newswatch_shared.ids import new_id

__all__ = ["TooManyWatchlists", "WatchlistCache", "WatchlistStore"]

log = logging.getLogger(__name__)

_LOAD_CHUNK = 500


class TooManyWatchlists(Exception):
    """The user already owns the most watchlists allowed."""


class WatchlistStore:
    def __init__(self, redis: Redis, max_per_user: int) -> None:
        self._redis = redis
        self._max_per_user = max_per_user

    async def create(self, user_id: str, body: WatchlistIn, now: datetime) -> Watchlist:
        if await self._redis.scard(keys.user_watchlists(user_id)) >= self._max_per_user:
            raise TooManyWatchlists(f"at most {self._max_per_user} watchlists per user")
        watchlist = Watchlist(
            id=new_id(),
            user_id=user_id,
            name=body.name,
            entities=body.entities,
            keywords=body.keywords,
            channels=[
                WebhookChannel(id=new_id(8), url=c.url, secret=c.secret or secrets.token_urlsafe(32))
                for c in body.channels
            ],
            created_at=now,
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.watchlist(watchlist.id), watchlist.model_dump_json())
            pipe.sadd(keys.user_watchlists(user_id), watchlist.id)
            pipe.sadd(keys.WATCHLISTS_ALL, watchlist.id)
            pipe.incr(keys.WATCHLISTS_VERSION)
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

    async def delete(self, user_id: str, watchlist_id: str) -> bool:
        if await self.get(user_id, watchlist_id) is None:
            return False
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.watchlist(watchlist_id))
            pipe.srem(keys.user_watchlists(user_id), watchlist_id)
            pipe.srem(keys.WATCHLISTS_ALL, watchlist_id)
            pipe.incr(keys.WATCHLISTS_VERSION)
            await pipe.execute()
        return True

    async def version(self) -> str:
        return str(await self._redis.get(keys.WATCHLISTS_VERSION) or "0")

    async def load_all(self) -> list[Watchlist]:
        return await self._load(sorted(str(i) for i in await self._redis.smembers(keys.WATCHLISTS_ALL)))

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
    """The index of all watchlists, reloaded when ``watchlists:version`` moves.

    ``refresh`` is called before every batch and by a background loop every ``interval_s``, so the
    index is usually current before articles arrive and is never older than one counter read when a
    batch is matched.
    """

    def __init__(self, store: WatchlistStore, interval_s: float) -> None:
        self._store = store
        self._interval_s = interval_s
        self._lock = asyncio.Lock()
        self.index = WatchlistIndex()
        self.version: str | None = None

    async def refresh(self) -> bool:
        """Reload if the counter moved; True when a reload happened."""
        if await self._store.version() == self.version:
            return False
        async with self._lock:
            # Read the counter before the data: a change landing in between makes the next check reload.
            version = await self._store.version()
            if version == self.version:
                return False
            watchlists = await self._store.load_all()
            self.index = WatchlistIndex(watchlists)
            self.version = version
        metrics.WATCHLIST_RELOADS.inc()
        log.info("watchlist index reloaded: %d watchlists, version %s", len(self.index), version)
        return True

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.refresh()
            except RedisError as e:
                log.warning("watchlist refresh failed: %s", e)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._interval_s)
