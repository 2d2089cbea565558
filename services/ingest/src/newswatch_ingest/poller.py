"""The poll loop: take due feeds from the schedule, poll each (:mod:`feedpoll`), repeat.

The schedule lives in Redis, so a restart resumes where it stopped instead of polling every feed at
once, and replicas share it: each takes a feed only with its lease (``SET NX EX``), and only while
the feed is still due (one Lua script), so a feed that one replica has just polled and rescheduled
is never polled again by another that had read the schedule a moment earlier.

A replica runs at most ``max_concurrency`` polls, and at most ``max_per_host`` to one host: a due
feed whose host is busy is left due (not claimed), so another host's feeds can use the free slots,
and it starts as soon as a poll of its host finishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import httpx
from aiokafka import AIOKafkaProducer

from newswatch_ingest import metrics
from newswatch_ingest.dedupe import SeenStore
from newswatch_ingest.feedpoll import FeedPoll, PollerConfig, Subscriptions
from newswatch_ingest.feeds import Feed, FeedRegistry
from newswatch_ingest.hostslots import HostSlots, host_of
from newswatch_shared.ids import new_id
from newswatch_shared.schemas import utcnow

__all__ = ["Poller", "PollerConfig"]

log = logging.getLogger(__name__)

#: Due feeds read per later page of the schedule, and at most per turn of the loop.
_PAGE = 200
_SCAN_LIMIT = 2_000


class Poller:
    def __init__(
        self,
        registry: FeedRegistry,
        seen: SeenStore,
        http: httpx.AsyncClient,
        producer: AIOKafkaProducer,
        config: PollerConfig,
        *,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        subscriptions: Subscriptions | None = None,
    ) -> None:
        self._registry = registry
        self._cfg = config
        self._clock = clock
        self._owner = new_id()
        self._one = FeedPoll(
            registry,
            seen,
            http,
            producer,
            config,
            clock=clock,
            rng=rng or random.Random(),
            owner=self._owner,
            subscriptions=subscriptions,
        )
        self._next_at: float | None = None
        self._wake = asyncio.Event()
        self._hosts = HostSlots(config.max_per_host)
        self._gauges_at = 0.0

    def wake(self) -> None:
        """Look at the schedule now (a feed was just added or made due)."""
        self._wake.set()

    async def poll_feed(self, feed_id: str) -> None:
        """Poll one feed end to end and record the outcome. The caller holds the feed's lease."""
        await self._one.run(feed_id)

    async def push(self, feed: Feed, body: bytes, content_type: str | None, base_url: str) -> int:
        """Publish what a WebSub hub pushed for ``feed`` (see :meth:`FeedPoll.run_push`)."""
        return await self._one.run_push(feed, body, content_type, base_url)

    async def run(self, stop: asyncio.Event) -> None:
        running: dict[str, asyncio.Task[None]] = {}
        try:
            while not stop.is_set():
                self._wake.clear()
                for feed_id in [f for f, t in running.items() if t.done()]:
                    running.pop(feed_id)
                metrics.POLLS_IN_FLIGHT.set(len(running))
                try:
                    await self._refresh_gauges()
                    started = await self._start_due(running)
                    delay = await self._delay(started, len(running))
                except Exception:
                    log.exception("could not read the feed schedule; retrying")
                    delay = self._cfg.idle_s
                await self._wait(stop, running, delay)
            if running:
                await asyncio.wait(running.values(), timeout=self._cfg.drain_s)
        finally:
            for task in running.values():
                task.cancel()
            await asyncio.gather(*running.values(), return_exceptions=True)
            metrics.POLLS_IN_FLIGHT.set(0)

    async def _refresh_gauges(self) -> None:
        if time.monotonic() - self._gauges_at < self._cfg.gauge_s:
            return
        self._gauges_at = time.monotonic()
        total, disabled = await self._registry.counts()
        metrics.FEEDS.labels("enabled").set(total - disabled)
        metrics.FEEDS.labels("disabled").set(disabled)

    async def _start_due(self, running: dict[str, asyncio.Task[None]]) -> int:
        """Lease and start due feeds up to the free slots, skipping busy hosts; two round trips to
        Redis for a whole batch (the due list with URLs, then the leases with the feeds)."""
        free = self._cfg.max_concurrency - len(running)
        started = deferred = offset = 0
        # The first page is just big enough for the free slots (the running feeds are still due and
        # come first); later pages, read only when busy hosts or leases skipped feeds, are larger.
        limit = free + len(running) + 16
        first_page = True
        while started < free and offset < _SCAN_LIMIT:
            now = self._clock()
            page, next_at = await self._registry.due_with_urls(now, limit=limit, offset=offset)
            if first_page:
                self._next_at, first_page = next_at, False
            offset += len(page)
            picked: dict[str, str] = {}
            wanted: Counter[str] = Counter()
            for feed_id, url in page:
                if not url:  # scheduled, but its hash is gone (deleted mid-way): drop it
                    await self._registry.unschedule(feed_id)
                    continue
                if feed_id in running or started + len(picked) >= free:
                    continue
                host = host_of(url)
                if self._hosts.in_use(host) + wanted[host] >= self._hosts.per_host:
                    deferred += 1
                    continue
                picked[feed_id] = host
                wanted[host] += 1
            for feed_id, feed in await self._registry.claim_feeds(
                list(picked), self._owner, self._cfg.lease_s, now
            ):
                host = picked[feed_id]
                self._hosts.acquire(host)
                task = asyncio.create_task(self._poll_leased(feed_id, feed, host), name=f"poll-{feed_id}")
                running[feed_id] = task
                started += 1
            if len(page) < limit:
                break
            limit = _PAGE
        if deferred:
            metrics.POLLS_DEFERRED.inc(deferred)
        return started

    async def _delay(self, started: int, in_flight: int) -> float:
        if in_flight >= self._cfg.max_concurrency:
            return self._cfg.idle_s  # a finishing poll wakes us sooner
        if self._next_at is None:
            return self._cfg.idle_s
        wait = self._next_at - self._clock().timestamp()
        if wait <= 0:
            return 0.0 if started else self._cfg.busy_s
        return min(wait, self._cfg.idle_s)

    async def _wait(self, stop: asyncio.Event, running: dict[str, asyncio.Task[None]], delay: float) -> None:
        if delay <= 0:
            return
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self._wake.wait())]
        try:
            await asyncio.wait(
                [*waiters, *running.values()], timeout=delay, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    async def _poll_leased(self, feed_id: str, feed: Feed | None, host: str) -> None:
        released = False
        try:
            released = await self._one.run_feed(feed_id, feed)
        except Exception:
            # Only the registry itself failing lands here (Redis away): the feed stays due.
            log.exception("poll of feed %s could not be recorded", feed_id, extra={"feed_id": feed_id})
        finally:
            self._hosts.release(host)
            if not released:
                with contextlib.suppress(Exception):
                    await self._registry.release(feed_id, self._owner)
