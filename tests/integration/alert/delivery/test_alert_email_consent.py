"""E-mail double opt-in through the served app (api and deliver roles), real Redis and a real SMTP
server (aiosmtpd): a watchlist naming an address sends it ONE confirmation mail; nothing else reaches
it until its link is followed; then alerts do, each with an unsubscribe link and RFC 8058 headers; the
one-click unsubscribe stops them, and the account cannot ask the address again."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.delivery.channels import EmailChannel
from newswatch_alert.delivery.consent import consent_id
from newswatch_alert.delivery.models import DeliveryState
from newswatch_alert.settings import AlertSettings
from newswatch_shared.schemas import utcnow
from tests.integration.alert.delivery_support import Mail, alert_for, smtp_server
from tests.integration.alert.support import ADMIN_TOKEN, admin, bearer, eventually, serving

pytestmark = pytest.mark.integration

PUBLIC = "http://newswatch.test"  # the links' base; the test follows them on the served app
DESK = "desk@example.org"
WATCHLIST: dict[str, Any] = {
    "name": "Border",
    "keywords": ["troops"],
    "channels": [{"type": "email", "to": [DESK]}],
}


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[Mail]]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def api(redis_url: str, smtp: tuple[int, list[Mail]]) -> AsyncIterator[httpx.AsyncClient]:
    settings = AlertSettings(
        admin_token=ADMIN_TOKEN,
        redis_url=redis_url,
        alert_roles="api,deliver",  # no Kafka: alerts are written below as the match role would
        alert_smtp_host="127.0.0.1",
        alert_smtp_port=smtp[0],
        alert_smtp_starttls=False,
        alert_public_url=PUBLIC,
        alert_email_confirm_interval_s=3600,
        alert_delivery_poll_s=0.05,
        alert_webhook_timeout_s=2,
        alert_delivery_lease_s=8,
    )
    async with serving(settings) as client:
        yield client


def link(text: str, path: str) -> str:
    """The link to ``path`` in a mail's text, as a path on the served app."""
    found = re.search(re.escape(PUBLIC + path) + r"\?token=[A-Za-z0-9_-]+", text)
    assert found, text
    return found.group(0)[len(PUBLIC) :]


def text_of(mail: Mail) -> str:
    body = mail.message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def consent_of(api: httpx.AsyncClient, key: dict[str, str], watchlist_id: str) -> dict[str, str]:
    response = await api.get(f"/watchlists/{watchlist_id}", headers=key)
    found: dict[str, str] = response.json()["channels"][0]["consent"]
    return found


