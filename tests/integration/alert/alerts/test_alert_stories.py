"""Stories through the served app: many outlets' copies of one report make one alert, notified as the
watchlist asks (first, every, escalation, min_sources), against the real broker, Redis and receiver."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.alerts.story import NotifyOptions
from newswatch_alert.settings import AlertSettings
from newswatch_alert.watchlists.match import build_alert, match
from newswatch_alert.watchlists.models import Watchlist
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import AlertEvent, EnrichedArticle, utcnow
from tests.integration.alert.support import (
    NOW,
    Receiver,
    bearer,
    border_article,
    committed,
    eventually,
    new_user,
    produce_articles,
)

pytestmark = pytest.mark.integration

SOURCES = [f"Outlet {c}" for c in "ABCDEFGHIJ"]
STORY = "story-wire-1"


def copy_of(n: int, score: float = 42.0, story: str = STORY) -> EnrichedArticle:
    """The n-th outlet's copy (1-based) of one wire report, grouped as enrich groups it."""
    base = border_article(f"copy-{n}", NOW + timedelta(minutes=n))
    raw = base.article.model_copy(update={"feed_title": SOURCES[n - 1], "feed_id": f"feed-{n}"})
    return base.model_copy(
        update={
            "article": raw,
            "score": score,
            "story_id": story,
            "story_sources": SOURCES[:n],
            "story_first_seen": NOW,
            "is_first": n == 1,
        }
    )


async def watch(api: httpx.AsyncClient, key: dict[str, str], url: str, **over: Any) -> str:
    body = {"name": "Border", "entities": ["Ukraine"], "channels": [{"type": "webhook", "url": url}], **over}
    response = await api.post("/watchlists", json=body, headers=key)
    assert response.status_code == 201, response.text
    watchlist_id: str = response.json()["id"]
    return watchlist_id


async def handled(settings: AlertSettings, n: int) -> None:
    async def done() -> bool:
        return await committed(settings) >= n

    await eventually(done, what=f"{n} messages to be handled")


