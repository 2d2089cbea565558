"""``GET /articles/stream``: new enriched articles as server-sent events, resumable with Last-Event-ID.

The handler appends each newly indexed article's id to the Redis Stream ``articles:stream``
(``XADD MAXLEN ~``). One hub per process tails it with a blocking XREAD, loads each article once and
hands it to every connected client whose filter it passes — one Redis reader however many clients.
Each client has a bounded :class:`~newswatch_alert.common.sse.ClientQueue`; a client that falls behind is
disconnected rather than buffered, and resumes from Redis.

A client that sends ``Last-Event-ID`` is first replayed what it missed from the Redis Stream
(XRANGE, in pages), then subscribes; a second replay after subscribing closes the race with the
hub, and event ids at or before the last one sent are skipped, so nothing is lost or repeated. If
that id is no longer kept (trimmed by MAXLEN), entries after it may be lost too: a ``gap`` event
says so before the replay. A replay is bounded: a client more than ``replay_max`` entries behind
(``Last-Event-ID: 0`` on a full stream, say) gets a ``gap`` event and only the newest ``replay_max``,
so one reconnect cannot make a replica read the whole stream; GET /articles pages through the rest.

Connections are capped per replica and per client address (:meth:`ArticleStreamHub.admit`): each
holds a queue, and the endpoint is public.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from newswatch_alert.common.sse import ClientQueue, parse_stream_id
from newswatch_alert.live.filters import ArticleFilter, article_facets
from newswatch_alert.live.index import STREAM, ArticleIndex
from newswatch_shared.redis_client import TRANSIENT_REDIS_ERRORS
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["ArticleEvent", "ArticleStreamHub", "Gap", "TooManyStreams"]

log = logging.getLogger(__name__)

_PAGE = 200


@dataclass(frozen=True)
class ArticleEvent:
    """One stream entry with its article; ``data`` (the JSON sent) is rendered once for all clients."""

    stream_id: str
    article: EnrichedArticle
    render: Callable[[EnrichedArticle], str] = field(repr=False, compare=False)

    @functools.cached_property
    def data(self) -> str:
        return self.render(self.article)

    @functools.cached_property
    def facets(self) -> Mapping[str, frozenset[str]]:
        return article_facets(self.article)


@dataclass(frozen=True)
class Gap:
    """Entries after the client's Last-Event-ID will not all be replayed. ``trimmed``: they are no
    longer kept, and ``oldest_id`` is the oldest kept; ``too_many``: more than the replay bound, and
    the replay continues after ``oldest_id``, skipping what came before it."""

    last_event_id: str
    oldest_id: str
    reason: str = "trimmed"


class TooManyStreams(Exception):
    """A new stream was refused: this replica (``per_client`` False) or this client has the most open."""

    def __init__(self, message: str, *, per_client: bool) -> None:
        super().__init__(message)
        self.per_client = per_client


@dataclass(eq=False)  # hashed by identity: one per connected client
class _Subscription:
    flt: ArticleFilter
    queue: ClientQueue[ArticleEvent]


class ArticleStreamHub:
    def __init__(
        self,
        redis: Redis,
        index: ArticleIndex,
        render: Callable[[EnrichedArticle], str],
        *,
        queue_size: int,
        block_ms: int = 1000,
        max_clients: int = 1000,
        per_client: int = 10,
        replay_max: int = 500,
    ) -> None:
        self._redis = redis
        self._index = index
        self._render = render
        self._queue_size = queue_size
        self._block_ms = block_ms
        self._max_clients = max_clients
        self._per_client = per_client
        self._replay_max = replay_max
        self._open: Counter[str] = Counter()
        self._subs: set[_Subscription] = set()
        self.disconnected_slow = 0  # clients cut off for falling behind (for tests and logs)

    @property
    def clients(self) -> int:
        return len(self._subs)

    def admit(self, client: str) -> None:
        """Count a new stream of ``client`` (an address), or refuse it (:class:`TooManyStreams`)."""
        if self._open.total() >= self._max_clients:
            raise TooManyStreams("too many open article streams on this replica", per_client=False)
        if self._open[client] >= self._per_client:
            raise TooManyStreams(
                f"at most {self._per_client} open article streams per client", per_client=True
            )
        self._open[client] += 1

    def leave(self, client: str) -> None:
        self._open[client] -= 1
        if self._open[client] <= 0:
            del self._open[client]

    # -- the one reader ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Tail the Redis Stream until ``stop`` is set (a Worker target)."""
        last = await self._tail_id()
        while not stop.is_set():
            try:
                reply: Any = await self._redis.xread({STREAM: last}, block=self._block_ms, count=_PAGE)
            except TRANSIENT_REDIS_ERRORS as e:
                log.warning("article stream: Redis unavailable (%s); retrying", e)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=1.0)
                continue
            for _, entries in reply or []:
                if entries:
                    last = entries[-1][0]
                    await self.dispatch(await self._events(entries))
        for sub in list(self._subs):
            sub.queue.close()

    async def _tail_id(self) -> str:
        while True:
            try:
                newest = await self._redis.xrevrange(STREAM, count=1)
                return str(newest[0][0]) if newest else "0-0"
            except TRANSIENT_REDIS_ERRORS as e:
                log.warning("article stream: Redis unavailable (%s); retrying", e)
                await asyncio.sleep(1.0)

    async def _events(self, entries: Sequence[tuple[str, dict[str, str]]]) -> list[ArticleEvent]:
        ids = [fields.get("id", "") for _, fields in entries]
        articles = await self._index.load([i for i in ids if i])
        return [
            ArticleEvent(str(stream_id), articles[article_id], self._render)
            for (stream_id, _), article_id in zip(entries, ids, strict=True)
            if article_id in articles
        ]

    async def dispatch(self, events: Sequence[ArticleEvent]) -> None:
        """Offer events to every client whose filter they pass; cut off clients that fall behind."""
        for event in events:
            for sub in list(self._subs):
                if sub.flt.matches(event.article, event.facets) and not sub.queue.offer(event):
                    self._subs.discard(sub)
                    if sub.queue.overflowed:
                        self.disconnected_slow += 1
                        log.info(
                            "article stream: a client fell %d events behind; disconnected", self._queue_size
                        )

    # -- one client ----------------------------------------------------------------------------------

    async def events(
        self, flt: ArticleFilter, last_event_id: str | None
    ) -> AsyncIterator[ArticleEvent | Gap]:
        """What one client receives: the replay after ``last_event_id`` (if any), then live events.

        Ends when the client falls too far behind or the service stops. ``last_event_id`` must have
        been checked with ``parse_stream_id``.
        """
        sent: tuple[int, int] | None = None
        if last_event_id is not None:
            sent = parse_stream_id(last_event_id)
            oldest = await self._lost_after(sent)
            if oldest is not None:
                yield Gap(last_event_id, oldest)
            bound = await self._replay_bound(sent)
            if bound is not None:
                yield Gap(last_event_id, f"{bound[0]}-{bound[1]}", "too_many")
                sent = bound
            async for event in self._replay(f"{sent[0]}-{sent[1]}", flt):
                sent = parse_stream_id(event.stream_id)
                yield event
        sub = _Subscription(flt, ClientQueue(self._queue_size))
        self._subs.add(sub)
        try:
            if sent is not None:  # what arrived between the replay and the subscription
                async for event in self._replay(f"{sent[0]}-{sent[1]}", flt):
                    sent = parse_stream_id(event.stream_id)
                    yield event
            while True:
                item = await sub.queue.get()
                if item is None:
                    return
                position = parse_stream_id(item.stream_id)
                if sent is not None and position <= sent:
                    continue
                sent = position
                yield item
        finally:
            self._subs.discard(sub)
            sub.queue.close()

    async def _lost_after(self, sent: tuple[int, int]) -> str | None:
        """The oldest id kept, when entries after ``sent`` may have been trimmed; else None.

        ``max-deleted-entry-id`` only moves on XDEL, not on MAXLEN trimming, so the test is: the
        client's last event is no longer kept (the oldest kept entry is newer), or the stream is
        empty although ids after it were given out. ``0`` asks for everything kept: never a gap.
        """
        if sent == (0, 0):
            return None
        try:
            info: dict[str, Any] = await self._redis.xinfo_stream(STREAM)
        except ResponseError:  # no stream at all: nothing was ever added, or everything expired
            return None
        first = info.get("first-entry")
        if first:
            oldest = str(first[0])
            return oldest if parse_stream_id(oldest) > sent else None
        newest = str(info.get("last-generated-id") or "0-0")
        return newest if parse_stream_id(newest) > sent else None

    async def _replay_bound(self, sent: tuple[int, int]) -> tuple[int, int] | None:
        """Where a replay after ``sent`` must start to cover only the newest ``replay_max`` entries;
        None when there are not more than that after ``sent``."""
        newest: Any = await self._redis.xrevrange(STREAM, count=self._replay_max + 1)
        if len(newest) <= self._replay_max:
            return None
        before_window = parse_stream_id(str(newest[-1][0]))  # the newest entry the replay leaves out
        return before_window if before_window > sent else None

    async def _replay(self, after: str, flt: ArticleFilter) -> AsyncIterator[ArticleEvent]:
        cursor = after
        while True:
            entries: Any = await self._redis.xrange(STREAM, min=f"({cursor}", count=_PAGE)
            if not entries:
                return
            cursor = str(entries[-1][0])
            for event in await self._events(entries):
                if flt.matches(event.article, event.facets):
                    yield event
            if len(entries) < _PAGE:
                return
