"""The poll loop: take due feeds from the schedule, poll each, record health, reschedule.

One poll of one feed (:meth:`Poller.poll_feed`) is the whole pipeline, in this order:

1. fetch conditionally (ETag / Last-Modified); a 304 ends the poll as a success;
2. parse and normalise; entries that cannot become articles are counted and skipped;
3. drop articles already marked seen, and those another feed of this process is publishing now;
4. publish the rest and wait for every acknowledgement;
5. mark them seen, then store the new validators and health, and schedule the next poll.

Any failure records its kind and sentence in the feed's health and schedules a retry with backoff;
the validators are not updated, so the next fetch is unconditional and nothing is lost. A failing
feed never stops the loop.

The loop holds a Redis lease per feed while polling it (``SET NX EX``), so replicas share the
schedule without polling a feed twice at once, and runs at most ``max_concurrency`` polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from aiokafka import AIOKafkaProducer
from redis.exceptions import RedisError

from newswatch_ingest import metrics
from newswatch_ingest.dedupe import SeenStore
from newswatch_ingest.errors import FeedParseError, FetchError, PublishError
from newswatch_ingest.feeds import Feed, FeedRegistry, PollFailure, PollSuccess
from newswatch_ingest.fetch import FetchResult, fetch_feed
from newswatch_ingest.normalize import feed_context, normalize_entries
from newswatch_ingest.parse import parse_feed
from newswatch_ingest.publish import publish_articles
from newswatch_ingest.schedule import next_poll_delay
from newswatch_shared.ids import new_id
from newswatch_shared.schemas import RawArticle, utcnow

__all__ = ["Poller", "PollerConfig"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollerConfig:
    interval_s: float = 300.0
    max_backoff_s: float = 21_600.0
    max_concurrency: int = 8
    max_bytes: int = 10 * 1024 * 1024
    fetch_timeout_s: float = 20.0
    #: Longest sleep when nothing is due, so feeds scheduled by another replica are noticed.
    idle_s: float = 5.0
    #: Sleep when due feeds exist but none could be started (leased elsewhere, or we are full).
    busy_s: float = 0.5
    #: On stop, how long polls in flight may take to finish before they are cancelled.
    drain_s: float = 3.0

    @property
    def lease_s(self) -> int:
        # Longer than a fetch plus a slow publish, so a live poll never loses its lease.
        return int(self.fetch_timeout_s) + 120


class _Failed(Exception):
    """A poll that failed in a way the feed's health should show (kind + sentence)."""

    def __init__(
        self, kind: str, message: str, status: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s


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
    ) -> None:
        self._registry = registry
        self._seen = seen
        self._http = http
        self._producer = producer
        self._cfg = config
        self._clock = clock
        self._rng = rng or random.Random()
        self._owner = new_id()
        self._wake = asyncio.Event()
        self._publishing: set[str] = set()

    def wake(self) -> None:
        """Look at the schedule now (a feed was just added or made due)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        running: dict[str, asyncio.Task[None]] = {}
        try:
            while not stop.is_set():
                self._wake.clear()
                for feed_id in [f for f, t in running.items() if t.done()]:
                    running.pop(feed_id)
                try:
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

    async def _start_due(self, running: dict[str, asyncio.Task[None]]) -> int:
        free = self._cfg.max_concurrency - len(running)
        if free <= 0:
            return 0
        started = 0
        for feed_id in await self._registry.due(self._clock(), limit=free + len(running) + 50):
            if started >= free:
                break
            if feed_id in running or not await self._registry.claim(feed_id, self._owner, self._cfg.lease_s):
                continue
            running[feed_id] = asyncio.create_task(self._poll_leased(feed_id), name=f"poll-{feed_id}")
            started += 1
        return started

    async def _delay(self, started: int, in_flight: int) -> float:
        if in_flight >= self._cfg.max_concurrency:
            return self._cfg.idle_s  # a finishing poll wakes us sooner
        next_at = await self._registry.next_due_at()
        if next_at is None:
            return self._cfg.idle_s
        wait = next_at - self._clock().timestamp()
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

    async def _poll_leased(self, feed_id: str) -> None:
        try:
            await self.poll_feed(feed_id)
        except Exception:
            # Only the registry itself failing lands here (Redis away): the feed stays due.
            log.exception("poll of feed %s could not be recorded", feed_id, extra={"feed_id": feed_id})
        finally:
            with contextlib.suppress(Exception):
                await self._registry.release(feed_id, self._owner)

    async def poll_feed(self, feed_id: str) -> None:
        """Poll one feed end to end and record the outcome. The caller holds the feed's lease."""
        feed = await self._registry.get(feed_id)
        if feed is None:
            await self._registry.unschedule(feed_id)
            return
        started = self._clock()
        try:
            success = await self._poll(feed)
        except _Failed as e:
            await self._record_failure(feed, started, e)
        except RedisError:
            raise  # our own store is away: leave the feed due and let the loop retry it
        except Exception as e:
            log.exception("unexpected error polling %s", feed.url, extra={"feed_id": feed.id})
            await self._record_failure(
                feed, started, _Failed("internal", f"Unexpected {type(e).__name__}: {e}")
            )
        else:
            outcome = "ok" if success.modified else "not_modified"
            log.debug(
                "polled %s: %s, %d new", feed.url, outcome, success.published, extra={"feed_id": feed.id}
            )
            metrics.POLLS.labels(outcome).inc()
            await self._registry.record_success(feed.id, success)

    async def _poll(self, feed: Feed) -> PollSuccess:
        fetched = await self._fetch(feed)
        fetched_at = self._clock()
        if not fetched.modified or fetched.body is None:
            return PollSuccess(
                at=fetched_at, status=fetched.status, next_poll_at=self._next(0), modified=False
            )
        try:
            parsed = parse_feed(fetched.body, feed.url, fetched.content_type)
        except FeedParseError as e:
            raise _Failed("parse", str(e), fetched.status) from e
        context = feed_context(feed.id, feed.url, feed.custom_title, parsed)
        articles, skipped = normalize_entries(parsed.entries, context, fetched_at)
        metrics.ENTRIES_SKIPPED.inc(len(skipped))
        published = await self._publish_new(feed, articles)
        warnings = [*parsed.warnings, *skipped]
        return PollSuccess(
            at=fetched_at,
            status=fetched.status,
            next_poll_at=self._next(0),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            items_seen=len(parsed.entries),
            published=published,
            feed_title=parsed.title,
            warning=" ".join(warnings)[:1000] or None,
        )

    async def _fetch(self, feed: Feed) -> FetchResult:
        began = time.perf_counter()
        try:
            return await fetch_feed(
                self._http,
                feed.url,
                etag=feed.etag,
                last_modified=feed.last_modified,
                max_bytes=self._cfg.max_bytes,
                timeout_s=self._cfg.fetch_timeout_s,
            )
        except FetchError as e:
            raise _Failed(e.kind, str(e), e.status, e.retry_after_s) from e
        finally:
            metrics.FETCH_SECONDS.observe(time.perf_counter() - began)

    async def _publish_new(self, feed: Feed, articles: list[RawArticle]) -> int:
        # Skip what another feed of this process is publishing right now: if that fails, its feed
        # is re-fetched unconditionally and publishes the article then.
        candidates = [a for a in articles if a.id not in self._publishing]
        unseen = set(await self._seen.unseen([a.id for a in candidates]))
        new = [a for a in candidates if a.id in unseen]
        metrics.ARTICLES_DUPLICATE.inc(len(articles) - len(new))
        if not new:
            return 0
        ids = {a.id for a in new}
        self._publishing |= ids
        try:
            await publish_articles(self._producer, new)
            await self._seen.mark(ids)
        except PublishError as e:
            raise _Failed("publish", str(e)) from e
        finally:
            self._publishing -= ids
        metrics.ARTICLES_PUBLISHED.inc(len(new))
        log.info("published %d new articles from %s", len(new), feed.url, extra={"feed_id": feed.id})
        return len(new)

    async def _record_failure(self, feed: Feed, at: datetime, failure: _Failed) -> None:
        failures = feed.consecutive_failures + 1
        metrics.POLLS.labels(failure.kind).inc()
        log.warning(
            "feed %s failed (%s, %d in a row): %s",
            feed.url,
            failure.kind,
            failures,
            failure.message,
            extra={"feed_id": feed.id, "error_kind": failure.kind},
        )
        await self._registry.record_failure(
            feed.id,
            PollFailure(
                at=at,
                kind=failure.kind,
                message=failure.message,
                failures=failures,
                next_poll_at=self._next(failures, failure.retry_after_s),
                status=failure.status,
            ),
        )

    def _next(self, failures: int, retry_after_s: float | None = None) -> datetime:
        delay = next_poll_delay(
            self._cfg.interval_s, failures, self._cfg.max_backoff_s, retry_after_s, self._rng
        )
        return self._clock() + timedelta(seconds=delay)