async def alerts_of(api: httpx.AsyncClient, key: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.get("/alerts", headers=key)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["alerts"]
    return found


async def posts(receiver: Receiver, n: int) -> list[AlertEvent]:
    async def arrived() -> bool:
        return len(receiver.received()) >= n

    await eventually(arrived, what=f"{n} webhook POSTs")
    await asyncio.sleep(0.5)  # anything more would have come by now (the worker polls every 0.05 s)
    return [AlertEvent.model_validate_json(r.body) for r in receiver.received()]


async def test_five_copies_make_one_alert_and_one_post_and_a_redelivery_changes_nothing(
    api: httpx.AsyncClient, settings: AlertSettings, receiver: Receiver, redis_client: Redis
) -> None:
    key = bearer(await new_user(api, "ana"))
    watchlist_id = await watch(api, key, receiver.url("/ok"))
    await produce_articles(settings, *(copy_of(n) for n in range(1, 6)))
    await handled(settings, 5)

    (event,) = await posts(receiver, 1)
    alert_id = stable_id(watchlist_id, STORY)
    (post,) = receiver.received()
    assert post.headers["idempotency-key"] == post.headers["x-newswatch-alert-id"] == alert_id
    assert (event.id, event.story_id, event.notification, event.reason) == (alert_id, STORY, 1, "first")

    (alert,) = await alerts_of(api, key)
    assert (alert["id"], alert["copies"], alert["sources"]) == (alert_id, 5, SOURCES[:5])
    assert alert["article_id"] == "copy-5" and alert["source"] == "Outlet E"  # the newest copy
    assert alert["deliveries"][0]["status"] == "delivered"

    await produce_articles(settings, copy_of(3))  # a redelivered copy
    await handled(settings, 6)
    (again,) = await alerts_of(api, key)
    assert again == alert
    assert len(receiver.received()) == 1 and await redis_client.zcard("outbox") == 0


async def test_min_sources_sends_the_one_post_with_the_copy_that_corroborates(
    api: httpx.AsyncClient, settings: AlertSettings, receiver: Receiver
) -> None:
    key = bearer(await new_user(api, "bo"))
    await watch(api, key, receiver.url("/ok"), min_sources=3)
    await produce_articles(settings, copy_of(1), copy_of(2))
    await handled(settings, 2)
    await asyncio.sleep(0.5)
    assert receiver.received() == []
    (pending,) = await alerts_of(api, key)
    assert pending["pending"] is True and pending["deliveries"] == [] and pending["notification"] == 0

    await produce_articles(settings, copy_of(3))
    (event,) = await posts(receiver, 1)
    assert (event.reason, event.sources, event.copies, event.article_id) == (
        "corroborated",
        SOURCES[:3],
        3,
        "copy-3",
    )
    await produce_articles(settings, copy_of(4), copy_of(5))
    await handled(settings, 5)
    await asyncio.sleep(0.5)
    assert len(receiver.received()) == 1
    (alert,) = await alerts_of(api, key)
    assert alert["pending"] is False and alert["copies"] == 5


async def test_notify_every_posts_each_copy_under_its_own_idempotency_key(
    api: httpx.AsyncClient, settings: AlertSettings, receiver: Receiver
) -> None:
    key = bearer(await new_user(api, "cy"))
    watchlist_id = await watch(api, key, receiver.url("/ok"), notify="every")
    await produce_articles(settings, *(copy_of(n) for n in range(1, 6)))
    events = await posts(receiver, 5)
    alert_id = stable_id(watchlist_id, STORY)
    keys = sorted(r.headers["idempotency-key"] for r in receiver.received())
    assert keys == sorted([alert_id, *(f"{alert_id}-{n}" for n in range(2, 6))])
    assert {r.headers["x-newswatch-alert-id"] for r in receiver.received()} == {alert_id}
    assert sorted((e.notification, len(e.sources)) for e in events) == [(n, n) for n in range(1, 6)]
    assert [e.reason for e in sorted(events, key=lambda e: e.notification)] == ["first"] + ["every"] * 4

    async def all_delivered() -> bool:  # GET /alerts shows the latest notification's deliveries
        (alert,) = await alerts_of(api, key)
        return alert["notification"] == 5 and alert["deliveries"][0]["status"] == "delivered"

    await eventually(all_delivered, what="the fifth notification to show as delivered")


async def test_notify_escalation_posts_again_only_when_the_score_rose_by_the_threshold(
    api: httpx.AsyncClient, settings: AlertSettings, receiver: Receiver
) -> None:
    key = bearer(await new_user(api, "di"))
    await watch(api, key, receiver.url("/ok"), notify="escalation", notify_escalation_points=15)
    scores = [40, 50, 56, 60, 72]  # notifies at 40, then 56 (+16 over 40), then 72 (+16 over 56)
    await produce_articles(settings, *(copy_of(n, score=s) for n, s in enumerate(scores, 1)))
    events = sorted(await posts(receiver, 3), key=lambda e: e.notification)
    await handled(settings, 5)
    await asyncio.sleep(0.3)
    assert len(receiver.received()) == 3
    assert [(e.reason, e.score, e.article_id) for e in events] == [
        ("first", 40, "copy-1"),
        ("escalation", 56, "copy-3"),
        ("escalation", 72, "copy-5"),
    ]


def _watchlist(notify: str) -> Watchlist:
    return Watchlist.model_validate(
        {
            "id": f"wl-{notify}",
            "user_id": "u1",
            "name": "Border",
            "entities": ["Ukraine"],
            "keywords": [],
            "channels": [
                {"type": "webhook", "id": "hook", "url": "http://127.0.0.1:9/x", "secret": "s" * 16}
            ],
            "created_at": NOW,
            "notify": notify,
        }
    )


@pytest.mark.parametrize("notify", ["first", "every"])
async def test_concurrent_copies_on_several_replicas_notify_as_if_one_at_a_time(
    notify: str, redis_url: str, redis_client: Redis
) -> None:
    """Ten copies recorded at once through four Redis connections (four match replicas): one alert,
    all ten copies counted, and one notification (first) or ten numbered 1..10 (every), never two with
    the same key."""
    watchlist = _watchlist(notify)
    clients = [Redis.from_url(redis_url, decode_responses=True) for _ in range(4)]
    stores = [AlertStore(c, 3600, 100) for c in clients]
    try:
        now = utcnow()

        async def record(n: int) -> None:
            article = copy_of(n)
            found = match(watchlist, article)
            assert found is not None
            copy = build_alert(watchlist, article, found, now)
            await stores[n % 4].record(
                copy, watchlist.channels, now, NotifyOptions.of(watchlist, digest=False)
            )

        await asyncio.gather(*(record(n) for n in range(1, 11)), *(record(n) for n in range(1, 11)))
    finally:
        for client in clients:
            await client.aclose()
    alert_id = stable_id(watchlist.id, STORY)
    alert = AlertEvent.model_validate_json(await redis_client.get(f"alert:{alert_id}") or "")
    assert alert.copies == 10 and len(alert.sources) == 10
    entries = sorted(str(m) for m in await redis_client.zrange("outbox", 0, -1))
    want = 1 if notify == "first" else 10
    assert alert.notification == want
    assert len(entries) == want
    assert {e.split(":")[0] for e in entries} == {alert_id, *(f"{alert_id}-{n}" for n in range(2, want + 1))}
