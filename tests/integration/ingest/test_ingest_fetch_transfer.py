"""fetch_feed against real local servers: compression, redirects, caching headers, slow and endless bodies."""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import brotli
import httpx
import pytest

from newswatch_ingest.errors import FetchError
from newswatch_ingest.fetch import FetchResult, fetch_feed, make_http_client, permanent_redirect
from newswatch_shared.netguard import EgressPolicy
from tests.integration.ingest.scripted_server import Route, ScriptedServer, send

pytestmark = pytest.mark.integration

BODY = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Compressed</title></channel></rss>' * 50
NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)

#: The servers here are on 127.0.0.1, which the egress guard refuses unless allowed.
LOCAL = EgressPolicy(allow_private=True)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client("newswatch-ingest-test/1", timeout_s=5, max_concurrency=2, egress=LOCAL) as c:
        yield c


@pytest.fixture
def web() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


async def fetch(
    client: httpx.AsyncClient, url: str, max_bytes: int = 1_000_000, timeout_s: float = 5.0
) -> FetchResult:
    return await fetch_feed(client, url, max_bytes=max_bytes, timeout_s=timeout_s, now=NOW)


def fixed(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Route:
    return lambda h: send(h, status, body, headers)


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [("br", brotli.compress(BODY)), ("gzip", gzip.compress(BODY)), ("deflate", zlib.compress(BODY))],
)
async def test_compressed_bodies_are_decoded(
    client: httpx.AsyncClient, web: ScriptedServer, encoding: str, encoded: bytes
) -> None:
    web.routes["/f.xml"] = fixed(200, encoded, {"Content-Encoding": encoding})
    result = await fetch(client, web.url("/f.xml"))
    assert result.body == BODY
    _, headers = web.seen[0]
    assert headers["accept-encoding"] == "gzip, deflate, br"


