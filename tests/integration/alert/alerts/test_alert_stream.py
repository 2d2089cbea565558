"""GET /alerts/stream against the running app (uvicorn on a free port), real Redis and a real HTTP
client: live alerts, resuming with Last-Event-ID, isolation, limits, heartbeats, slow clients and
shutdown."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.settings import AlertSettings
from newswatch_shared.schemas import AlertEvent, utcnow
from tests.helpers.sse import Event, events
from tests.integration.alert.delivery_support import alert_for, receiving
from tests.integration.alert.support import (
    admin,
    bearer,
    border_article,
    eventually,
    produce_articles,
    serving,
)

pytestmark = pytest.mark.integration


async def next_alerts(stream: AsyncIterator[Event], n: int) -> list[Event]:
    found: list[Event] = []
    async with asyncio.timeout(20):
        async for event in stream:
            if event.event in ("alert", "gap"):
                found.append(event)
                if len(found) == n:
                    return found
    raise AssertionError(f"the stream ended after {len(found)} of {n} events")


async def user(api: httpx.AsyncClient, name: str) -> tuple[str, dict[str, str]]:
    created = (await api.post("/users", json={"name": name}, headers=admin())).json()
    return created["id"], bearer(created["api_key"])


@pytest.fixture
def tuned(settings: AlertSettings) -> AlertSettings:
    return settings.model_copy(
        update={
            "alert_stream_heartbeat_s": 0.3,
            "alert_stream_send_timeout_s": 1.0,
            "alert_stream_per_user": 2,
        }
    )


async def test_alerts_arrive_live_and_a_reconnect_resumes_after_last_event_id(
    tuned: AlertSettings, redis_client: Redis
) -> None:
    store = AlertStore(redis_client, 3600, 100)
    async with serving(tuned) as api:
        ana, ana_key = await user(api, "ana")
        bo, bo_key = await user(api, "bo")
        made = [alert_for(f"live-{i}", utcnow(), user_id=ana) for i in range(4)]

        async with api.stream("GET", "/alerts/stream", headers=ana_key) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            stream = events(response)
            assert "connected" in (await anext(stream)).comments  # subscribed: later alerts will come
            for alert in made[:2]:
                await store.create(alert, [], alert.created_at)
            first, second = await next_alerts(stream, 2)
        assert [AlertEvent.model_validate_json(e.data).id for e in (first, second)] == [
            a.id for a in made[:2]
        ]
        assert first.id and second.id and first.id < second.id

        for alert in made[2:]:  # made while the client is away
            await store.create(alert, [], alert.created_at)
        await store.create(alert_for("bo-1", utcnow(), user_id=bo), [], utcnow())
        async with api.stream(
            "GET", "/alerts/stream", headers={**ana_key, "Last-Event-ID": second.id}
        ) as response:
            resumed = await next_alerts(events(response), 2)
        assert [AlertEvent.model_validate_json(e.data).id for e in resumed] == [a.id for a in made[2:]]

        async with api.stream("GET", "/alerts/stream?last_event_id=0", headers=bo_key) as response:
            (only,) = await next_alerts(events(response), 1)  # everything kept for bo: only bo's
        assert AlertEvent.model_validate_json(only.data).user_id == bo

        # A client away for long enough that its last event was trimmed is told so.
        alert = alert_for("trim", utcnow(), user_id=bo)
        ids = [
            str(
                await redis_client.xadd(
                    f"user:{bo}:stream",
                    {"id": alert.id, "alert": alert.model_dump_json()},
                    maxlen=10,
                    approximate=False,
                )
            )
            for _ in range(30)
        ]
        async with api.stream(
            "GET", "/alerts/stream", headers={**bo_key, "Last-Event-ID": ids[0]}
        ) as response:
            gap, after = await next_alerts(events(response), 2)
        assert gap.event == "gap" and "GET /alerts" in json.loads(gap.data)["detail"]
        assert after.event == "alert" and after.id == ids[-10]


async def test_the_stream_checks_its_caller_its_input_and_its_limits(
    tuned: AlertSettings, redis_client: Redis
) -> None:
    async with serving(tuned) as api:
        _, key = await user(api, "ana")
        missing = await api.get("/alerts/stream")
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert (await api.get("/alerts/stream", headers=bearer("nw_guessed"))).status_code == 401
        bad = await api.get("/alerts/stream", headers={**key, "Last-Event-ID": "yesterday"})
        assert bad.status_code == 400 and "Last-Event-ID" in bad.json()["detail"]

        async with api.stream("GET", "/alerts/stream", headers=key) as one:
            async with api.stream("GET", "/alerts/stream", headers=key) as two:
                assert one.status_code == two.status_code == 200
                third = await api.get("/alerts/stream", headers=key)
                assert third.status_code == 429 and third.headers["retry-after"]

        async def a_slot_again() -> bool:  # both closed: the user may open a stream again
            async with api.stream("GET", "/alerts/stream", headers=key) as again:
                return again.status_code == 200

        await eventually(a_slot_again, what="the closed streams' slots to be released")


async def test_a_matched_article_is_streamed_at_once_and_waits_for_its_digest(
    tuned: AlertSettings, redis_client: Redis
) -> None:
    async with serving(tuned) as api:
        ana, key = await user(api, "ana")
        with receiving() as receiver:
            body = {
                "name": "Eastern border",
                "entities": ["Ukraine"],
                "keywords": ["troops"],
                "mode": "hourly",
                "channels": [{"type": "webhook", "url": receiver.url("/hook")}],
            }
            created = await api.post("/watchlists", json=body, headers=key)
            assert created.status_code == 201, created.text
            async with api.stream("GET", "/alerts/stream", headers=key) as response:
                stream = events(response)
                assert "connected" in (await anext(stream)).comments
                await produce_articles(tuned, border_article())
                (event,) = await next_alerts(stream, 1)
            alert = AlertEvent.model_validate_json(event.data)
            assert (alert.user_id, alert.watchlist_id, alert.article_id) == (
                ana,
                created.json()["id"],
                "border-1",
            )

            (listed,) = (await api.get("/alerts", headers=key)).json()["alerts"]
            (delivery,) = listed["deliveries"]
            assert listed["id"] == alert.id and delivery["status"] == "pending" and delivery["digest_id"]
            assert await redis_client.zscore("outbox", f"{delivery['digest_id']}:{delivery['channel_id']}")
            assert receiver.received() == []  # due at the end of the hour (plus the grace), not now


def metric(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


async def test_heartbeats_slow_clients_and_shutdown(tuned: AlertSettings, redis_client: Redis) -> None:
    async with serving(tuned) as api:
        ana, key = await user(api, "ana")
        base_url = str(api.base_url)

        # An idle stream gets heartbeat comments.
        async with api.stream("GET", "/alerts/stream", headers=key) as response:
            async with asyncio.timeout(20):
                async for event in events(response):
                    if "heartbeat" in event.comments:
                        break

        # A client that stops reading is dropped, not buffered for: fill the stream, never read.
        dropped_before = metric(
            (await api.get("/metrics")).text, 'newswatch_alert_stream_dropped_total{reason="slow"}'
        )
        host, port = base_url.removeprefix("http://").rstrip("/").split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((host, int(port)))
        auth = key["Authorization"]
        sock.sendall(f"GET /alerts/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\r\n".encode())
        big = alert_for("big", utcnow(), user_id=ana, title="x" * 60_000).model_dump_json()
        for _ in range(300):  # ~18 MB, far beyond the socket buffers
            await redis_client.xadd(f"user:{ana}:stream", {"id": "big", "alert": big}, maxlen=1000)

        async def dropped() -> bool:
            text = (await api.get("/metrics")).text
            return metric(text, 'newswatch_alert_stream_dropped_total{reason="slow"}') > dropped_before

        await eventually(dropped, what="the slow client to be dropped")
        sock.close()

        # Shutdown ends open streams instead of waiting for them forever.
        outside = httpx.AsyncClient(base_url=base_url, timeout=30)
        request = outside.build_request("GET", "/alerts/stream", headers=key)
        open_stream = await outside.send(request, stream=True)
        assert open_stream.status_code == 200
    # serving() has stopped the server (it fails if that takes 30 s); the stream has ended.
    async with asyncio.timeout(10):
        async for _ in open_stream.aiter_lines():
            pass
    await open_stream.aclose()
    await outside.aclose()
