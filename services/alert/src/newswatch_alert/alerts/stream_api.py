"""``GET /alerts/stream``: a user's alerts as server-sent events, live and resumable.

Every alert is added to its user's Redis Stream (``user:<id>:stream``, ``XADD MAXLEN ~``) by the same
script that creates it, so the stream misses nothing the service made, whichever replica made it.
An event's ``id`` is its stream id: a client that reconnects with ``Last-Event-ID`` (browsers'
EventSource does this by itself) gets exactly the alerts after it, from any replica. Without it the
stream starts with the next alert; ``Last-Event-ID: 0`` replays all that are kept.

The response is sse-starlette's ``EventSourceResponse``: it sends heartbeat comments (``: heartbeat``
every ``NEWSWATCH_ALERT_STREAM_HEARTBEAT_S``), notices a client that went away, and ends open streams
when the server shuts down (a plain StreamingResponse would hold a graceful shutdown open forever).

Memory per connection is bounded by construction: the generator reads at most ``_BATCH`` entries
from Redis and only when the previous ones were handed to the socket, so a slow client is not read
for; a client that takes no data for ``NEWSWATCH_ALERT_STREAM_SEND_TIMEOUT_S`` is dropped (it
resumes with Last-Event-ID). Each open stream holds one connection of a Redis pool of its own, which
is why streams are capped per replica and per user.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sse_starlette import EventSourceResponse, ServerSentEvent
from sse_starlette.sse import SendTimeoutError
from starlette.types import Receive, Scope, Send

from newswatch_alert import keys, metrics
from newswatch_alert.api_docs import ErrorOut, errors
from newswatch_alert.auth import current_user
from newswatch_alert.settings import AlertSettings

__all__ = ["AlertStreams", "stream_router"]

log = logging.getLogger(__name__)

_BATCH = 100
_BLOCK_MS = 5000
_SHUTDOWN_GRACE_S = 2.0
_STREAM_ID = re.compile(r"^\d{1,20}(-\d{1,20})?$")
_EXAMPLE = (
    ": connected\r\n\r\n"
    'id: 1795780800000-0\r\nevent: alert\r\ndata: {"id": "7c1f0a9e3b5d2c4e6f8a0b1c", …}\r\n\r\n'
    ": heartbeat\r\n\r\n"
)


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

    @classmethod
    def from_settings(cls, settings: AlertSettings) -> AlertStreams:
        redis = Redis.from_url(
            settings.redis_url,
            decode_responses=True,
            socket_connect_timeout=5,
            health_check_interval=30,
            max_connections=settings.alert_stream_max_connections + 1,
        )
        return cls(
            redis,
            heartbeat_s=settings.alert_stream_heartbeat_s,
            send_timeout_s=settings.alert_stream_send_timeout_s,
            max_connections=settings.alert_stream_max_connections,
            per_user=settings.alert_stream_per_user,
        )

    async def aclose(self) -> None:
        await self.redis.aclose()

    def acquire(self, user_id: str) -> None:
        """Count a new stream, or refuse it: 503 when the replica is full, 429 when the user is."""
        if self._open.total() >= self._max:
            metrics.STREAM_DROPPED.labels("too_many").inc()
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "too many open streams", headers={"Retry-After": "5"}
            )
        if self._open[user_id] >= self._per_user:
            metrics.STREAM_DROPPED.labels("too_many").inc()
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"at most {self._per_user} open streams per user",
                headers={"Retry-After": "5"},
            )
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


class _AlertStreamResponse(EventSourceResponse):
    """Releases the stream's slot however it ends, and turns a slow client into a dropped connection."""

    def __init__(self, streams: AlertStreams, user_id: str, start: str, gap: bool) -> None:
        shutdown = anyio.Event()
        super().__init__(
            streams.events(user_id, start, gap, shutdown),
            ping=streams.heartbeat_s,
            ping_message_factory=lambda: ServerSentEvent(comment="heartbeat"),
            send_timeout=streams.send_timeout_s,
            shutdown_event=shutdown,
            shutdown_grace_period=_SHUTDOWN_GRACE_S,
        )
        self._streams = streams
        self._user_id = user_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except SendTimeoutError:
            # The client stopped reading; closing is all we can do (uvicorn logs the cut response).
            metrics.STREAM_DROPPED.labels("slow").inc()
            log.warning(
                "dropping a stream of user %s: the client took no data for %.0fs",
                self._user_id,
                self._streams.send_timeout_s,
            )
        finally:
            self._streams.release(self._user_id)


def stream_router() -> APIRouter:
    router = APIRouter()

    @router.get(
        "/alerts/stream",
        tags=["alerts"],
        summary="The caller's alerts as server-sent events, live; resumable with Last-Event-ID",
        response_class=EventSourceResponse,
        responses={
            200: {
                "description": "An endless `text/event-stream`: one `alert` event per alert (`id` = stream "
                "id, `data` = the AlertEvent JSON), `: heartbeat` comments, and a `gap` event first when "
                "alerts after Last-Event-ID were already trimmed.",
                "content": {"text/event-stream": {"schema": {"type": "string"}, "example": _EXAMPLE}},
            },
            400: {"model": ErrorOut, "description": "Last-Event-ID is not a stream id."},
            429: {"model": ErrorOut, "description": "The user has the most open streams allowed."},
            **errors(
                401,
                e503="Redis is unreachable, or this replica has the most open streams allowed; "
                "retry after `Retry-After` seconds.",
            ),
        },
    )
    async def alert_stream(
        request: Request,
        user_id: Annotated[str, Depends(current_user)],
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
        after: Annotated[
            str | None, Query(alias="last_event_id", description="For clients that cannot send headers.")
        ] = None,
    ) -> EventSourceResponse:
        streams: AlertStreams = request.app.state.alert_streams
        resume = (last_event_id or after or "").strip() or None
        if resume is not None and not _STREAM_ID.match(resume):
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST, "Last-Event-ID must be a stream id such as 1700000000000-0"
            )
        start, gap = await streams.start(user_id, resume)
        streams.acquire(user_id)
        return _AlertStreamResponse(streams, user_id, start, gap)

    return router
