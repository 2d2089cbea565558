"""A small real WebSub hub for tests and bench/polling: the hub side of W3C WebSub over real HTTP.

- ``POST /`` with ``hub.mode=subscribe|unsubscribe``: recorded, answered 202, then verified in a
  thread the way hubs do: a GET to ``hub.callback`` with ``hub.mode``, ``hub.topic``,
  ``hub.challenge`` (random) and, for a subscription, ``hub.lease_seconds`` (``lease_s`` when set,
  else what was asked). Only a 2xx answer echoing the challenge makes the (un)subscription take effect.
- ``POST /`` with ``hub.mode=publish&hub.url=TOPIC``: fetches the topic and distributes it.
- :meth:`LocalHub.distribute` POSTs a body to every verified subscriber of a topic, signed with its
  secret (``X-Hub-Signature: sha256=…``, or ``signature_method``), and returns their statuses.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import httpx

from newswatch_ingest.websub import sign


@dataclass
class Verification:
    mode: str
    topic: str
    callback: str
    status: int
    confirmed: bool
    at: float


@dataclass
class HubSubscription:
    topic: str
    callback: str
    secret: str
    lease_s: int
    verified_at: float


@dataclass
class _State:
    requests: list[dict[str, str]] = field(default_factory=list)
    verifications: list[Verification] = field(default_factory=list)
    subscriptions: dict[str, HubSubscription] = field(default_factory=dict)  # by callback
    lock: threading.Lock = field(default_factory=threading.Lock)


class LocalHub:
    def __init__(
        self, host: str = "127.0.0.1", *, lease_s: int | None = None, signature_method: str = "sha256"
    ):
        self.lease_s = lease_s
        self.signature_method = signature_method
        self.state = _State()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with hub.state.lock:
                    hub.state.requests.append(form)
                mode = form.get("hub.mode", "")
                if (
                    mode in ("subscribe", "unsubscribe")
                    and form.get("hub.callback")
                    and form.get("hub.topic")
                ):
                    self._answer(202)
                    threading.Thread(target=hub._verify, args=(form,), daemon=True).start()
                elif mode == "publish" and form.get("hub.url"):
                    self._answer(204)
                    threading.Thread(target=hub.publish, args=(form["hub.url"],), daemon=True).start()
                else:
                    self._answer(400)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://{host}:{self.port}/"
        self._client = httpx.Client(timeout=10)

    def _verify(self, form: dict[str, str]) -> None:
        mode, topic, callback = form["hub.mode"], form["hub.topic"], form["hub.callback"]
        challenge = secrets.token_urlsafe(16)
        params = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge}
        lease = self.lease_s or int(form.get("hub.lease_seconds") or 3600)
        if mode == "subscribe":
            params["hub.lease_seconds"] = str(lease)
        sep = "&" if "?" in callback else "?"
        try:
            response = self._client.get(callback + sep + urlencode(params))
            status, text = response.status_code, response.text
        except httpx.HTTPError:
            status, text = 0, ""
        confirmed = 200 <= status < 300 and text == challenge
        with self.state.lock:
            self.state.verifications.append(
                Verification(mode, topic, callback, status, confirmed, time.time())
            )
            if confirmed and mode == "subscribe":
                self.state.subscriptions[callback] = HubSubscription(
                    topic, callback, form.get("hub.secret", ""), lease, time.time()
                )
            elif confirmed and mode == "unsubscribe":
                self.state.subscriptions.pop(callback, None)

    def deny(self, callback: str, topic: str, reason: str = "not allowed") -> int:
        """Tell a subscriber its subscription was refused (``hub.mode=denied``)."""
        params = {"hub.mode": "denied", "hub.topic": topic, "hub.reason": reason}
        return self._client.get(callback + "?" + urlencode(params)).status_code

    def subscribers(self, topic: str) -> list[HubSubscription]:
        with self.state.lock:
            return [s for s in self.state.subscriptions.values() if s.topic == topic]

    def requests(self, mode: str | None = None) -> list[dict[str, str]]:
        with self.state.lock:
            return [r for r in self.state.requests if mode is None or r.get("hub.mode") == mode]

    def verifications(self, mode: str | None = None) -> list[Verification]:
        with self.state.lock:
            return [v for v in self.state.verifications if mode is None or v.mode == mode]

    def distribute(
        self, topic: str, body: bytes, content_type: str = "application/rss+xml", *, secret: str | None = None
    ) -> list[int]:
        """Push ``body`` to each verified subscriber of ``topic``; their HTTP statuses."""
        statuses = []
        for sub in self.subscribers(topic):
            headers = {
                "Content-Type": content_type,
                "X-Hub-Signature": sign(body, secret or sub.secret, self.signature_method),
                "Link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"',
            }
            statuses.append(self._client.post(sub.callback, content=body, headers=headers).status_code)
        return statuses

    def publish(self, topic: str) -> list[int]:
        """What a publisher's ping makes a hub do: fetch the topic and distribute it."""
        response = self._client.get(topic)
        return self.distribute(
            topic, response.content, response.headers.get("content-type", "application/xml")
        )

    def __enter__(self) -> LocalHub:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()
