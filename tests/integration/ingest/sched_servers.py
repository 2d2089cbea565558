"""Feed servers for the scheduling tests: several loopback hosts (127.0.0.1, 127.0.0.2, ...) that
share one tracker, so a test can see how many fetches each host had at once, and a gate that holds
every response until the test opens it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import REGISTRY


@dataclass
class Tracker:
    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (host, path)
    in_flight: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    gate: threading.Event = field(default_factory=threading.Event)
    delay_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for _, p in self.requests if p == path)

    def host_count(self, host: str) -> int:
        with self.lock:
            return sum(1 for h, _ in self.requests if h == host)

    def now_in_flight(self, host: str) -> int:
        with self.lock:
            return self.in_flight[host]


class HostServer:
    def __init__(self, host: str, tracker: Tracker) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with tracker.lock:
                    tracker.requests.append((host, self.path))
                    tracker.in_flight[host] += 1
                    tracker.peak[host] = max(tracker.peak[host], tracker.in_flight[host])
                try:
                    tracker.gate.wait(20)
                    if tracker.delay_s:
                        time.sleep(tracker.delay_s)
                    status, headers, body = tracker.routes.get(self.path, (404, {}, b"not found"))
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    with tracker.lock:
                        tracker.in_flight[host] -= 1

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def host_servers(*hosts: str) -> Iterator[tuple[Tracker, list[HostServer]]]:
    tracker = Tracker()
    tracker.gate.set()
    with ExitStack() as stack:
        servers = []
        for host in hosts:
            server = HostServer(host, tracker)
            stack.callback(server.close)
            servers.append(server)
        try:
            yield tracker, servers
        finally:
            tracker.gate.set()  # release any handler still waiting


def metric(name: str, labels: dict[str, str] | None = None) -> float:
    """The current value of a metric of this process (0 when it has no sample yet)."""
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0