async def test_brotli_bomb_is_cut_at_the_cap_with_bounded_memory(
    client: httpx.AsyncClient, web: ScriptedServer
) -> None:
    bomb = brotli.compress(b" " * 200_000_000, quality=5)  # a few hundred bytes on the wire
    assert len(bomb) < 1000
    web.routes["/bomb.xml"] = fixed(200, bomb, {"Content-Encoding": "br"})
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as caught:
            await fetch(client, web.url("/bomb.xml"), max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.kind == "too_large"
    assert peak < 16_000_000  # httpx's own decoder would hold all 200 MB


async def test_corrupt_compressed_body_is_a_decoding_error(
    client: httpx.AsyncClient, web: ScriptedServer
) -> None:
    web.routes["/bad.xml"] = fixed(200, b"not gzip at all", {"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="gzip body could not be decoded") as caught:
        await fetch(client, web.url("/bad.xml"))
    assert caught.value.kind == "decoding"


async def test_chain_of_permanent_redirects_is_reported(
    client: httpx.AsyncClient, web: ScriptedServer
) -> None:
    web.routes["/old"] = fixed(301, headers={"Location": "/older"})
    web.routes["/older"] = fixed(308, headers={"Location": "/new"})
    web.routes["/new"] = fixed(200, BODY)
    result = await fetch(client, web.url("/old"))
    assert result.permanent_redirect == web.url("/new") == result.url


@pytest.mark.parametrize("temporary", [302, 307])
async def test_a_temporary_hop_means_no_move(
    client: httpx.AsyncClient, web: ScriptedServer, temporary: int
) -> None:
    web.routes["/old"] = fixed(301, headers={"Location": "/mid"})
    web.routes["/mid"] = fixed(temporary, headers={"Location": "/new"})
    web.routes["/new"] = fixed(200, BODY)
    result = await fetch(client, web.url("/old"))
    assert result.permanent_redirect is None and result.url == web.url("/new")


async def test_no_redirect_means_no_move(client: httpx.AsyncClient, web: ScriptedServer) -> None:
    web.routes["/f.xml"] = fixed(200, BODY)
    assert (await fetch(client, web.url("/f.xml"))).permanent_redirect is None


def test_permanent_redirect_from_https_to_http_is_not_a_move() -> None:
    hop = httpx.Response(301, request=httpx.Request("GET", "https://wire.example.org/feed"))
    final = httpx.Response(200, request=httpx.Request("GET", "http://wire.example.org/feed"), history=[hop])
    assert permanent_redirect(final) is None
    up = httpx.Response(301, request=httpx.Request("GET", "http://wire.example.org/feed"))
    secure = httpx.Response(200, request=httpx.Request("GET", "https://wire.example.org/feed"), history=[up])
    assert permanent_redirect(secure) == "https://wire.example.org/feed"


async def test_max_age_on_200_and_on_304(client: httpx.AsyncClient, web: ScriptedServer) -> None:
    def conditional(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            send(h, 304, headers={"ETag": '"v1"', "Cache-Control": "max-age=900", "Age": "100"})
        else:
            send(h, 200, BODY, {"ETag": '"v1"', "Cache-Control": "public, max-age=1800"})

    web.routes["/f.xml"] = conditional
    first = await fetch(client, web.url("/f.xml"))
    assert (first.status, first.max_age_s, first.etag) == (200, 1800.0, '"v1"')
    again = await fetch_feed(client, web.url("/f.xml"), etag='"v1"', max_bytes=10_000, timeout_s=5, now=NOW)
    assert (again.status, again.modified, again.max_age_s) == (304, False, 800.0)


async def test_expires_minus_date(client: httpx.AsyncClient, web: ScriptedServer) -> None:
    web.routes["/f.xml"] = fixed(
        200, BODY, {"Date": "Wed, 15 May 2024 12:00:00 GMT", "Expires": "Wed, 15 May 2024 12:10:00 GMT"}
    )
    assert (await fetch(client, web.url("/f.xml"))).max_age_s == 600.0


async def test_no_caching_headers_no_max_age(client: httpx.AsyncClient, web: ScriptedServer) -> None:
    web.routes["/f.xml"] = fixed(200, BODY)
    assert (await fetch(client, web.url("/f.xml"))).max_age_s is None


def _trickle(h: BaseHTTPRequestHandler, stop: ScriptedServer) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.end_headers()
    h.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
    while not stop.stop.wait(0.05):  # a byte every 50 ms: never silent long enough for a read timeout
        h.wfile.write(b" ")
        h.wfile.flush()


async def test_trickled_body_ends_at_the_whole_fetch_limit(
    client: httpx.AsyncClient, web: ScriptedServer
) -> None:
    web.routes["/slow.xml"] = lambda h: _trickle(h, web)
    with pytest.raises(FetchError, match="did not finish within 0.6 s") as caught:
        await fetch(client, web.url("/slow.xml"), timeout_s=0.6)
    assert caught.value.kind == "timeout"


def _silent(server: ScriptedServer) -> None:
    server.stop.wait(10)  # answers nothing until the test is over


async def test_silent_server_hits_the_read_timeout(web: ScriptedServer) -> None:
    web.routes["/silent.xml"] = lambda h: _silent(web)
    async with make_http_client(
        "t/1", timeout_s=30, max_concurrency=1, read_timeout_s=0.3, egress=LOCAL
    ) as c:
        with pytest.raises(FetchError, match="went silent") as caught:
            await fetch_feed(c, web.url("/silent.xml"), max_bytes=1000, timeout_s=30)
    assert caught.value.kind == "timeout"


def _endless(h: BaseHTTPRequestHandler, stop: ScriptedServer) -> None:
    h.send_response(200)
    h.end_headers()  # no Content-Length: the body ends when the server closes
    chunk = b"<item><title>more</title></item>" * 512
    deadline = time.monotonic() + 30
    while not stop.stop.is_set() and time.monotonic() < deadline:
        h.wfile.write(chunk)


async def test_endless_body_stops_at_the_cap_with_bounded_memory(
    client: httpx.AsyncClient, web: ScriptedServer
) -> None:
    web.routes["/endless.xml"] = lambda h: _endless(h, web)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as caught:
            await fetch(client, web.url("/endless.xml"), max_bytes=2_000_000, timeout_s=20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.kind == "too_large"
    assert peak < 12_000_000


def test_connect_and_read_timeouts_are_distinct() -> None:
    c = make_http_client("t/1", timeout_s=20, max_concurrency=1)
    assert (c.timeout.connect, c.timeout.read, c.timeout.write) == (10.0, 15.0, 20.0)
    short = make_http_client("t/1", timeout_s=5, max_concurrency=1)
    assert (short.timeout.connect, short.timeout.read) == (5.0, 5.0)  # never longer than the whole fetch
