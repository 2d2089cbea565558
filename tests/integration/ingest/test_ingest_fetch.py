"""fetch_feed against real local HTTP servers: conditional GET, redirects, size cap, errors."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from newswatch_cli.embedded import free_port
from newswatch_ingest.errors import FetchError
from newswatch_ingest.fetch import FetchResult, fetch_feed, make_http_client
from newswatch_shared.netguard import EgressPolicy
from tests.helpers.servers import LocalHTTPServer

pytestmark = pytest.mark.integration

UA = "newswatch-ingest-test/1"
BODY = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'

#: The servers here are on 127.0.0.1, which the egress guard refuses unless allowed.
LOCAL = EgressPolicy(allow_private=True)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(UA, timeout_s=5, max_concurrency=2, egress=LOCAL) as c:
        yield c


@pytest.fixture
def web() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        yield server


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = 4096,
    timeout_s: float = 5.0,
) -> FetchResult:
    return await fetch_feed(
        client, url, etag=etag, last_modified=last_modified, max_bytes=max_bytes, timeout_s=timeout_s
    )


async def test_plain_fetch_sends_our_user_agent(client: httpx.AsyncClient, web: LocalHTTPServer) -> None:
    web.route(
        "/f.xml",
        BODY,
        headers={
            "Content-Type": "application/rss+xml",
            "ETag": '"e1"',
            "Last-Modified": "Wed, 15 May 2024 10:00:00 GMT",
        },
    )
    result = await fetch(client, web.url("/f.xml"))
    assert (result.status, result.body, result.modified) == (200, BODY, True)
    assert result.etag == '"e1"' and result.last_modified == "Wed, 15 May 2024 10:00:00 GMT"
    assert result.content_type == "application/rss+xml"
    (request,) = web.requests("/f.xml")
    assert request.headers["user-agent"] == UA
    assert "if-none-match" not in request.headers


async def test_conditional_fetch_gets_304_without_a_body(
    client: httpx.AsyncClient, web: LocalHTTPServer
) -> None:
    web.route("/f.xml", BODY, headers={"ETag": '"e1"'})
    result = await fetch(
        client, web.url("/f.xml"), etag='"e1"', last_modified="Wed, 15 May 2024 10:00:00 GMT"
    )
    assert (result.status, result.body, result.modified) == (304, None, False)
    (request,) = web.requests("/f.xml")
    assert request.headers["if-none-match"] == '"e1"'
    assert request.headers["if-modified-since"] == "Wed, 15 May 2024 10:00:00 GMT"


async def test_redirects_are_followed_up_to_five(client: httpx.AsyncClient, web: LocalHTTPServer) -> None:
    for hop in range(5):
        web.route(f"/r{hop}", b"", status=301 if hop % 2 else 302, headers={"Location": f"/r{hop + 1}"})
    web.route("/r5", BODY)
    result = await fetch(client, web.url("/r0"))
    assert result.body == BODY and result.url == web.url("/r5")


async def test_more_than_five_redirects_fail(client: httpx.AsyncClient, web: LocalHTTPServer) -> None:
    for hop in range(6):
        web.route(f"/r{hop}", b"", status=302, headers={"Location": f"/r{hop + 1}"})
    web.route("/r6", BODY)
    with pytest.raises(FetchError) as caught:
        await fetch(client, web.url("/r0"))
    assert caught.value.kind == "redirects"


async def test_declared_oversized_body_is_refused(client: httpx.AsyncClient, web: LocalHTTPServer) -> None:
    web.route("/big.xml", b"x" * 5000)
    with pytest.raises(FetchError, match="4,096-byte limit") as caught:
        await fetch(client, web.url("/big.xml"))
    assert caught.value.kind == "too_large"


@pytest.mark.parametrize(
    ("status", "headers", "retry_after"),
    [
        (404, {}, None),
        (500, {}, None),
        (503, {"Retry-After": "120"}, 120.0),
        (429, {"Retry-After": "30"}, 30.0),
    ],
)
async def test_http_errors_carry_status_and_retry_after(
    client: httpx.AsyncClient,
    web: LocalHTTPServer,
    status: int,
    headers: dict[str, str],
    retry_after: float | None,
) -> None:
    web.route("/e", b"nope", status=status, headers=headers)
    with pytest.raises(FetchError) as caught:
        await fetch(client, web.url("/e"))
    assert (caught.value.kind, caught.value.status, caught.value.retry_after_s) == (
        "http_status",
        status,
        retry_after,
    )
    assert str(caught.value).startswith(f"The server answered HTTP {status}")


async def test_nothing_listening_is_a_network_error(client: httpx.AsyncClient) -> None:
    with pytest.raises(FetchError, match="Could not read the feed from 127.0.0.1") as caught:
        await fetch(client, f"http://127.0.0.1:{free_port()}/f.xml")
    assert caught.value.kind == "network"


class _Trickle:
    """A server whose responses have no Content-Length: one streams forever, one never answers."""

    def __init__(self) -> None:
        release = self.release = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/silent":
                    release.wait(10)  # answers only after the test is over
                    return
                self.send_response(200)
                self.end_headers()
                while not release.is_set():  # an endless body, until the client hangs up
                    try:
                        self.wfile.write(b"<item>" * 256)
                        self.wfile.flush()
                    except OSError:
                        return

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def trickle() -> Iterator[_Trickle]:
    server = _Trickle()
    try:
        yield server
    finally:
        server.close()


async def test_endless_body_is_cut_at_max_bytes(client: httpx.AsyncClient, trickle: _Trickle) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(client, f"http://127.0.0.1:{trickle.port}/endless", max_bytes=64 * 1024)
    assert caught.value.kind == "too_large"


async def test_silent_server_times_out(client: httpx.AsyncClient, trickle: _Trickle) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(client, f"http://127.0.0.1:{trickle.port}/silent", timeout_s=0.5)
    assert caught.value.kind == "timeout"
