"""Serve the demo articles as an RSS 2.0 feed on localhost, with an ETag so ingest's 304 path is used.

Two kinds of item: the six fixed demo articles (``articles``), which `make run` shows within seconds,
and, when ``live_every_s`` is set, a new article from the live pool (``live``) every so often, so a
watchlist made after start-up still hears of something. Each article also has a page at
``/news/<slug>``, so the links in the dashboard and in alerts lead somewhere.

The server's port is fixed by the caller (``NEWSWATCH_DEV_DEMO_PORT`` in `newswatch dev`): item
links, and so article ids, contain it, and a port that changed on every start made every restart
publish the demo articles (and their alerts) again.
"""

from __future__ import annotations

import hashlib
import html
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from newswatch_cli.demo.articles import DEMO_ARTICLES
from newswatch_cli.demo.live import LiveArticle, live_article

__all__ = ["DemoFeedServer", "render_feed"]

_KEEP_LIVE = 20


def _item(title: str, link: str, guid: str, published: datetime, body: str) -> str:
    return (
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f'<guid isPermaLink="false">{escape(guid)}</guid>'
        f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate>"
        f"<description>{escape(body)}</description></item>"
    )


def render_feed(base_url: str, now: datetime, live: Sequence[LiveArticle] = ()) -> bytes:
    """The feed document: live articles newest first, then the fixed ones, relative to ``now``."""
    items = [_item(a.title, f"{base_url}/news/{a.slug}", f"demo-{a.slug}", a.published, a.body) for a in live]
    items += [
        _item(
            a.title,
            f"{base_url}/news/{a.slug}?utm_source=rss",
            f"demo-{a.slug}",
            now - timedelta(minutes=a.minutes_ago),
            a.body,
        )
        for a in DEMO_ARTICLES
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Demo Wire</title><link>{escape(base_url)}/</link><language>en</language>"
        "<description>Demo feed for newswatch (articles written by the newswatch authors)</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def _page(title: str, body: str) -> bytes:
    return (
        f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(body)}</p>"
        "<p><small>A demo article written by the newswatch authors.</small></p>"
    ).encode()


class DemoFeedServer:
    """A threaded HTTP server; the feed changes only when a live article is added (new ETag)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        live_every_s: float | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        server = ThreadingHTTPServer((host, port), _Handler)
        self._server = server
        self.host, self.port = host, int(server.server_address[1])
        self.base_url = f"http://{host}:{self.port}"
        self._clock = clock
        self._started = clock()
        self._live: list[LiveArticle] = []
        self._live_every_s = live_every_s
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server.pages = {a.slug: _page(a.title, a.body) for a in DEMO_ARTICLES}  # type: ignore[attr-defined]
        self._render()
        self._threads = [threading.Thread(target=server.serve_forever, name="demo-feed", daemon=True)]
        if live_every_s is not None:
            self._threads.append(threading.Thread(target=self._tick, name="demo-feed-live", daemon=True))

    @property
    def feed_url(self) -> str:
        return f"{self.base_url}/feed.xml"

    def add_live(self) -> LiveArticle:
        """Publish the next live article now (the ticker calls this; tests may too)."""
        with self._lock:
            article = live_article(len(self._live), self._clock())
            self._live.insert(0, article)
            del self._live[_KEEP_LIVE:]
            self._server.pages[article.slug] = _page(article.title, article.body)  # type: ignore[attr-defined]
            self._render()
        return article

    def _render(self) -> None:
        body = render_feed(self.base_url, self._started, self._live)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        self._server.feed = (body, etag)  # type: ignore[attr-defined]  # one reference, swapped whole

    def _tick(self) -> None:
        assert self._live_every_s is not None
        while not self._stopping.wait(self._live_every_s):
            self.add_live()

    def start(self) -> DemoFeedServer:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/feed.xml":
            self._feed()
        elif path.startswith("/news/") and path[6:] in self.server.pages:  # type: ignore[attr-defined]
            self._send(200, "text/html; charset=utf-8", self.server.pages[path[6:]])  # type: ignore[attr-defined]
        else:
            self.send_error(404)

    def _feed(self) -> None:
        body, etag = self.server.feed  # type: ignore[attr-defined]
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(200, "application/rss+xml; charset=utf-8", body, etag)

    def _send(self, status: int, content_type: str, body: bytes, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the services log what matters."""
