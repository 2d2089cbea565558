"""The smoke's webhook receiver and feed server, run inside the compose network (service webhook-sink).

Why a container: alerts must travel over the containers' own network, as they would to a real
receiver. Standard library only (it runs on the bare local base image). The smoke check drives it
over its published port:

- ``PUT /any/path`` stores the body (and Content-Type, ETag) to serve on ``GET /any/path``;
- ``POST /any/path`` is recorded and answered 204 (a webhook receiver);
- ``GET /_received`` returns every recorded request as JSON, bodies base64-encoded.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()
_routes: dict[str, tuple[dict[str, str], bytes]] = {}
_received: list[dict[str, object]] = []


class _Handler(BaseHTTPRequestHandler):
    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def _record(self, method: str, body: bytes) -> None:
        entry = {
            "method": method,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": base64.b64encode(body).decode(),
        }
        with _lock:
            _received.append(entry)

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        headers = {"Content-Type": self.headers.get("Content-Type", "application/octet-stream")}
        if self.headers.get("ETag"):
            headers["ETag"] = self.headers["ETag"]
        with _lock:
            _routes[self.path] = (headers, self._body())
        self._send(204)

    def do_POST(self) -> None:
        self._record("POST", self._body())
        self._send(204)

    def do_GET(self) -> None:
        if self.path == "/_received":
            with _lock:
                body = json.dumps(_received).encode()
            self._send(200, body, {"Content-Type": "application/json"})
            return
        self._record("GET", b"")
        with _lock:
            route = _routes.get(self.path)
        if route is None:
            self._send(404, b"not found")
            return
        headers, body = route
        etag = headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            self._send(304, b"", {"ETag": etag})
            return
        self._send(200, body, headers)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the smoke check reads /_received."""


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 9000), _Handler).serve_forever()
