"""No delivery secret reaches the alert service's log: the real `newswatch-alert` process (deliver role,
JSON logs at DEBUG, so every library speaks) delivers to a local Slack-like receiver, a webhook whose
URL carries userinfo and a token (once failing, then succeeding), and an e-mail address through an
SMTP server that requires AUTH; then every line it wrote is read back. httpx's own request lines are
among them, with the URL redacted; neither the SMTP password nor the mail's unsubscribe token is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.common.redact import redact_url
from newswatch_alert.delivery.channels import AnyChannel, EmailChannel, SlackChannel, WebhookChannel
from newswatch_alert.delivery.consent import consent_id
from newswatch_cli.embedded import free_port
from newswatch_shared.schemas import utcnow
from tests.integration.alert.delivery_support import (
    Mail,
    Receiver,
    alert_for,
    consent_given,
    receiving,
    smtp_server,
)
from tests.integration.alert.support import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

SLACK_PATH = "/services/T0SECRETT/B0SECRETB/slackSecretPathPart"
SMTP_LOGIN = ("mailer", "smtpPasswordSecret")
SECRETS = [
    "smtpPasswordSecret",
    "c210cFBhc3N3b3JkU2VjcmV0",  # the password in base64, as AUTH PLAIN/LOGIN send it
    "T0SECRETT",
    "B0SECRETB",
    "slackSecretPathPart",
    "hookUserSecret",
    "hookPwSecret",
    "queryTokenSecret",
]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[Mail]]]:
    with smtp_server(SMTP_LOGIN) as server:
        yield server


def start_deliverer(redis_url: str, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NEWSWATCH_ALERT_ROLES": "deliver",
        "NEWSWATCH_REDIS_URL": redis_url,
        "NEWSWATCH_ALERT_PORT": str(free_port()),
        "NEWSWATCH_LOG_FORMAT": "json",
        "NEWSWATCH_LOG_LEVEL": "DEBUG",
        "NEWSWATCH_ALERT_BACKOFF_BASE_S": "0.05",
        "NEWSWATCH_ALERT_BACKOFF_CAP_S": "0.2",
        "NEWSWATCH_ALERT_DELIVERY_POLL_S": "0.05",
        "NEWSWATCH_ALERT_WEBHOOK_TIMEOUT_S": "2",
        "NEWSWATCH_ALERT_DELIVERY_LEASE_S": "8",
        "NEWSWATCH_ALERT_SLACK_HOSTS": "127.0.0.1",  # the Slack-like receiver is local
        **extra,
    }
    exe = Path(sys.executable).with_name("newswatch-alert")
    with log.open("wb") as out:
        return subprocess.Popen([str(exe)], env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


async def test_no_delivery_secret_reaches_the_log(
    redis_url: str,
    redis_client: Redis,
    receiver: Receiver,
    smtp: tuple[int, list[Mail]],
    tmp_path: Path,
) -> None:
    smtp_port, mails = smtp
    await consent_given(redis_client, "u1", "desk@example.org")
    token = await redis_client.hget(f"email:consent:{consent_id('u1', 'desk@example.org')}", "token")
    assert token
    port = receiver.server.server_address[1]
    slack_url = receiver.url(SLACK_PATH)
    hook_url = f"http://hookUserSecret:hookPwSecret@127.0.0.1:{port}/hook?token=queryTokenSecret"
    receiver.script[SLACK_PATH] = [(500, {})]  # one failure: the "will retry" line is written too
    channels: list[AnyChannel] = [
        SlackChannel(id="slack", url=slack_url),
        WebhookChannel(id="hook", url=hook_url, secret="a-webhook-secret-for-tests"),
        EmailChannel(id="mail", to=["desk@example.org"]),
    ]
    store = AlertStore(redis_client, 3600, 50)
    await store.create(alert_for("secret-1", utcnow()), channels, utcnow())

    log = tmp_path / "alert.log"
    proc = start_deliverer(
        redis_url,
        log,
        NEWSWATCH_ALERT_SMTP_HOST="127.0.0.1",
        NEWSWATCH_ALERT_SMTP_PORT=str(smtp_port),
        NEWSWATCH_ALERT_SMTP_STARTTLS="false",
        NEWSWATCH_ALERT_SMTP_USERNAME=SMTP_LOGIN[0],
        NEWSWATCH_ALERT_SMTP_PASSWORD=SMTP_LOGIN[1],
        NEWSWATCH_ALERT_PUBLIC_URL="http://newswatch.test",
    )
    try:

        async def delivered() -> bool:
            assert proc.poll() is None, log.read_text()
            states = [d.status for v in await store.list_for("u1", 10) for d in v.deliveries]
            return states == ["delivered", "delivered", "delivered"]

        await eventually(delivered, timeout_s=60, what="both deliveries")
    finally:
        stop(proc)

    assert len(receiver.received(SLACK_PATH)) == 2
    assert len(receiver.received("/hook?token=queryTokenSecret")) == 1
    (mail,) = mails  # AUTH succeeded: the password was used, yet logged nowhere
    assert str(token) in mail.message["List-Unsubscribe"]
    lines = log.read_text().splitlines()
    records: list[dict[str, Any]] = [json.loads(line) for line in lines]  # every line is JSON
    leaked = [(secret, line) for line in lines for secret in [*SECRETS, str(token)] if secret in line]
    assert leaked == []
    messages = [r["message"] for r in records]
    requests = [m for m in messages if m.startswith("HTTP Request: POST")]
    assert len(requests) == 3  # httpx logged each POST, with the URL redacted
    assert any(redact_url(slack_url) in m for m in requests)
    assert any(f"delivered to {redact_url(slack_url)}" in m for m in messages)
    assert any(f"delivered to {redact_url(hook_url)}" in m for m in messages)
    assert any("will retry" in m for m in messages)

    # GET /alerts shows the same redacted form (the owner has the URL itself in GET /watchlists).
    shown = {d.channel_id: d.url for v in await store.list_for("u1", 10) for d in v.deliveries}
    assert shown == {
        "slack": redact_url(slack_url),
        "hook": redact_url(hook_url),
        "mail": "mailto:desk@example.org",
    }
