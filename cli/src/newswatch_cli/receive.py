"""`newswatch receive`: a webhook receiver to try alerts out, printing one line per alert it gets.

The quick start's watchlist delivers to ``http://127.0.0.1:9000/hook``; this is what listens there,
so a newcomer sees an alert arrive without writing a server. With ``--secret`` (the channel's
secret, in the response that created the watchlist) each delivery's signature is checked the way a
real receiver must, with the verifier the alert service documents. Answers 200 to every POST.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["describe", "make_server"]


def describe(body: bytes, signature: str) -> str:
    """One line about a delivery: what it is, what matched, and the signature's verdict."""
    try:
        event: dict[str, Any] = json.loads(body)
    except ValueError:
        return f"not JSON ({len(body)} bytes){signature}"
    if event.get("type") == "digest":
        name = event.get("watchlist_name", "?")
        return f"digest of {event.get('total', '?')} alerts for watchlist {name!r}{signature}"
    matched = ", ".join([*event.get("matched_entities", []), *event.get("matched_keywords", [])])
    return (
        f"alert for watchlist {event.get('watchlist_name', '?')!r}: {event.get('title', '?')!r} "
        f"({event.get('source', '?')}, score {event.get('score', '?')}; matched {matched or '-'}){signature}"
    )


def make_server(host: str, port: int, secret: str | None, out: Callable[[str], None]) -> ThreadingHTTPServer:
    def check(body: bytes, headers: dict[str, str]) -> str:
        if not secret:
            return ""
        import time

        from newswatch_alert.delivery.signing import verify

        ok = verify(secret, body, headers, int(time.time()))
        return " [signature ok]" if ok else " [SIGNATURE DOES NOT VERIFY, or older than 5 minutes]"

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            out(describe(body, check(body, headers)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the one line per delivery is the output."""

    return ThreadingHTTPServer((host, port), Handler)


def run(host: str, port: int, secret: str | None) -> None:
    server = make_server(host, port, secret, lambda line: print(line, flush=True))
    print(f"listening on http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
