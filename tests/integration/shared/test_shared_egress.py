"""The egress guard (newswatch_shared.egress) against real HTTP servers on loopback addresses.

Every server here listens on the loopback address the spelling under test really reaches, so a
request the guard let through would arrive; "received nothing" therefore means the guard stopped it.
No packet leaves 127.0.0.0/8 and ::1: numeric spellings and localhost names are never looked up in
DNS, and the one made-up name (``feeds.newswatch.test``, RFC 6761's reserved ``.test``) is added to the
resolver in the test itself, not to /etc/hosts.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path

import httpx
import pytest

from newswatch_shared.egress import EgressRefused, check_url, guarded_client, system_resolver
from newswatch_shared.netguard import EgressPolicy, IPAddress
from tests.helpers.servers import LocalHTTPServer

pytestmark = pytest.mark.integration

STRICT = EgressPolicy()
OPEN = EgressPolicy(allow_private=True)
TEST_NAME = "feeds.newswatch.test"


async def resolver(host: str, port: int) -> list[IPAddress]:
    """The machine's resolver, plus one name made up for the test."""
    if host == TEST_NAME:
        return [ip_address("127.0.0.1")]
    return await system_resolver(host, port)


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as s:
        s.route("/feed.xml", b"<rss/>")
        yield s


# (how the URL spells the host, the loopback address a server must listen on for it)
SPELLINGS = [
    ("localhost", "127.0.0.1"),
    ("localhost.", "127.0.0.1"),
    ("LocalHost", "127.0.0.1"),
    ("127.0.0.1", "127.0.0.1"),
    ("127.0.0.2", "127.0.0.2"),
    ("127.1", "127.0.0.1"),
    ("[::1]", "::1"),
    ("[::ffff:127.0.0.1]", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0177.1", "127.0.0.1"),  # octal (httpx itself refuses a four-part one such as 0177.0.0.1)
    (TEST_NAME, "127.0.0.1"),
]


@pytest.mark.parametrize(("spelling", "listen"), SPELLINGS)
async def test_every_spelling_of_loopback_is_refused_and_reaches_nothing(spelling: str, listen: str) -> None:
    with LocalHTTPServer(listen) as target:
        target.route("/feed.xml", b"<rss/>")
        url = f"http://{spelling}:{target.port}/feed.xml"
        async with guarded_client(STRICT, resolver=resolver) as client:
            with pytest.raises(
                EgressRefused, match=r"^refused: .*a loopback address.*NEWSWATCH_ALLOW_PRIVATE_URLS"
            ):
                await client.get(url)
        assert target.requests("/feed.xml") == []
        refused = await check_url(url, STRICT, resolver)  # the same answer when the URL is saved
        assert refused is not None and refused.verdict.kind == "loopback"


@pytest.mark.parametrize(("spelling", "listen"), SPELLINGS)
async def test_with_the_allowance_the_same_server_receives_the_request(spelling: str, listen: str) -> None:
    with LocalHTTPServer(listen) as target:
        target.route("/feed.xml", b"<rss/>")
        async with guarded_client(OPEN, resolver=resolver) as client:
            response = await client.get(f"http://{spelling}:{target.port}/feed.xml")
        assert response.status_code == 200
        assert len(target.requests("/feed.xml")) == 1
        assert await check_url(target.url("/feed.xml"), OPEN) is None


async def test_the_address_is_checked_at_connection_time_not_only_when_saved(server: LocalHTTPServer) -> None:
    """DNS rebinding: the name looks public when the URL is saved, and is loopback a moment later."""
    answers = [[ip_address("93.184.215.14")], [ip_address("127.0.0.1")]]

    async def rebinding(host: str, port: int) -> list[IPAddress]:
        return answers.pop(0) if answers else [ip_address("127.0.0.1")]

    url = f"http://rebind.newswatch.test:{server.port}/feed.xml"
    assert await check_url(url, STRICT, rebinding) is None  # saved: it resolved to a public address
    async with guarded_client(STRICT, resolver=rebinding) as client:
        with pytest.raises(EgressRefused, match="rebind.newswatch.test resolves to 127.0.0.1, a loopback"):
            await client.get(url)
    assert server.requests("/feed.xml") == []


async def test_one_bad_address_among_good_ones_refuses_the_host(server: LocalHTTPServer) -> None:
    async def mixed(host: str, port: int) -> list[IPAddress]:
        return [ip_address("93.184.215.14"), ip_address("10.0.0.5"), ip_address("127.0.0.1")]

    async with guarded_client(STRICT, resolver=mixed) as client:
        with pytest.raises(EgressRefused, match="resolves to 10.0.0.5, a private address"):
            await client.get(f"http://mixed.newswatch.test:{server.port}/feed.xml")
    assert server.requests("/feed.xml") == []


async def test_every_redirect_hop_is_checked() -> None:
    """The first server's host is allowed by name; the one it redirects to is not."""
    with LocalHTTPServer() as first, LocalHTTPServer() as second:
        second.route("/feed.xml", b"<rss/>")
        first.route("/feed.xml", b"", 302, {"Location": f"http://localhost:{second.port}/feed.xml"})
        only_first = EgressPolicy.build(False, ["127.0.0.1"])
        async with guarded_client(only_first, follow_redirects=True) as client:
            with pytest.raises(EgressRefused, match="refused: localhost resolves to 127.0.0.1"):
                await client.get(first.url("/feed.xml"))
        assert len(first.requests("/feed.xml")) == 1
        assert second.requests("/feed.xml") == []
        both = EgressPolicy.build(False, ["127.0.0.1", "localhost"])
        async with guarded_client(both, follow_redirects=True) as client:
            assert (await client.get(first.url("/feed.xml"))).status_code == 200
        assert len(second.requests("/feed.xml")) == 1


async def test_proxies_from_the_environment_are_not_used(
    server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy would connect for us and the guard would see only the proxy: guarded clients ignore it."""
    with LocalHTTPServer() as proxy:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.url(""))
        async with guarded_client(STRICT) as client:
            with pytest.raises(EgressRefused):
                await client.get(server.url("/feed.xml"))
        async with guarded_client(OPEN) as client:
            assert (await client.get(server.url("/feed.xml"))).status_code == 200
        assert proxy.state.received == []
        assert len(server.requests("/feed.xml")) == 1
        async with httpx.AsyncClient() as plain:  # the test can fail: httpx's default does use it
            await plain.get(server.url("/feed.xml"))
        assert len(proxy.state.received) == 1


async def test_a_name_that_does_not_resolve_is_a_connect_error_and_passes_the_save_check() -> None:
    async def nothing(host: str, port: int) -> list[IPAddress]:
        raise OSError("Name or service not known")

    async with guarded_client(STRICT, resolver=nothing) as client:
        with pytest.raises(httpx.ConnectError, match="cannot resolve gone.newswatch.test") as caught:
            await client.get("http://gone.newswatch.test/feed.xml")
    assert not isinstance(caught.value, EgressRefused)
    assert await check_url("http://gone.newswatch.test/", STRICT, nothing) is None


# -- TLS is verified against the URL's name, not the address connected to ------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(tls_files: tuple[Path, Path]) -> Iterator[int]:
    cert, key = tls_files

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_tls_is_verified_against_the_host_name(tls_files: tuple[Path, Path], tls_server: int) -> None:
    """The guard connects to 127.0.0.1 by address; the certificate (for localhost only) still has to
    match the URL's host name, and one that does not match is still refused."""
    trusted = ssl.create_default_context(cafile=str(tls_files[0]))
    async with guarded_client(OPEN, verify=trusted) as client:
        assert (await client.get(f"https://localhost:{tls_server}/")).status_code == 200
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED|IP address mismatch"):
            await client.get(f"https://127.0.0.1:{tls_server}/")
    async with guarded_client(OPEN, resolver=resolver, verify=trusted) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED|Hostname mismatch"):
            await client.get(f"https://{TEST_NAME}:{tls_server}/")  # same address, another name