async def test_an_address_gets_alerts_only_between_its_confirmation_and_its_unsubscribe(
    api: httpx.AsyncClient, redis_client: Redis, smtp: tuple[int, list[Mail]]
) -> None:
    _, mails = smtp
    user = (await api.post("/users", json={"name": "ana"}, headers=admin())).json()
    ana, ana_id = bearer(user["api_key"]), user["id"]
    created = await api.post("/watchlists", json=WATCHLIST, headers=ana)
    assert created.status_code == 201 and created.json()["channels"][0]["consent"] == {DESK: "pending"}
    watchlist = created.json()
    channel = EmailChannel(id=watchlist["channels"][0]["id"], to=[DESK])

    (ask,) = await eventually(lambda: _mails(mails), what="the confirmation mail")
    assert ask.recipients == [DESK]
    assert ask.message["Subject"] == "[newswatch] Confirm that you want news alerts at this address"
    assert ask.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    confirm = link(text_of(ask), "/email/confirm")

    # Saving again, or a second watchlist naming the address, asks nothing more while it is pending.
    assert (
        await api.patch(f"/watchlists/{watchlist['id']}", json={"name": "B"}, headers=ana)
    ).status_code == 200
    assert (await api.post("/watchlists", json={**WATCHLIST, "name": "Two"}, headers=ana)).status_code == 201

    # Unconfirmed: an alert is not mailed; its delivery says why.
    store = AlertStore(redis_client, 3600, 50)
    first = alert_for("c1", utcnow(), user_id=ana_id, watchlist_id=watchlist["id"])
    await store.create(first, [channel], utcnow())
    state = await eventually(lambda: _final(store, ana_id, first.id), what="the unconfirmed delivery")
    assert (state.status, state.attempts, state.unconfirmed) == ("unconfirmed", 0, [DESK])
    shown = (await api.get(f"/alerts/{first.id}", headers=ana)).json()["deliveries"][0]
    assert (shown["status"], shown["unconfirmed"]) == ("unconfirmed", [DESK])
    assert len(mails) == 1  # the one confirmation mail, nothing else

    # Following the link: the page only asks (a mail scanner fetching it confirms nothing); the button does.
    page = await api.get(confirm)
    assert page.status_code == 200 and "<button" in page.text and DESK in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert await consent_of(api, ana, watchlist["id"]) == {DESK: "pending"}
    done = await api.post(confirm)
    assert done.status_code == 200 and "Confirmed" in done.text
    assert await consent_of(api, ana, watchlist["id"]) == {DESK: "confirmed"}

    second = alert_for("c2", utcnow(), user_id=ana_id, watchlist_id=watchlist["id"])
    await store.create(second, [channel], utcnow())
    state = await eventually(lambda: _final(store, ana_id, second.id), what="the delivered alert")
    assert state.status == "delivered"
    alert_mail = mails[1]
    assert alert_mail.recipients == [DESK] and alert_mail.message["X-Newswatch-Alert-Id"] == second.id
    header = alert_mail.message["List-Unsubscribe"]
    unsubscribe = link(header, "/email/unsubscribe")
    assert alert_mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text_of(alert_mail)

    # RFC 8058 one-click: the mail client POSTs to the header's URL.
    one_click = await api.post(
        unsubscribe,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200 and "Unsubscribed" in one_click.text
    assert await consent_of(api, ana, watchlist["id"]) == {DESK: "unsubscribed"}

    third = alert_for("c3", utcnow(), user_id=ana_id, watchlist_id=watchlist["id"])
    await store.create(third, [channel], utcnow())
    state = await eventually(lambda: _final(store, ana_id, third.id), what="the third delivery")
    assert state.status == "unconfirmed"
    # Unsubscribed is final for the account: saving the watchlist does not ask the address again.
    await api.patch(f"/watchlists/{watchlist['id']}", json={"name": "C"}, headers=ana)
    assert await consent_of(api, ana, watchlist["id"]) == {DESK: "unsubscribed"}
    assert len(mails) == 2

    assert (await api.get("/email/confirm", params={"token": "x" * 43})).status_code == 404


async def test_confirmation_mails_to_one_address_are_rate_limited_across_users(
    api: httpx.AsyncClient, redis_client: Redis, smtp: tuple[int, list[Mail]]
) -> None:
    _, mails = smtp
    ids = []
    for name in ("ana", "bo"):
        user = (await api.post("/users", json={"name": name}, headers=admin())).json()
        ids.append(user["id"])
        assert (
            await api.post("/watchlists", json=WATCHLIST, headers=bearer(user["api_key"]))
        ).status_code == 201

    async def held() -> DeliveryState | None:
        raw = await redis_client.hget(f"email:consent:{consent_id(ids[1], DESK)}", "confirm")
        state = DeliveryState.model_validate_json(raw) if raw else None
        return state if state is not None and state.rate_limited_until is not None else None

    state = await eventually(held, what="bo's confirmation held back by the address's limit")
    assert state.rate_limited_until is not None
    assert (state.rate_limited_until - utcnow()).total_seconds() > 3000  # one per hour to an address
    assert [m.recipients for m in mails] == [[DESK]]  # ana's; bo's waits for its slot


async def _mails(mails: list[Mail]) -> list[Mail] | None:
    return list(mails) if mails else None


async def _final(store: AlertStore, user_id: str, alert_id: str) -> DeliveryState | None:
    view = await store.get(user_id, alert_id)
    if view is None or view.deliveries[0].status in ("pending", "failed"):
        return None
    return view.deliveries[0]
