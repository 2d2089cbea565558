"""A fast local feed server for bench/ingest, run in its own process so it does not share a core's
event loop with what is measured.

Paths:
  /static/<i>.xml          a fixed 20-item feed with ETag "v<i>"; If-None-Match "v<i>" → 304
  /fresh/<round>/<i>.xml   20 items unique to (round, i), a new ETag every round

A bare asyncio protocol with keep-alive: cheap enough that the client side is what the benchmark
measures, for the baseline and for ingest alike.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

NOW = datetime.now(UTC)


def feed(tag: str, items: int = 20) -> bytes:
    entries = []
    for k in range(items):
        published = format_datetime(NOW - timedelta(minutes=k), usegmt=True)
        entries.append(
            f"<item><title>Report {tag}-{k}: troops and talks</title>"
            f"<link>http://bench.local/{tag}/{k}?utm_source=rss</link><guid>bench-{tag}-{k}</guid>"
            f"<pubDate>{published}</pubDate><description>&lt;p&gt;Officials said troops moved near "
            f"the border while diplomats met to discuss sanctions, item {k} of feed {tag}.&lt;/p&gt;"
            "</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench '
        + tag
        + "</title><link>http://bench.local/</link><language>en</language>"
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


STATIC: dict[str, bytes] = {}


class Http(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            self.respond(path, headers)

    def respond(self, path: str, headers: dict[str, str]) -> None:
        parts = path.strip("/").split("/")
        if parts[0] == "static":
            i = parts[1].removesuffix(".xml")
            etag = f'"v{i}"'
            if headers.get("if-none-match") == etag:
                self.send(304, b"", etag)
                return
            body = STATIC.get(i)
            if body is None:
                body = STATIC[i] = feed(f"s{i}")
            self.send(200, body, etag)
        elif parts[0] == "fresh":
            rnd, i = parts[1], parts[2].removesuffix(".xml")
            self.send(200, feed(f"r{rnd}f{i}"), f'"r{rnd}f{i}"')
        else:
            self.send(404, b"not found", None)

    def send(self, status: int, body: bytes, etag: str | None) -> None:
        reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
        head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n"
        if status == 200:
            head += "Content-Type: application/rss+xml; charset=utf-8\r\n"
        if etag:
            head += f"ETag: {etag}\r\n"
        self.transport.write(head.encode() + b"\r\n" + body)


async def main(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Http, "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
