"""A user's alert stream in Redis, read for ``GET /alerts/stream``: where to resume, what to send.

Every alert is added to its user's Redis Stream (``user:<id>:stream``, ``XADD MAXLEN ~``) by the same
script that creates it (``alerts.store``), so the stream misses nothing the service made, whichever
replica made it. :class:`AlertStreams` reads it for the open connections of one ``api`` replica,
from a Redis pool of their own, and counts them against the per-replica and per-user caps.

Memory per connection is bounded by construction: the generator reads at most ``_BATCH`` entries
from Redis and only when the previous ones were handed to the socket, so a slow client is not read
for.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import anyio
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sse_starlette import ServerSentEvent

from newswatch_alert.common import keys, metrics

__all__ = ["AlertStreams", "TooManyStreams"]

_BATCH = 100
_BLOCK_MS = 5000


class TooManyStreams(Exception):
    """A new stream was refused: this replica (``per_user`` False) or this user has the most open."""

    def __init__(self, message: str, *, per_user: bool) -> None:
        super().__init__(message)
        self.per_user = per_user


def _id_key(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


class AlertStreams:
    """The open streams of this replica: their Redis pool, limits and counts."""

    def __init__(
        self,
        redis: Redis,
        *,
        heartbeat_s: float,
        send_timeout_s: float,
        max_connections: int,
        per_user: int,
    ) -> None:
        self.redis = redis
        self.heartbeat_s = heartbeat_s
        self.send_timeout_s = send_timeout_s
        self._max = max_connections
        self._per_user = per_user
        self._open: Counter[str] = Counter()

    async def aclose(self) -> None:
        await self.redis.aclose()

    def acquire(self, user_id: str) -> None:
        """Count a new stream, or refuse it (:class:`TooManyStreams`) when the replica or the user is full."""
        if self._open.total() >= self._max:
            metrics.STREAM_DROPPED.labels("too_many").inc()
            raise TooManyStreams("too many open streams", per_user=False)
        if self._open[user_id] >= self._per_user:
            metrics.STREAM_DROPPED.labels("too_many").inc()
            raise TooManyStreams(f"at most {self._per_user} open streams per user", per_user=True)
        self._open[user_id] += 1
        metrics.STREAM_CONNECTIONS.inc()

    def release(self, user_id: str) -> None:
        self._open[user_id] -= 1
        if self._open[user_id] <= 0:
            del self._open[user_id]
        metrics.STREAM_CONNECTIONS.dec()

    async def start(self, user_id: str, last_event_id: str | None) -> tuple[str, bool]:
        """Where to read from, and whether alerts after ``last_event_id`` may already be trimmed."""
        key = keys.user_stream(user_id)
        if last_event_id is None:
            newest: Any = await self.redis.xrevrange(key, count=1)
            return (str(newest[0][0]) if newest else "0-0"), False
        try:
            info: dict[str, Any] = await self.redis.xinfo_stream(key)
        except ResponseError:  # no stream yet (or expired): nothing was trimmed that we could know of
            return last_event_id, False
        # Trimming drops the oldest entries; if the client's own last event is gone, so may be some
        # after it. (Redis does not record the trimmed range, so this is "may", never a false "no".)
        first = info.get("first-entry")
        resumed = _id_key(last_event_id)
        if not first or resumed == (0, 0):
            return last_event_id, False
        return last_event_id, _id_key(str(first[0])) > resumed

    async def events(
        self, user_id: str, after: str, gap: bool, shutdown: anyio.Event
    ) -> AsyncIterator[ServerSentEvent]:
        """The stream's events; ends (cleanly, so the client reconnects elsewhere) on shutdown."""
        yield ServerSentEvent(comment="connected")
        if gap:
            detail = {"detail": "alerts after Last-Event-ID may have been trimmed; GET /alerts lists them"}
            yield ServerSentEvent(data=json.dumps(detail), event="gap")
        key = keys.user_stream(user_id)
        stopping = asyncio.ensure_future(shutdown.wait())
        reading: asyncio.Future[Any] | None = None
        try:
            while True:
                reading = asyncio.ensure_future(self.redis.xread({key: after}, count=_BATCH, block=_BLOCK_MS))
                await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not reading.done():
                    return  # shutting down
                for event in _alert_events(reading.result()):
                    after = event.id or after
                    metrics.STREAM_EVENTS.inc()
                    yield event
        finally:
            # A cancelled XREAD drops its pooled connection (redis-py), so nothing stays blocked.
            for task in (stopping, reading):
                if task is not None and not task.done():
                    task.cancel()


def _alert_events(replies: Any) -> list[ServerSentEvent]:
    return [
        ServerSentEvent(data=fields.get("alert", "{}"), event="alert", id=stream_id)
        for _, entries in replies
        for stream_id, fields in entries
    ]
