"""The per-process watchlist index the matcher reads, kept current from the change log.

Only the ``match`` role holds one: building it parses every watchlist's query, and it is refreshed
before every batch, so an API replica never pays for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.exceptions import RedisError

from newswatch_alert.common import keys, metrics
from newswatch_alert.common.changelog import read_changes
from newswatch_alert.watchlists.index import WatchlistIndex
from newswatch_alert.watchlists.store import WatchlistStore

__all__ = ["WatchlistCache"]

log = logging.getLogger(__name__)


class WatchlistCache:
    """The index of all watchlists, brought up to date when ``watchlists:version`` moves.

    ``refresh`` is called before every batch and by a background loop every ``interval_s``, so the
    index is usually current before articles arrive and is never older than one counter read when a
    batch is matched. It applies the changed watchlists from the change log (``common.changelog``) to the
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
                changes = await read_changes(self._store.redis, self._last_entry)
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
            changes = await read_changes(self._store.redis, None)
            watchlists = await self._store.load_matchable()
            self.index = await asyncio.to_thread(WatchlistIndex, watchlists)
            self.version, self._last_entry = str(changes.version), changes.last_entry
        metrics.WATCHLIST_RELOADS.inc()
        log.info("watchlist index rebuilt: %d watchlists, version %s", len(self.index), self.version)
        return True

    async def _apply(self, watchlist_ids: list[str]) -> None:
        """Re-file each changed watchlist as it is now: gone, disabled or its owner deactivated → out."""
        found = {w.id: w for w in await self._store.load(watchlist_ids)}
        deactivated = await self._store.redis.smembers(keys.USERS_DEACTIVATED) if found else set()
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
