"""Small real HTTP servers for tests: a feed server and a webhook receiver, each on a free port."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _State:
    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class LocalHTTPServer:
    """Serves fixed responses on GET and records every POST (and GET) it receives.

    ``host`` is any loopback address (``127.0.0.2``, ``::1``): the egress tests need servers that a
    spelling of loopback really reaches, so that "received nothing" means the guard stopped it.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        state = _State()
        self.state = state

        class Handler(BaseHTTPRequestHandler):
            def _record(self, body: bytes) -> None:
                with state.lock:
                    state.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )

            def do_GET(self) -> None:
                self._record(b"")
                status, headers, body = state.routes.get(self.path, (404, {}, b"not found"))
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self._record(body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        server_class = _IPv6Server if ":" in host else ThreadingHTTPServer
        self._server = server_class((host, 0), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> None:
        with self.state.lock:
            self.state.routes[path] = (status, headers or {}, body)

    def posts(self, path: str | None = None) -> list[Received]:
        with self.state.lock:
            return [r for r in self.state.received if r.body and (path is None or r.path == path)]

    def requests(self, path: str) -> list[Received]:
        with self.state.lock:
            return [r for r in self.state.received if r.path == path]

    def __enter__(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
