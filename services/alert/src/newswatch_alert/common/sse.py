"""Server-sent events plumbing any stream of the service can use: bounded client queues, Redis Stream
ids, and the response.

The response is sse-starlette's ``EventSourceResponse``: it sends the heartbeat comments, notices a
client that went away, closes streams when uvicorn shuts down (an endless response would otherwise
hold the graceful shutdown open), and — with ``send_timeout`` — drops a client that stops reading.

Memory per client is bounded by :class:`ClientQueue`: events wait there for the client's send loop;
when a client falls ``size`` events behind, the queue is emptied and closed, and the response ends.
The client reconnects with ``Last-Event-ID`` and resumes from Redis, which is where the backlog
belongs. Nothing is ever buffered without limit in the process.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

from sse_starlette import EventSourceResponse, ServerSentEvent

__all__ = ["ClientQueue", "ServerSentEvent", "event_response", "parse_stream_id"]

T = TypeVar("T")

_STREAM_ID = re.compile(r"^(\d{1,20})(?:-(\d{1,20}))?$")


def parse_stream_id(text: str) -> tuple[int, int]:
    """A Redis Stream id ``"1764590400000-3"`` → ``(1764590400000, 3)``; ``"0"`` → ``(0, 0)``
    (before everything kept). ValueError for anything else."""
    found = _STREAM_ID.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not an event id this server sent")
    return int(found.group(1)), int(found.group(2) or 0)


class ClientQueue(Generic[T]):
    """Events waiting for one client, at most ``size``; past that the client is cut off."""

    def __init__(self, size: int) -> None:
        self._queue: asyncio.Queue[T | None] = asyncio.Queue(maxsize=size + 1)  # +1: room for the end
        self._size = size
        self.closed = False
        self.overflowed = False

    def offer(self, item: T) -> bool:
        """Queue ``item``; False (and the queue closed) when the client is ``size`` events behind."""
        if self.closed:
            return False
        if self._queue.qsize() >= self._size:
            self.overflowed = True
            self.close()
            return False
        self._queue.put_nowait(item)
        return True

    def close(self) -> None:
        """End the stream: drop what is waiting and wake the reader."""
        if self.closed:
            return
        self.closed = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def get(self) -> T | None:
        """The next item, or None once the queue is closed."""
        return await self._queue.get()

    def __len__(self) -> int:
        return self._queue.qsize()


def event_response(
    events: AsyncIterator[ServerSentEvent], *, heartbeat_s: float, send_timeout_s: float
) -> EventSourceResponse:
    """An SSE response with comment heartbeats every ``heartbeat_s`` seconds; a client that has not
    taken one event within ``send_timeout_s`` is disconnected."""
    return EventSourceResponse(
        events,
        ping=heartbeat_s,
        ping_message_factory=lambda: ServerSentEvent(comment="heartbeat"),
        send_timeout=send_timeout_s,
        sep="\n",
    )
