"""A server-sent-events reader for tests, parsing a text/event-stream as a browser's EventSource does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx


@dataclass
class Event:
    id: str | None = None
    event: str | None = None
    #: The event's data lines, joined with newlines (as EventSource gives them).
    data: str = ""
    comments: list[str] = field(default_factory=list)


async def events(response: httpx.Response) -> AsyncIterator[Event]:
    """Events (and comment-only blocks) of an SSE response, as they arrive: fields until a blank line."""
    current = Event()
    async for line in response.aiter_lines():
        if line == "":
            yield current
            current = Event()
        elif line.startswith(":"):
            current.comments.append(line[1:].strip())
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                current.data = f"{current.data}\n{value}" if current.data else value
            elif name in ("id", "event"):
                setattr(current, name, value)
