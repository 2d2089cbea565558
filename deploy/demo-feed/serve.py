"""Serve the demo feed of `make run` inside docker compose (the `demo-feed` service).

The feed is the one `newswatch dev` serves (``newswatch_cli.demo``): rendered once at start, with
item links on this container's public name, and served as a static file so ingest's conditional GET
(If-Modified-Since → 304) is exercised as with any real feed. Standard library only: the image is a
bare Python with the demo modules copied in. The live articles of `make run` are left out here: a
production-shaped stack should not invent news every minute.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import tempfile
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType

from newswatch_cli.demo.server import render_feed


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {".xml": "application/rss+xml; charset=utf-8"}

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: ingest logs every poll already."""


def main() -> None:
    port = int(os.environ.get("DEMO_FEED_PORT", "8080"))
    base_url = os.environ.get("DEMO_FEED_BASE_URL", f"http://demo-feed:{port}")
    root = Path(tempfile.mkdtemp(prefix="demo-feed-"))
    (root / "feed.xml").write_bytes(render_feed(base_url, datetime.now(UTC)))
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("0.0.0.0", port), handler)

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)  # docker stop: exit at once, with status 0
    print(f"demo feed at {base_url}/feed.xml", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
