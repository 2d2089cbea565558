"""Feeds that fight back, served by a ScriptedServer: each case with the health the service should show.

A case either fails with ``kind`` and a sentence containing ``phrase`` (``last_error_kind`` /
``last_error``), or — ``kind`` None — is read with ``phrase`` in ``last_warning`` and publishes its
items. The bodies are written here or are fixtures of ours (tests/fixtures/feeds).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.integration.ingest.scripted_server import Route, ScriptedServer, send

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
RSS = "application/rss+xml"
HUGE_BYTES = 100 * 1024 * 1024
BOMB_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Hostile:
    name: str
    what: str  # for the docs table
    route: Route
    kind: str | None
    phrase: str


def fixed(body: bytes, content_type: str, extra: dict[str, str] | None = None) -> Route:
    return lambda h: send(h, 200, body, {"Content-Type": content_type, **(extra or {})})


def _huge(h: BaseHTTPRequestHandler) -> None:
    """100 MB without a Content-Length, so only the streaming cap can stop it."""
    h.close_connection = True
    h.send_response(200)
    h.send_header("Content-Type", RSS)
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>')
    chunk = b"<item><title>again</title><description>" + b"x" * 65_000 + b"</description></item>"
    for _ in range(HUGE_BYTES // len(chunk)):
        h.wfile.write(chunk)


def _drip(h: BaseHTTPRequestHandler, server: ScriptedServer) -> None:
    """A valid start, then one byte a second: never silent long enough for a read timeout."""
    h.close_connection = True
    h.send_response(200)
    h.send_header("Content-Type", RSS)
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>Drip</title>')
    h.wfile.flush()
    while not server.stop.wait(1.0):
        h.wfile.write(b" ")
        h.wfile.flush()


@cache
def gzip_bomb() -> bytes:
    """1 GiB of zeros as about 4.7 MB of gzip (level 1 keeps building it near a second)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    parts = [packer.compress(zeros) for _ in range(BOMB_BYTES // len(zeros))]
    return b"".join([*parts, packer.flush()])


def _xxe(server: ScriptedServer) -> bytes:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n'
        '<!ENTITY passwd SYSTEM "file:///etc/passwd">\n'
        f'<!ENTITY canary SYSTEM "{server.url("/canary")}">\n]>\n'
        '<rss version="2.0"><channel><title>Probe &passwd;</title><link>https://probe.example.org/</link>'
        "<item><title>Probe item &passwd;&canary;</title><link>https://probe.example.org/xxe</link>"
        "<description>Before &passwd; after.</description></item></channel></rss>"
    ).encode()


LATIN = "Zürich: Gespräche über Grenzübergänge vertagt"


def cases(server: ScriptedServer) -> list[Hostile]:
    """The cases, the costly ones last (the memory table reads the peak after each case)."""
    names = ("broken.xml", "mislabelled_cp1252.xml", "billion_laughs.xml", "html_page.html")
    fixture = {name: (FEEDS / name).read_bytes() for name in names}
    latin = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Kurier</title>'
        f"<item><title>{LATIN}</title><link>https://kurier.example.ch/a</link></item></channel></rss>"
    ).encode()
    return [
        Hostile(
            "malformed",
            "malformed XML (cut off mid-document, no entry readable)",
            fixed(fixture["broken.xml"], RSS),
            "parse",
            "The document is not a readable feed (line 2, column 63: unclosed token).",
        ),
        Hostile(
            "lying-utf8",
            "lying encoding: Windows-1252 bytes, declared UTF-8 by the server and the XML",
            fixed(fixture["mislabelled_cp1252.xml"], f"{RSS}; charset=utf-8"),
            None,
            "The document is not valid UTF-8 (the XML declaration says utf-8 and the server says utf-8);"
            " read as Windows-1252 (detected).",
        ),
        Hostile(
            "lying-latin1",
            "lying encoding: UTF-8 bytes served as ISO-8859-1",
            fixed(latin, "text/xml; charset=iso-8859-1"),
            None,
            "Read as UTF-8, which it is, although the server says iso-8859-1.",
        ),
        Hostile(
            "loop",
            "a redirect loop (the URL redirects to itself)",
            lambda h: send(h, 302, headers={"Location": "/loop.xml"}),
            "redirects",
            "The feed redirected more than 5 times.",
        ),
        Hostile(
            "laughs",
            'entity expansion ("billion laughs", ~3·10⁹ characters)',
            fixed(fixture["billion_laughs.xml"], RSS),
            "parse",
            "The document's XML entities would expand to more than 1,000,000 characters"
            " (an entity-expansion bomb); it is not read.",
        ),
        Hostile(
            "xxe",
            'external entities: SYSTEM "file:///etc/passwd" and an http URL on the test server',
            fixed(_xxe(server), RSS),
            None,
            "External XML entities (&passwd;, &canary;) were not loaded.",
        ),
        Hostile(
            "html",
            "an HTML page instead of a feed",
            fixed(fixture["html_page.html"], "text/html; charset=utf-8"),
            "parse",
            "The document is an HTML page, not an RSS or Atom feed.",
        ),
        Hostile(
            "drip",
            "a body that drips one byte a second",
            lambda h: _drip(h, server),
            "timeout",
            "The fetch did not finish within 5 s.",
        ),
        Hostile(
            "huge",
            "a 100 MB body with no Content-Length",
            _huge,
            "too_large",
            "The feed is larger than the 10,485,760-byte limit.",
        ),
        Hostile(
            "gzip-bomb",
            "a gzip bomb: 4.7 MB on the wire, 1 GiB of zeros inflated",
            fixed(gzip_bomb(), RSS, {"Content-Encoding": "gzip"}),
            "too_large",
            "The feed is larger than the 10,485,760-byte limit.",
        ),
    ]
