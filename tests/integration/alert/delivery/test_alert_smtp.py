"""E-mail channels against a real SMTP server (aiosmtpd on a free port) and real Redis.

Every address here has consented first (``consent_given``, the real consent store without the mail);
the double opt-in itself is tested in test_alert_email_consent.py."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.delivery.channels import EmailChannel
from newswatch_alert.delivery.email import SmtpConfig
from newswatch_alert.delivery.outbox import Outbox
from newswatch_alert.delivery.policy import RetryPolicy
from newswatch_alert.delivery.senders import Senders
from newswatch_alert.delivery.worker import Deliverer
from tests.integration.alert.delivery_support import (
    Clock,
    Mail,
    alert_for,
    consent_given,
    mailer,
    smtp_server,
)

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 12, 10, tzinfo=UTC)
SENDER = "newswatch <alerts@newswatch.example.org>"


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[Mail]]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def worker(redis: Redis, http: httpx.AsyncClient, clock: Clock, config: SmtpConfig | None) -> Deliverer:
    return Deliverer(
        Outbox(redis, lease_ms=60_000),
        Senders(http, mailer(redis, config) if config else None, timeout_s=5),
        RetryPolicy(max_attempts=2, base_s=1.0, cap_s=10.0),
        poll_s=0.05,
        concurrency=4,
        rng=random.Random(5),
        clock=clock,
    )


async def one_round(redis: Redis, deliverer: Deliverer, clock: Clock) -> None:
    for entry in await Outbox(redis, lease_ms=60_000).claim_due(clock.ms(), 100):
        await deliverer.deliver(entry)


async def test_an_alert_is_one_multipart_mail_per_recipient_whose_repeat_is_recognisable(
    redis_client: Redis, http: httpx.AsyncClient, smtp: tuple[int, list[Mail]]
) -> None:
    port, mails = smtp
    config = SmtpConfig(host="127.0.0.1", port=port, sender=SENDER, starttls=False)
    clock = Clock(T0)
    store = AlertStore(redis_client, 3600, 50)
    alert = alert_for("mail-1", T0, title="Convoy & <armour> seen near the crossing")
    channel = EmailChannel(id="mail", to=["desk@example.org", "duty@example.org"])
    await consent_given(redis_client, "u1", *channel.to)
    await store.create(alert, [channel], T0)

    # The repeat window: the first send reached the server, then the worker died before recording.
    (entry,) = await Outbox(redis_client, lease_ms=60_000).claim_due(clock.ms(), 10)
    sending = mailer(redis_client, config)
    recipients = await sending.consents.recipients("u1", channel.to, T0)
    assert (await Senders(http, sending, timeout_s=5).send(entry, T0, recipients)).error is None
    await redis_client.delete(f"outbox:lease:{entry.member}")  # as if its lease had run out...
    clock.advance(seconds=61)  # ...and its time had passed
    await one_round(redis_client, worker(redis_client, http, clock, config), clock)

    # One message per recipient (each has its own unsubscribe link), the same again on the repeat.
    assert [m.recipients for m in mails] == [["desk@example.org"], ["duty@example.org"]] * 2
    first, repeat = mails[0], mails[2]
    assert first.sender == "alerts@newswatch.example.org"
    message = first.message
    ids = {m.message["Message-ID"] for m in mails}
    assert ids == {f"<alert.{alert.id}@newswatch.example.org>"}
    assert message["Date"] == repeat.message["Date"]
    assert message["X-Newswatch-Alert-Id"] == alert.id
    assert message["Subject"] == "[newswatch] Eastern border: Convoy & <armour> seen near the crossing"
    assert message.get_content_type() == "multipart/alternative"
    unsubscribe = {m.message["List-Unsubscribe"] for m in mails}
    assert len(unsubscribe) == 2 and all(
        u.startswith("<http://newswatch.test/email/unsubscribe?token=") for u in unsubscribe
    )
    assert {m.message["List-Unsubscribe-Post"] for m in mails} == {"List-Unsubscribe=One-Click"}
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert alert.url in text.get_content() and "Why it matched:" in text.get_content()
    assert message["List-Unsubscribe"][1:-1] in text.get_content()
    assert "Convoy &amp; &lt;armour&gt;" in html.get_content() and "<armour>" not in html.get_content()

    ((state,),) = [v.deliveries for v in await store.list_for("u1", 10)]
    assert (state.type, state.status, state.url, state.unconfirmed) == (
        "email",
        "delivered",
        "mailto:desk@example.org,duty@example.org",
        [],
    )


async def test_refusals_and_missing_configuration_are_failures_then_dead(
    redis_client: Redis, http: httpx.AsyncClient, smtp: tuple[int, list[Mail]]
) -> None:
    port, mails = smtp
    clock = Clock(T0)
    store = AlertStore(redis_client, 3600, 50)
    plain = SmtpConfig(host="127.0.0.1", port=port, sender=SENDER, starttls=False)
    needs_tls = SmtpConfig(host="127.0.0.1", port=port, sender=SENDER, starttls=True)

    async def state_of(channel: EmailChannel, config: SmtpConfig | None) -> tuple[str, int, str | None]:
        await one_round(redis_client, worker(redis_client, http, clock, config), clock)
        found = {d.channel_id: d for v in await store.list_for("u1", 10) for d in v.deliveries}
        return found[channel.id].status, found[channel.id].attempts, found[channel.id].last_error

    await consent_given(redis_client, "u1", "refuse@example.org", "desk@example.org")
    refused = EmailChannel(id="ref", to=["refuse@example.org"])
    await store.create(alert_for("m-ref", T0), [refused], T0)
    assert await state_of(refused, plain) == ("failed", 1, "SMTP recipients refused (550)")
    clock.advance(seconds=60)
    assert await state_of(refused, plain) == ("dead", 2, "SMTP recipients refused (550)")

    tls = EmailChannel(id="tls", to=["desk@example.org"])
    await store.create(alert_for("m-tls", T0, watchlist_id="w2"), [tls], T0)
    status, attempts, error = await state_of(tls, needs_tls)  # this server offers no STARTTLS
    assert (status, attempts) == ("failed", 1) and "STARTTLS" in (error or "")

    unset = EmailChannel(id="unset", to=["desk@example.org"])
    await store.create(alert_for("m-unset", T0, watchlist_id="w3"), [unset], T0)
    assert await state_of(unset, None) == (
        "failed",
        1,
        "e-mail is not configured (NEWSWATCH_ALERT_SMTP_HOST is unset)",
    )
    assert mails == []


async def test_a_daily_digest_is_one_mail(
    redis_client: Redis, http: httpx.AsyncClient, smtp: tuple[int, list[Mail]]
) -> None:
    port, mails = smtp
    config = SmtpConfig(host="127.0.0.1", port=port, sender=SENDER, starttls=False)
    clock = Clock(T0)
    store = AlertStore(redis_client, 86400, 50, digest_grace_s=0)
    channel = EmailChannel(id="mail", to=["desk@example.org"])
    await consent_given(redis_client, "u1", "desk@example.org")
    alerts = [alert_for(f"dd{i}", T0) for i in range(4)]
    for alert in alerts:
        await store.create(alert, [channel], T0, digest="daily")
    clock.now = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    await one_round(redis_client, worker(redis_client, http, clock, config), clock)

    (mail,) = mails
    assert mail.message["Subject"] == "[newswatch] Eastern border: 4 alerts, 2026-11-20 (UTC)"
    assert mail.message["Message-ID"].startswith("<digest.") and mail.message["X-Newswatch-Digest-Id"]
    text = mail.message.get_body(("plain",))
    assert text is not None and all(a.url in text.get_content() for a in alerts)
