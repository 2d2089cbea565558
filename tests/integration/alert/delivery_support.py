"""Real receivers for the delivery tests: an HTTP receiver with scripted answers, an SMTP server
(aiosmtpd) on a free port, plus a settable clock and alerts written for these tests."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from redis.asyncio import Redis

from newswatch_alert.delivery.consent import ConsentStore, consent_id
from newswatch_alert.delivery.email import SmtpConfig
from newswatch_alert.delivery.mailer import Mailer
from newswatch_cli.embedded import free_port
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import AlertEvent


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST. Answers ``script[path]`` in turn (then 200); a ``held`` path keeps each
    request open, after recording it, until ``release()`` (what a crash between send and record needs)."""

    server: ThreadingHTTPServer
    script: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    gate: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def received(self, path: str | None = None) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if path is None or h.path == path]

    def release(self) -> None:
        self.gate.set()


@contextlib.contextmanager
def receiving() -> Iterator[Receiver]:
    ref: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            receiver = ref[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.hits.append(Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                answers = receiver.script.get(self.path, [])
                status, headers = answers.pop(0) if answers else (200, {})
            if self.path in receiver.held:
                receiver.gate.wait(60)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ref.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield ref[0]
    finally:
        ref[0].release()
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage


class _Sink:
    """aiosmtpd handler: keeps each message; refuses recipients whose address starts with ``refuse``."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address.startswith("refuse"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def smtp_server(login: tuple[str, str] | None = None) -> Iterator[tuple[int, list[Mail]]]:
    """A real SMTP server (aiosmtpd, no TLS) on a free port; yields (port, mails received). With
    ``login`` (user, password) it offers AUTH without TLS, as a local relay might, and takes that login."""
    sink = _Sink()
    port = free_port()
    auth: dict[str, Any] = {}
    if login is not None:

        def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            return AuthResult(success=(data.login, data.password) == tuple(p.encode() for p in login))

        auth = {"authenticator": check, "auth_require_tls": False}  # a wrong login fails the send
    controller = Controller(sink, hostname="127.0.0.1", port=port, **auth)
    controller.start()
    try:
        yield port, sink.mails
    finally:
        controller.stop()


class Clock:
    """The time the worker sees; tests move it instead of sleeping through backoffs and periods."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def ms(self) -> int:
        return int(self.now.timestamp() * 1000)


def alert_for(
    article_id: str, now: datetime, *, user_id: str = "u1", watchlist_id: str = "w1", title: str = ""
) -> AlertEvent:
    """An alert as the matcher would make it (written for these tests)."""
    return AlertEvent(
        id=stable_id(watchlist_id, article_id),
        user_id=user_id,
        watchlist_id=watchlist_id,
        watchlist_name="Eastern border",
        article_id=article_id,
        title=title or f"Convoy sighted near the border crossing ({article_id})",
        url=f"https://news.example/{article_id}",
        source="Example Wire",
        published_at=now - timedelta(minutes=5),
        score=37.5,
        matched_entities=["Ukraine"],
        matched_keywords=["troops"],
        reasons=['keyword "troops" matched escalation term troops (military): "troops"'],
        sentences=["A convoy of troops was seen on the road to the crossing."],
        created_at=now,
    )


async def consent_given(redis: Redis, user_id: str, *addresses: str) -> None:
    """Test helper: record that each address consented to ``user_id``'s alerts, through the real
    ConsentStore (asked, then confirmed with the token its mail would carry), without the confirmation
    mail: its outbox entry is taken out, so tests of alert mails count only alert mails."""
    store = ConsentStore(redis, ask_again_s=86400, item_ttl_s=3600)
    now = datetime.now(UTC)
    await store.request(user_id, addresses, now)
    for address in addresses:
        cid = consent_id(user_id, address)
        token = await redis.hget(f"email:consent:{cid}", "token")
        assert token and await store.confirm(str(token), now) is not None
        await redis.zrem("outbox", f"{cid}:confirm")
        await redis.delete(f"outbox:item:{cid}:confirm")


def mailer(redis: Redis, config: SmtpConfig, public_url: str = "http://newswatch.test") -> Mailer:
    """The e-mail side of a worker, as roles/build.py makes it."""
    return Mailer(config, public_url, ConsentStore(redis, ask_again_s=86400, item_ttl_s=3600), 5)
