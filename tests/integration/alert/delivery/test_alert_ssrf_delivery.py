"""The deliver role and the egress guard: a webhook or Slack channel the rules refuse is never sent,
and its delivery is dead at the first attempt with a clear ``last_error``.

The alerts are stored directly (a watchlist saved before the rules, or a name that now resolves
elsewhere), because the API would refuse such URLs when saved. The receiver listens on 127.0.0.1,
where every refused URL here leads, so anything the guard let through would be recorded.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.delivery.channels import SlackChannel, WebhookChannel
from newswatch_alert.delivery.models import DeliveryState
from newswatch_alert.settings import AlertSettings
from newswatch_shared.schemas import utcnow
from tests.integration.alert.delivery_support import alert_for
from tests.integration.alert.support import Receiver, eventually, serving

pytestmark = pytest.mark.integration

SECRET = "a-webhook-secret-for-tests"
HINT = "(set NEWSWATCH_ALLOW_PRIVATE_URLS=true to allow)"


async def _settled(store: AlertStore, alert_id: str) -> dict[str, DeliveryState] | None:
    view = await store.get("u1", alert_id)
    if view is None or any(d.status in ("pending", "failed") for d in view.deliveries):
        return None
    return {d.channel_id: d for d in view.deliveries}


async def test_refused_destinations_are_dead_at_once_and_receive_nothing(
    settings: AlertSettings, redis_client: Redis, receiver: Receiver
) -> None:
    strict = settings.model_copy(update={"alert_roles": "deliver", "allow_private_urls": False})
    store = AlertStore(redis_client, 86400, 100)
    port = receiver.server.server_address[1]
    now: datetime = utcnow()
    alert = alert_for("refused", now)
    channels = [
        WebhookChannel(id="address", url=receiver.url("/ok"), secret=SECRET),
        WebhookChannel(id="name", url=f"http://localhost:{port}/ok", secret=SECRET),
        SlackChannel(id="slack", url=receiver.url("/ok")),  # not on Slack's hosts
    ]
    await store.create(alert, channels, now)
    async with serving(strict):
        states = await eventually(lambda: _settled(store, alert.id), what="the deliveries to end")
    assert {k: (s.status, s.attempts) for k, s in states.items()} == {
        "address": ("dead", 1),  # max attempts is 3: a refusal is not retried
        "name": ("dead", 1),
        "slack": ("dead", 1),
    }
    assert states["address"].last_error == f"refused: 127.0.0.1 is a loopback address {HINT}"
    assert states["name"].last_error == f"refused: localhost resolves to 127.0.0.1, a loopback address {HINT}"
    assert (states["slack"].last_error or "").startswith(
        "not a Slack incoming-webhook URL: the host must be hooks.slack-gov.com, hooks.slack.com"
    )
    assert receiver.received() == []


async def test_with_the_allowance_the_same_receiver_gets_the_alert(
    settings: AlertSettings, redis_client: Redis, receiver: Receiver
) -> None:
    allowing = settings.model_copy(update={"alert_roles": "deliver", "allow_private_urls": True})
    store = AlertStore(redis_client, 86400, 100)
    now = utcnow()
    alert = alert_for("allowed", now)
    await store.create(alert, [WebhookChannel(id="address", url=receiver.url("/ok"), secret=SECRET)], now)
    async with serving(allowing):
        states = await eventually(lambda: _settled(store, alert.id), what="the delivery to end")
    assert (states["address"].status, states["address"].last_error) == ("delivered", None)
    assert len(receiver.received("/ok")) == 1
