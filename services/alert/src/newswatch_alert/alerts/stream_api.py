"""``GET /alerts/stream``: a user's alerts as server-sent events, live and resumable.

Every alert is on its user's Redis Stream (``alerts.stream``), whichever replica made it. An event's
``id`` is its stream id: a client that reconnects with ``Last-Event-ID`` (browsers' EventSource does
this by itself) gets exactly the alerts after it, from any replica. Without it the stream starts
with the next alert; ``Last-Event-ID: 0`` replays all that are kept.

The response is sse-starlette's ``EventSourceResponse``: it sends heartbeat comments (``: heartbeat``
every ``NEWSWATCH_ALERT_STREAM_HEARTBEAT_S``), notices a client that went away, and ends open streams
when the server shuts down (a plain StreamingResponse would hold a graceful shutdown open forever).

A client that takes no data for ``NEWSWATCH_ALERT_STREAM_SEND_TIMEOUT_S`` is dropped (it resumes with
Last-Event-ID). Each open stream holds one connection of a Redis pool of its own, which is why
streams are capped per replica and per user.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, HTTPException, Query, status
from sse_starlette import EventSourceResponse, ServerSentEvent
from sse_starlette.sse import SendTimeoutError
from starlette.types import Receive, Scope, Send

from newswatch_alert.alerts.stream import AlertStreams, TooManyStreams
from newswatch_alert.common import metrics
from newswatch_alert.common.openapi import ErrorOut, errors
from newswatch_alert.common.parts import part
from newswatch_alert.users.auth import current_user

__all__ = ["stream_router"]

log = logging.getLogger(__name__)

_SHUTDOWN_GRACE_S = 2.0
_STREAM_ID = re.compile(r"^\d{1,20}(-\d{1,20})?$")
_EXAMPLE = (
    ": connected\r\n\r\n"
    'id: 1795780800000-0\r\nevent: alert\r\ndata: {"id": "7c1f0a9e3b5d2c4e6f8a0b1c", …}\r\n\r\n'
    ": heartbeat\r\n\r\n"
)


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
        streams: Annotated[AlertStreams, Depends(part(AlertStreams))],
        user_id: Annotated[str, Depends(current_user)],
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
        after: Annotated[
            str | None, Query(alias="last_event_id", description="For clients that cannot send headers.")
        ] = None,
    ) -> EventSourceResponse:
        resume = (last_event_id or after or "").strip() or None
        if resume is not None and not _STREAM_ID.match(resume):
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST, "Last-Event-ID must be a stream id such as 1700000000000-0"
            )
        start, gap = await streams.start(user_id, resume)
        try:
            streams.acquire(user_id)
        except TooManyStreams as e:
            code = status.HTTP_429_TOO_MANY_REQUESTS if e.per_user else status.HTTP_503_SERVICE_UNAVAILABLE
            raise HTTPException(code, str(e), headers={"Retry-After": "5"}) from e
        return _AlertStreamResponse(streams, user_id, start, gap)

    return router
