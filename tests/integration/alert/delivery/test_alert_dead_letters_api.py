"""Dead deliveries over the API, against the served app (api and deliver roles), real Redis and a real
receiver: listed to their owner only, redriven once however often asked, with the same Idempotency-Key,
and redriven in bulk by the admin after a receiver's outage."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.common.redact import redact_url
from newswatch_alert.delivery.channels import WebhookChannel
from newswatch_alert.settings import AlertSettings
from newswatch_shared.schemas import utcnow
from tests.integration.alert.delivery_support import Receiver, alert_for, receiving
from tests.integration.alert.support import ADMIN_TOKEN, admin, bearer, eventually, serving

pytestmark = pytest.mark.integration

SECRET = "a-webhook-secret-for-tests"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


@pytest.fixture
async def api(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = AlertSettings(
        admin_token=ADMIN_TOKEN,
        redis_url=redis_url,
        alert_roles="api,deliver",  # no Kafka: alerts are written below as the match role would
        alert_delivery_max_attempts=2,
        alert_backoff_base_s=0.05,
        alert_backoff_cap_s=0.1,
        alert_delivery_poll_s=0.05,
        alert_webhook_timeout_s=0.5,
        alert_delivery_lease_s=6.0,
    )
    async with serving(settings) as client:
        yield client


async def user(api: httpx.AsyncClient, name: str) -> tuple[str, dict[str, str]]:
    created = (await api.post("/users", json={"name": name}, headers=admin())).json()
    return created["id"], bearer(created["api_key"])


async def dead_of(api: httpx.AsyncClient, key: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.get("/deliveries/dead", headers=key)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["dead"]
    return found


async def test_an_owner_redrives_a_dead_delivery_once_with_the_same_key(
    api: httpx.AsyncClient, redis_client: Redis, receiver: Receiver
) -> None:
    ana_id, ana = await user(api, "ana")
    _, bo = await user(api, "bo")
    channel = WebhookChannel(id="hook", url=receiver.url("/down"), secret=SECRET)
    receiver.script["/down"] = [(503, {}), (500, {})]  # down for both attempts, then back
    alert = alert_for("dead-1", utcnow(), user_id=ana_id)
    store = AlertStore(redis_client, 3600, 50)
    await store.create(alert, [channel], utcnow())

    (dead,) = await eventually(lambda: dead_of(api, ana), what="the dead delivery")
    assert (dead["id"], dead["kind"], dead["subject_id"], dead["user_id"]) == (
        f"{alert.id}:hook",
        "alert",
        alert.id,
        ana_id,
    )
    assert (dead["reason"], dead["attempts"], dead["last_error"]) == ("attempts", 2, "HTTP 500")
    assert dead["destination"] == redact_url(channel.url) and dead["redriven_at"] is None
    assert await dead_of(api, bo) == []
    redrive = f"/deliveries/dead/{dead['id']}/redrive"
    theirs = await api.post(redrive, headers=bo)
    assert theirs.status_code == 404 and theirs.json() == {"detail": "dead delivery not found"}

    first, second = await api.post(redrive, headers=ana), await api.post(redrive, headers=ana)
    assert first.status_code == second.status_code == 202
    assert first.json()["redriven_at"] and first.json() == second.json()
    assert await dead_of(api, ana) == []

    async def delivered() -> bool:
        (view,) = await store.list_for(ana_id, 10)
        return view.deliveries[0].status == "delivered"

    await eventually(delivered, what="the redriven delivery")
    hits = receiver.received("/down")
    assert len(hits) == 3  # two failures, then exactly one redriven send, not two
    assert {h.headers["idempotency-key"] for h in hits} == {alert.id}
    (view,) = await store.list_for(ana_id, 10)
    assert (view.deliveries[0].attempts, view.deliveries[0].last_error) == (1, "HTTP 500")
    assert "deliveries_dead_lettered_total" in (await api.get("/metrics")).text


async def test_the_admin_redrives_everything_to_a_host_after_its_outage(
    api: httpx.AsyncClient, redis_client: Redis, receiver: Receiver
) -> None:
    store = AlertStore(redis_client, 3600, 50)
    receiver.script["/outage"] = [(503, {})] * 4
    users = [await user(api, name) for name in ("ana", "bo")]
    for i, (user_id, _) in enumerate(users):
        channel = WebhookChannel(id="hook", url=receiver.url("/outage"), secret=SECRET)
        await store.create(alert_for(f"outage-{i}", utcnow(), user_id=user_id), [channel], utcnow())

    async def both_dead() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = (
            await api.get("/admin/deliveries/dead", params={"host": "127.0.0.1"}, headers=admin())
        ).json()["dead"]
        return found if len(found) == 2 else None

    listed = await eventually(both_dead, what="both dead deliveries")
    assert {d["user_id"] for d in listed} == {u for u, _ in users}
    assert (
        await api.get("/admin/deliveries/dead", params={"host": "elsewhere.example"}, headers=admin())
    ).json()["dead"] == []
    assert (await api.get("/admin/deliveries/dead", headers=users[0][1])).status_code == 401

    body = {"channel": "webhook", "host": "127.0.0.1"}
    report = (await api.post("/admin/deliveries/dead/redrive", json=body, headers=admin())).json()
    assert report["matched"] == 2 and sorted(report["redriven"]) == sorted(d["id"] for d in listed)
    again = (await api.post("/admin/deliveries/dead/redrive", json=body, headers=admin())).json()
    assert again["matched"] == 0  # redriven ones are no longer listed, so not matched twice

    async def all_delivered() -> bool:
        states = [v.deliveries[0].status for u, _ in users for v in await store.list_for(u, 10)]
        return states == ["delivered", "delivered"]

    await eventually(all_delivered, what="both redriven deliveries")
    assert len(receiver.received("/outage")) == 6
