"""Serve the demo articles as an RSS 2.0 feed on localhost, with an ETag so ingest's 304 path is used."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from newswatch_cli.demo.articles import DEMO_ARTICLES

__all__ = ["DemoFeedServer", "render_feed"]


def render_feed(base_url: str, now: datetime) -> bytes:
    items = []
    for a in DEMO_ARTICLES:
        published = format_datetime(now - timedelta(minutes=a.minutes_ago), usegmt=True)
        items.append(
            f"<item><title>{escape(a.title)}</title>"
            f"<link>{escape(base_url)}/news/{a.slug}?utm_source=rss</link>"
            f'<guid isPermaLink="false">demo-{a.slug}</guid>'
            f"<pubDate>{published}</pubDate>"
            f"<description>{escape(a.body)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Demo Wire</title><link>{escape(base_url)}/</link><language>en</language>"
        "<description>Demo feed for newswatch (articles written by the newswatch authors)</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class DemoFeedServer:
    """A threaded HTTP server; the feed body is fixed at start so its ETag stays stable."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        server = ThreadingHTTPServer((host, port), _Handler)
        self._server = server
        self.host, self.port = host, int(server.server_address[1])
        body = render_feed(f"http://{host}:{self.port}", datetime.now(UTC))
        server.feed_body = body  # type: ignore[attr-defined]
        server.feed_etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=server.serve_forever, name="demo-feed", daemon=True)

    @property
    def feed_url(self) -> str:
        return f"http://{self.host}:{self.port}/feed.xml"

    def start(self) -> DemoFeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body: bytes = self.server.feed_body  # type: ignore[attr-defined]
        etag: str = self.server.feed_etag  # type: ignore[attr-defined]
        if self.path.split("?")[0] != "/feed.xml":
            self.send_error(404)
            return
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the services log what matters."""
