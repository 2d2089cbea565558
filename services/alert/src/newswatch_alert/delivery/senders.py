"""Sending one claimed outbox entry over its channel, and classifying what came back.

The formatting lives in ``webhook``, ``slack`` and ``email``; this module does the I/O (one shared
httpx client for webhooks and Slack; e-mail through ``mailer``) and turns every outcome into a
:class:`SendResult`: accepted, or a short stable error (``HTTP 503``, ``timeout (ReadTimeout)``,
``connection failed: …``, ``SMTP 550: …``) plus the receiver's ``Retry-After`` when it gave one.

Some failures are ``final``: waiting cannot mend them, so the delivery is dead at once. They are a
destination the rules refuse (``delivery.destinations``): an address the egress guard refused
(``refused: hooks.example resolves to 10.0.0.5, a private address …``) and a Slack channel whose
URL is not on a Slack host. Neither sent a byte to the destination.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime

import httpx

from newswatch_alert.common import metrics
from newswatch_alert.common.redact import redact_text
from newswatch_alert.delivery import slack, webhook
from newswatch_alert.delivery.channels import EmailChannel, SlackChannel, WebhookChannel
from newswatch_alert.delivery.consent import Recipients
from newswatch_alert.delivery.destinations import DEFAULT_SLACK_HOSTS, slack_host_problem
from newswatch_alert.delivery.mailer import Mailer
from newswatch_alert.delivery.outbox import Claimed
from newswatch_shared.egress import EgressRefused
from newswatch_shared.retry import parse_retry_after
from newswatch_shared.schemas import AlertEvent

__all__ = ["SendResult", "Senders", "describe_failure"]


@dataclass(frozen=True)
class SendResult:
    error: str | None = None  # None: the receiver accepted it
    retry_after_s: float | None = None
    #: The failure cannot be mended by trying again (a refused destination): dead at once.
    final: bool = False


def describe_failure(response: httpx.Response | None, error: Exception | None) -> str | None:
    """A short, stable description of why a POST failed; None when it succeeded. An error's text may
    quote the URL (the channel's credential): it is redacted."""
    if error is not None:
        if isinstance(error, EgressRefused):
            return str(error)[:300]
        if isinstance(error, httpx.TimeoutException):
            return f"timeout ({type(error).__name__})"
        if isinstance(error, httpx.ConnectError):
            return redact_text(f"connection failed: {error}")[:300]
        return redact_text(f"{type(error).__name__}: {error}")[:300]
    assert response is not None
    if response.is_success:
        return None
    return f"HTTP {response.status_code}"


class Senders:
    """Sends an entry over its channel type; ``mailer`` None makes e-mail deliveries fail (and retry).

    ``http`` should be the deliver role's guarded client (``newswatch_shared.egress``): the address
    check happens there, at connection time. ``slack_hosts`` are the hosts Slack channels may post to.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        mailer: Mailer | None,
        timeout_s: float,
        *,
        slack_hosts: frozenset[str] = DEFAULT_SLACK_HOSTS,
    ) -> None:
        self._http = http
        self.mailer = mailer
        self._timeout_s = timeout_s
        self._slack_hosts = slack_hosts

    async def send(self, entry: Claimed, now: datetime, recipients: Recipients | None = None) -> SendResult:
        """One attempt. An e-mail alert or digest goes to ``recipients.confirmed`` (the worker sorted
        them); a confirmation entry to its address."""
        assert entry.item is not None
        channel = entry.item.target()
        started = time.perf_counter()
        try:
            if isinstance(channel, EmailChannel):
                return await self._email(entry, recipients)
            if isinstance(channel, SlackChannel):
                wrong_host = slack_host_problem(channel.url, self._slack_hosts)
                if wrong_host is not None:
                    return SendResult(wrong_host, final=True)
                message = (
                    slack.digest_message(entry.digest) if entry.digest else slack.alert_message(_alert(entry))
                )
                body = json.dumps(message, ensure_ascii=False).encode("utf-8")
                headers = {"Content-Type": "application/json", "Idempotency-Key": entry.item.subject_id}
                return await self._post(channel.url, body, headers, now)
            return await self._webhook(entry, channel, now)
        finally:
            metrics.DELIVERY_SECONDS.labels(channel.type).observe(time.perf_counter() - started)

    async def _webhook(self, entry: Claimed, channel: WebhookChannel, now: datetime) -> SendResult:
        assert entry.item is not None
        if entry.digest is not None:
            body = webhook.digest_body(entry.digest)
        else:
            body = (entry.alert_json or "").encode("utf-8")  # the stored JSON, byte for byte
        headers = webhook.headers(
            channel.secret,
            body,
            entry.item.subject_id,
            digest=entry.digest is not None,
            timestamp=int(now.timestamp()),  # this attempt's time: a retry is signed afresh
            alert=entry.alert_event,
        )
        return await self._post(channel.url, body, headers, now)

    async def _post(self, url: str, body: bytes, headers: dict[str, str], now: datetime) -> SendResult:
        response: httpx.Response | None = None
        error: Exception | None = None
        try:
            response = await self._http.post(url, content=body, headers=headers, timeout=self._timeout_s)
        except Exception as e:  # whatever stopped the POST (network, TLS, bad URL) is a failed attempt
            error = e
        failure = describe_failure(response, error)
        wait = None
        if failure is not None and response is not None and response.status_code in (429, 503):
            wait = parse_retry_after(response.headers.get("Retry-After"), now)
        return SendResult(failure, wait, final=isinstance(error, EgressRefused))

    async def _email(self, entry: Claimed, recipients: Recipients | None) -> SendResult:
        if self.mailer is None:
            return SendResult("e-mail is not configured (NEWSWATCH_ALERT_SMTP_HOST is unset)")
        if entry.consent is not None:
            return SendResult(await self.mailer.confirm(entry))
        return SendResult(await self.mailer.send(entry, recipients or Recipients()))


def _alert(entry: Claimed) -> AlertEvent:
    alert = entry.alert()
    assert alert is not None  # the worker sends only sendable entries
    return alert
