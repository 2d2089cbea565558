"""articles.enriched → match → alert → webhook, against the real broker, Redis and an HTTP receiver."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.common.redact import redact_url
from newswatch_alert.delivery.signing import verify
from newswatch_alert.delivery.webhook import USER_AGENT
from newswatch_alert.settings import AlertSettings
from newswatch_cli.embedded import free_port
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import AlertEvent, encode
from newswatch_shared.topics import ALERTS, DEAD_LETTER
from tests.integration.alert.support import (
    NOW,
    TITLE,
    Receiver,
    bearer,
    border_article,
    committed,
    drain,
    eventually,
    new_user,
    produce,
    produce_articles,
)

pytestmark = pytest.mark.integration


async def watch(api: httpx.AsyncClient, key: dict[str, str], *urls: str, **over: Any) -> dict[str, Any]:
    body = {
        "name": "Eastern border",
        "entities": ["Ukraine"],
        "keywords": ["troops"],
        "channels": [{"type": "webhook", "url": u} for u in urls],
        **over,
    }
    response = await api.post("/watchlists", json=body, headers=key)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def alerts_of(api: httpx.AsyncClient, key: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.get("/alerts", headers=key)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["alerts"]
    return found


async def test_article_becomes_one_signed_delivery_even_when_redelivered(
    api: httpx.AsyncClient, settings: AlertSettings, receiver: Receiver, redis_client: Redis
) -> None:
    key = bearer(await new_user(api, "ana"))
    watchlist = await watch(api, key, receiver.url("/ok"))
    secret = watchlist["channels"][0]["secret"]
    article = border_article()

    await produce_articles(settings, article)

    async def one_delivery() -> bool:
        return len(receiver.received()) >= 1

    await eventually(one_delivery, what="the webhook POST")
    (post,) = receiver.received()
    alert_id = stable_id(watchlist["id"], article.id)
    assert verify(secret, post.body, post.headers, now=time.time())
    assert post.headers["content-type"] == "application/json"
    assert post.headers["idempotency-key"] == post.headers["x-newswatch-alert-id"] == alert_id
    assert post.headers["user-agent"] == USER_AGENT
    event = AlertEvent.model_validate_json(post.body)
    assert (event.id, event.article_id, event.title, event.source) == (
        alert_id,
        article.id,
        TITLE,
        "Example Wire",
    )
    assert event.matched_entities == ["Ukraine"] and event.matched_keywords == ["troops"]
    assert any("troops" in r for r in event.reasons) and TITLE in event.sentences

    async def delivered() -> list[dict[str, Any]] | None:
        alerts = await alerts_of(api, key)
        return alerts if alerts and alerts[0]["deliveries"][0]["status"] == "delivered" else None

    (alert,) = await eventually(delivered, what="GET /alerts to show the delivery")
    (status,) = alert["deliveries"]
    assert alert["id"] == alert_id and alert["matched_keywords"] == ["troops"]
    assert status["attempts"] == 1 and status["delivered_at"]
    assert status["url"] == redact_url(receiver.url("/ok"))  # no credential in a status list
    assert "secret" not in status

    (shown,) = (await api.get("/articles")).json()["articles"]
    assert (shown["id"], shown["title"], shown["source"], shown["score"]) == (
        article.id,
        TITLE,
        "Example Wire",
        42.0,
    )
    assert [e["canonical"] for e in shown["entities"]] == ["Ukraine", "Kyiv", "Geneva"]
    assert shown["escalation"][0]["term"] == "troops" and "contributions" in shown

    # The same article again (a redelivery): no second alert, outbox entry or POST.
    await produce_articles(settings, article)

    async def both_committed() -> bool:
        return await committed(settings) >= 2

    await eventually(both_committed, what="the second message's offset to be committed")
    assert await redis_client.zcard("outbox") == 0
    assert len(receiver.received()) == 1
    assert [a["id"] for a in await alerts_of(api, key)] == [alert_id]
    # The alerts topic carries the event again (at-least-once, see handler.py): same bytes, same id.
    events = await drain(settings, ALERTS, 2)
    assert {value for value, _ in events} == {encode(event)}
    assert {headers["alert_id"] for _, headers in events} == {alert_id.encode()}

    # A deleted watchlist stops matching at once: the next matching article makes no alert.
    assert (await api.delete(f"/watchlists/{watchlist['id']}", headers=key)).status_code == 204
    await produce_articles(settings, border_article("border-2", published_at=NOW + timedelta(hours=1)))

    async def third_committed() -> bool:
        return await committed(settings) >= 3

    await eventually(third_committed, what="the third message's offset to be committed")
    assert len(receiver.received()) == 1
    assert len(await alerts_of(api, key)) == 1
    assert [a["id"] for a in (await api.get("/articles")).json()["articles"]] == ["border-2", "border-1"]


async def test_failing_receivers_are_retried_then_delivered_or_dead(
    api: httpx.AsyncClient, settings: AlertSettings, receiver: Receiver, redis_client: Redis
) -> None:
    key = bearer(await new_user(api, "bo"))
    refused = f"http://127.0.0.1:{free_port()}/nobody-listens"  # connection refused
    watchlist = await watch(api, key, receiver.url("/flaky"), receiver.url("/slow"), refused)
    flaky, slow, closed = (c["id"] for c in watchlist["channels"])

    await produce_articles(settings, border_article())

    async def settled() -> dict[str, dict[str, Any]] | None:
        alerts = await alerts_of(api, key)
        if not alerts:
            return None
        states = {d["channel_id"]: d for d in alerts[0]["deliveries"]}
        return states if all(s["status"] in ("delivered", "dead") for s in states.values()) else None

    states = await eventually(settled, timeout_s=60, what="every channel to be delivered or dead")
    assert states[flaky]["status"] == "delivered" and states[flaky]["attempts"] == 3
    assert states[flaky]["last_error"] == "HTTP 503"  # the last failure is kept for the record
    assert states[slow]["status"] == "dead" and states[slow]["attempts"] == 3
    assert states[slow]["last_error"].startswith("timeout")
    assert states[closed]["status"] == "dead" and states[closed]["attempts"] == 3
    assert states[closed]["last_error"].startswith("connection failed")

    posts = receiver.received("/flaky")
    assert len(posts) == 3
    assert len({p.body for p in posts}) == 1 and len({p.headers["idempotency-key"] for p in posts}) == 1
    assert len(receiver.received("/slow")) == 3
    assert await redis_client.zcard("outbox") == 0


async def test_invalid_message_is_dead_lettered_and_the_next_is_handled(
    api: httpx.AsyncClient, settings: AlertSettings
) -> None:
    await produce(settings, b"{this is not an article", key=b"broken")
    await produce(settings, json.dumps({"schema_version": 1, "article": {"id": "x"}}).encode(), key=b"half")
    await produce_articles(settings, border_article("after-the-bad-ones"))

    letters = await drain(settings, DEAD_LETTER, 2)
    assert [v for v, _ in letters][0] == b"{this is not an article"
    assert all(h["reason"] == b"schema" and b"validation error" in h["error"] for _, h in letters)
    assert all(h["service"] == b"alert" for _, h in letters)

    async def stored() -> list[dict[str, Any]] | None:
        articles: list[dict[str, Any]] = (await api.get("/articles")).json()["articles"]
        return articles or None

    assert [a["id"] for a in await eventually(stored, what="the valid article")] == ["after-the-bad-ones"]
