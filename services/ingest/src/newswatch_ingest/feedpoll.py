"""One poll of one feed, end to end. The caller (the poll loop) holds the feed's lease.

In this order:

1. fetch conditionally (ETag / Last-Modified); a permanent redirect moves the feed to its new URL
   first; a 304 ends the poll as a success;
2. parse and normalise; entries that cannot become articles are counted and skipped;
3. drop articles already marked seen, and those another feed of this process is publishing now;
4. publish the rest and wait for every acknowledgement;
5. mark them seen, then store the new validators and health, and schedule the next poll — after the
   adaptive interval (:mod:`adaptive`), or the WebSub safety-net interval while a subscription is
   live, and never before the response's Cache-Control max-age (capped) runs out;
6. tell the WebSub subscriber (when there is one) which hub the document advertises.

A document a WebSub hub pushes (:meth:`FeedPoll.run_push`) takes steps 2–4 the same way, so a pushed
and a polled copy of one item are one article: the seen marks, and the claims taken before
publishing (:class:`dedupe.SeenStore`), are shared by every replica and by both paths.

Any failure records its kind and sentence in the feed's health and schedules a retry with backoff;
the validators are not updated, so the next fetch is unconditional and nothing is lost. After
``disable_after_failures`` failures in a row the feed is disabled, with the last error as reason.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import httpx
from aiokafka import AIOKafkaProducer
from redis.exceptions import RedisError

from newswatch_ingest import metrics
from newswatch_ingest.activity import add_articles
from newswatch_ingest.adaptive import adaptive_interval, add_poll
from newswatch_ingest.bounds import bounded
from newswatch_ingest.dedupe import SeenStore
from newswatch_ingest.errors import FeedParseError, FetchError, PublishError
from newswatch_ingest.feeds import Feed, FeedRegistry, PollFailure, PollSuccess
from newswatch_ingest.fetch import FetchResult, fetch_feed
from newswatch_ingest.hubs import find_hub
from newswatch_ingest.normalize import entry_id, feed_context, normalize_entries
from newswatch_ingest.parse import parse_feed
from newswatch_ingest.parsed import ParsedFeed
from newswatch_ingest.publish import publish_articles
from newswatch_ingest.schedule import next_poll_delay
from newswatch_shared.ids import new_id
from newswatch_shared.schemas import RawArticle

__all__ = ["FeedPoll", "PollerConfig", "PushRejected", "Subscriptions"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollerConfig:
    #: Seconds between polls of a healthy feed without an interval of its own.
    interval_s: float = 300.0
    max_backoff_s: float = 21_600.0
    max_concurrency: int = 8
    max_bytes: int = 10 * 1024 * 1024
    fetch_timeout_s: float = 20.0
    #: Fetches at once to one host, within ``max_concurrency``.
    max_per_host: int = 2
    #: Consecutive failures that disable a feed; 0 never disables.
    disable_after_failures: int = 10
    #: Longest Cache-Control max-age honoured; 0 ignores max-age.
    max_age_cap_s: float = 86_400.0
    #: Longest sleep when nothing is due, so feeds scheduled by another replica are noticed.
    idle_s: float = 5.0
    #: Sleep when due feeds exist but none could be started (leased elsewhere, or we are full).
    busy_s: float = 0.5
    #: On stop, how long polls in flight may take to finish before they are cancelled.
    drain_s: float = 3.0
    #: How often the feed-count gauges are refreshed from Redis.
    gauge_s: float = 30.0
    #: Longest title + summary + content of one article (``bounds``); more is cut.
    max_article_chars: int = 100_000
    #: Largest article message, encoded; a bigger one is not published (``publish``).
    max_message_bytes: int = 1_000_000
    #: The broker's name of ``articles.raw`` (the deployment's topic prefix included).
    raw_topic: str = "articles.raw"
    #: Adapt a healthy feed's interval to its rhythm (adaptive.py); False polls every interval.
    adaptive: bool = True
    #: The shortest adaptive interval (politeness); never above the feed's configured interval.
    min_interval_s: float = 60.0
    #: Safety-net polling while a WebSub subscription is live: at least this, and the configured interval.
    websub_interval_s: float = 3_600.0

    @property
    def lease_s(self) -> int:
        # Longer than a fetch plus a slow publish, so a live poll never loses its lease.
        return int(self.fetch_timeout_s) + 120


class _Failed(Exception):
    """A poll that failed in a way the feed's health should show (kind + sentence)."""

    def __init__(
        self,
        kind: str,
        message: str,
        status: int | None = None,
        retry_after_s: float | None = None,
        *,
        disable: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s
        self.disable = disable
        #: The feed's URL when it failed (it may have moved earlier in the same poll).
        self.url: str | None = None


class PushRejected(Exception):
    """A pushed document that cannot be read: the hub is told (4xx) rather than retrying for ever."""


class Subscriptions(Protocol):
    """What a poll needs from the WebSub subscriber (:mod:`websub_subscriber`)."""

    async def live(self, feed_id: str) -> bool:
        """A verified subscription whose lease has not run out: poll only as a safety net."""
        ...

    async def offer(self, feed_id: str, hub: str | None, topic: str) -> None:
        """The hub (None: none) and topic the feed's latest document advertises."""
        ...

    async def retire(self, feed_id: str) -> None:
        """The feed is no longer polled (deleted, disabled): unsubscribe."""
        ...


class FeedPoll:
    """Polls single feeds with the clients and settings it was built with."""

    def __init__(
        self,
        registry: FeedRegistry,
        seen: SeenStore,
        http: httpx.AsyncClient,
        producer: AIOKafkaProducer,
        config: PollerConfig,
        *,
        clock: Callable[[], datetime],
        rng: random.Random,
        owner: str = "",
        subscriptions: Subscriptions | None = None,
    ) -> None:
        self._registry = registry
        self._seen = seen
        self._http = http
        self._producer = producer
        self._cfg = config
        self._clock = clock
        self._rng = rng
        #: The poller's lease owner id: recording a result releases that lease in the same step.
        self._owner = owner
        #: Whose claims on articles being published these are (``SeenStore.claim_unseen``).
        self._claimer = owner or new_id()
        self.subscriptions = subscriptions

    async def run(self, feed_id: str) -> None:
        """Poll the feed and record the outcome; a deleted or disabled feed is taken off the schedule."""
        await self.run_feed(feed_id, await self._registry.get(feed_id))

    async def run_feed(self, feed_id: str, feed: Feed | None) -> bool:
        """Poll a feed already read; True when its result was recorded (and the lease released)."""
        if feed is None or not feed.enabled:
            await self._registry.unschedule(feed_id)
            return False
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
            await self._registry.record_success(feed.id, success, owner=self._owner)
        return True

    async def _poll(self, feed: Feed) -> PollSuccess:
        fetched = await self._fetch(feed)
        fetched_at = self._clock()
        url = await self._follow_move(feed, fetched.permanent_redirect)
        try:
            return await self._read(feed, url, fetched, fetched_at)
        except _Failed as e:
            e.url = url
            raise

    async def _interval(self, feed: Feed, polls: list[tuple[float, int]]) -> float:
        """Seconds to the next poll of a healthy feed, before jitter (see the module doc)."""
        cap = feed.custom_interval_s or self._cfg.interval_s
        if self.subscriptions is not None and await self.subscriptions.live(feed.id):
            return max(cap, self._cfg.websub_interval_s)
        if not self._cfg.adaptive:
            return cap
        return adaptive_interval(polls, cap, self._cfg.min_interval_s)

    async def _read(self, feed: Feed, url: str, fetched: FetchResult, fetched_at: datetime) -> PollSuccess:
        fresh_for = self._fresh_for(fetched)
        if not fetched.modified or fetched.body is None:
            polls = add_poll(feed.recent_polls, fetched_at.timestamp(), 0)
            interval = await self._interval(feed, polls)
            return PollSuccess(
                at=fetched_at,
                status=fetched.status,
                next_poll_at=self._next(interval, 0, fresh_for_s=fresh_for),
                modified=False,
                url=url,
                polls=polls,
                interval_s=interval,
            )
        try:
            parsed = parse_feed(fetched.body, fetched.url or url, fetched.content_type)
        except FeedParseError as e:
            raise _Failed("parse", str(e), fetched.status) from e
        new, warnings = await self._publish_document(feed, url, parsed, fetched_at)
        if self.subscriptions is not None:
            hub, topic = find_hub(parsed, fetched.links, fetched.url or url)
            await self.subscriptions.offer(feed.id, hub, topic)
        polls = add_poll(feed.recent_polls, fetched_at.timestamp(), len(new))
        interval = await self._interval(feed, polls)
        return PollSuccess(
            at=fetched_at,
            status=fetched.status,
            next_poll_at=self._next(interval, 0, fresh_for_s=fresh_for),
            polls=polls,
            interval_s=interval,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            items_seen=len(parsed.entries),
            published=len(new),
            feed_title=parsed.title,
            warning=" ".join(warnings)[:1000] or None,
            url=url,
            recent_counts=(
                add_articles(feed.recent_counts, [a.published_at for a in new], fetched_at) if new else None
            ),
        )

    async def _publish_document(
        self, feed: Feed, url: str, parsed: ParsedFeed, at: datetime
    ) -> tuple[list[RawArticle], list[str]]:
        """Normalise, de-duplicate and publish a parsed document: the articles published, and warnings."""
        context = feed_context(feed.id, url, feed.custom_title, parsed)
        ids = [i for i in dict.fromkeys(entry_id(e, context) for e in parsed.entries) if i is not None]
        published = set(ids) - set(await self._seen.unseen(ids)) if ids else set()
        articles, skipped = normalize_entries(parsed.entries, context, at, skip=published)
        metrics.ENTRIES_SKIPPED.inc(len(skipped))
        new, refused = await self._publish_new(
            feed, [bounded(a, self._cfg.max_article_chars) for a in articles]
        )
        return new, [*parsed.warnings, *skipped, *refused]

    async def run_push(self, feed: Feed, body: bytes, content_type: str | None, base_url: str) -> int:
        """Publish what a WebSub hub pushed for ``feed``: the number of new articles.

        :class:`PushRejected` for a document that is not a feed; ``PublishError`` when the broker did
        not take the articles (the hub should deliver again). The feed's schedule is not touched.
        """
        try:
            parsed = parse_feed(body, base_url, content_type)
        except FeedParseError as e:
            raise PushRejected(str(e)) from e
        at = self._clock()
        try:
            new, _ = await self._publish_document(feed, feed.url, parsed, at)
        except _Failed as e:
            raise PublishError(e.message) from e
        if new:
            counts = add_articles(feed.recent_counts, [a.published_at for a in new], at)
            await self._registry.record_push(feed.id, len(new), counts)
        return len(new)

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

    async def _follow_move(self, feed: Feed, target: str | None) -> str:
        """The URL to record the poll under: the new one after a permanent redirect."""
        if not target:
            return feed.url
        try:
            other = await self._registry.move(feed.id, target)
        except ValueError:  # not an http(s) URL we could store: keep polling the old one
            return feed.url
        if other is not None:
            raise _Failed(
                "moved",
                f"The feed moved permanently to {target}, which is already registered as feed {other};"
                " this one is no longer polled.",
                disable=True,
            )
        moved = await self._registry.get(feed.id)
        if moved is not None and moved.url != feed.url:
            metrics.FEEDS_MOVED.inc()
            log.info("feed %s moved to %s", feed.url, moved.url, extra={"feed_id": feed.id})
            return moved.url
        return feed.url

    def _fresh_for(self, fetched: FetchResult) -> float | None:
        if fetched.max_age_s is None or self._cfg.max_age_cap_s <= 0:
            return None
        return min(max(fetched.max_age_s, 0.0), self._cfg.max_age_cap_s)

    async def _publish_new(
        self, feed: Feed, articles: list[RawArticle]
    ) -> tuple[list[RawArticle], list[str]]:
        """The articles published now, and a sentence for each one that can never be published."""
        # Claim before publishing, on any replica, by poll or push: an article another poll or push
        # is publishing right now is skipped here. If that one fails, its feed is re-fetched
        # unconditionally (a push is delivered again by its hub) and publishes the article then.
        unseen = set(
            await self._seen.claim_unseen([a.id for a in articles], self._claimer, self._cfg.lease_s)
        )
        new = [a for a in articles if a.id in unseen]
        metrics.ARTICLES_DUPLICATE.inc(len(articles) - len(new))
        if not new:
            return [], []
        ids = {a.id for a in new}
        try:
            refused = await publish_articles(
                self._producer, new, max_message_bytes=self._cfg.max_message_bytes, topic=self._cfg.raw_topic
            )
        except PublishError as e:
            await self._seen.release(ids, self._claimer)
            raise _Failed("publish", str(e)) from e
        # Refused ones are marked seen too: they can never be published, and trying again on
        # every poll would only repeat the warning (and, before, fail the whole poll).
        await self._seen.mark(ids, self._claimer)
        gone = {r.article.id for r in refused}
        published = [a for a in new if a.id not in gone]
        for r in refused:
            metrics.ARTICLES_REFUSED.inc()
            log.error(
                "article %s of %s not published: %s",
                r.article.id,
                feed.url,
                r.reason,
                extra={"feed_id": feed.id, "article_id": r.article.id},
            )
        metrics.ARTICLES_PUBLISHED.inc(len(published))
        log.info("published %d new articles from %s", len(published), feed.url, extra={"feed_id": feed.id})
        warnings = [
            f"Article {r.article.url or r.article.id} was not published: {r.reason}." for r in refused
        ]
        return published, warnings

    async def _record_failure(self, feed: Feed, at: datetime, failure: _Failed) -> None:
        failures = feed.consecutive_failures + 1
        limit = self._cfg.disable_after_failures
        reason: str | None = None
        if failure.disable:
            reason = failure.message
        elif limit > 0 and failures >= limit:
            reason = f"Disabled after {failures} failed polls in a row. The last error: {failure.message}"
        metrics.POLLS.labels(failure.kind).inc()
        log.warning(
            "feed %s failed (%s, %d in a row): %s",
            feed.url,
            failure.kind,
            failures,
            failure.message,
            extra={"feed_id": feed.id, "error_kind": failure.kind},
        )
        interval = feed.custom_interval_s or self._cfg.interval_s
        recorded = await self._registry.record_failure(
            feed.id,
            PollFailure(
                at=at,
                kind=failure.kind,
                message=failure.message,
                failures=failures,
                next_poll_at=self._next(interval, failures, failure.retry_after_s),
                status=failure.status,
                url=failure.url or feed.url,
                disabled_reason=reason,
            ),
            owner=self._owner,
        )
        if recorded and reason:
            metrics.FEEDS_DISABLED.labels("moved" if failure.disable else "failures").inc()
            if self.subscriptions is not None:
                await self.subscriptions.retire(feed.id)
            log.warning("feed %s disabled: %s", feed.url, reason, extra={"feed_id": feed.id})

    def _next(
        self,
        interval_s: float,
        failures: int,
        retry_after_s: float | None = None,
        fresh_for_s: float | None = None,
    ) -> datetime:
        delay = next_poll_delay(
            interval_s, failures, self._cfg.max_backoff_s, retry_after_s, self._rng, fresh_for_s=fresh_for_s
        )
        return self._clock() + timedelta(seconds=delay)
