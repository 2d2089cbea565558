"""Managing feeds through the running service: create with settings, list with filters, change,
disable and re-enable, delete. Real app (uvicorn), broker, Redis and feed server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_ingest.dedupe import seen_key
from newswatch_ingest.feeds import SCHEDULE_KEY, feed_key
from newswatch_ingest.settings import IngestSettings
from tests.helpers.servers import LocalHTTPServer
from tests.integration.ingest.sched_servers import metric
from tests.integration.ingest.support import ADMIN_TOKEN, eventually, rss, serve_app

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RSS = {"Content-Type": "application/rss+xml"}


def recent_rss(title: str, slugs: list[str]) -> bytes:
    """Items published in the last minutes, so they count towards items per day."""
    now = datetime.now(UTC)
    items = "".join(
        f"<item><title>Report {slug}</title><link>https://desk.example.org/{slug}</link>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=i + 1), usegmt=True)}</pubDate></item>"
        for i, slug in enumerate(slugs)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'
    ).encode()


async def state(api: httpx.AsyncClient, feed_id: str) -> dict[str, Any]:
    response = await api.get(f"/feeds/{feed_id}")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def test_create_list_change_and_delete(
    make_settings: Callable[..., IngestSettings], redis_client: Redis
) -> None:
    with LocalHTTPServer() as web, serve_app(make_settings()) as base:
        web.route("/desk.xml", recent_rss("Desk", ["a", "b", "c"]), headers=RSS)
        web.route("/quiet.xml", rss("Quiet", []), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            created = await api.post(
                "/feeds",
                json={"url": web.url("/desk.xml"), "interval_s": 45, "tags": ["border", " border ", "sea"]},
                headers=ADMIN,
            )
            assert created.status_code == 201, created.text
            desk = created.json()
            assert (desk["interval_s"], desk["tags"], desk["enabled"]) == (45, ["border", "sea"], True)
            assert "custom_interval_s" not in desk and "recent_counts" not in desk
            quiet = (
                await api.post("/feeds", json={"url": web.url("/quiet.xml"), "enabled": False}, headers=ADMIN)
            ).json()
            assert quiet["enabled"] is False and quiet["disabled_reason"] == "Disabled by an administrator."
            assert quiet["interval_s"] == 1  # the service default (short in tests)

            async def polled() -> dict[str, Any] | None:
                got = await state(api, desk["id"])
                return got if got["articles_published"] == 3 else None

            health = await eventually(polled, "the feed's first poll")
            # Three articles from the last minutes, a feed added just now: three per day (a little
            # less when the minutes straddle midnight and the window starts a day earlier).
            assert health["items_per_day"] == pytest.approx(3.0, abs=0.1) and health["items_seen"] == 3
            assert health["last_status"] == 200 and health["next_poll_at"] is not None
            assert web.requests("/quiet.xml") == []  # added disabled: never polled

            by_tag = (await api.get("/feeds", params={"tag": "sea"})).json()
            assert [f["id"] for f in by_tag] == [desk["id"]]
            disabled = (await api.get("/feeds", params={"enabled": "false"})).json()
            assert [f["id"] for f in disabled] == [quiet["id"]]

            patched = await api.patch(
                f"/feeds/{desk['id']}",
                json={"title": "Our desk", "tags": ["inland"], "interval_s": 120},
                headers=ADMIN,
            )
            assert patched.status_code == 200, patched.text
            assert (patched.json()["title"], patched.json()["tags"], patched.json()["interval_s"]) == (
                "Our desk",
                ["inland"],
                120,
            )
            reset = (
                await api.patch(
                    f"/feeds/{desk['id']}", json={"title": None, "interval_s": None}, headers=ADMIN
                )
            ).json()
            assert (reset["title"], reset["interval_s"], reset["tags"]) == ("Desk", 1, ["inland"])

            for bad in ({"interval_s": 29}, {"tags": ["a,b"]}, {"url": "ftp://x.example/"}, {"colour": 1}):
                response = await api.patch(f"/feeds/{desk['id']}", json=bad, headers=ADMIN)
                assert response.status_code == 422, bad
                # One error shape for every 422: FastAPI's list, naming the field.
                (problem,) = response.json()["detail"]
                assert problem["loc"][0] == "body" and problem["msg"], problem
            added = await api.post("/feeds", json={"url": "mailto:desk@x.example"}, headers=ADMIN)
            assert added.status_code == 422
            assert [p["loc"] for p in added.json()["detail"]] == [["body", "url"]]
            taken = await api.patch(
                f"/feeds/{desk['id']}", json={"url": web.url("/quiet.xml")}, headers=ADMIN
            )
            assert taken.status_code == 409 and quiet["id"] in taken.json()["detail"]
            assert (await api.patch("/feeds/nope", json={"title": "x"}, headers=ADMIN)).status_code == 404

            # Delete: the feed, its schedule and health go; its articles stay marked as published.
            article_ids = [
                k.removeprefix("newswatch:ingest:seen:") async for k in redis_client.scan_iter("*seen:*")
            ]
            assert len(article_ids) == 3
            assert (await api.delete(f"/feeds/{desk['id']}", headers=ADMIN)).status_code == 204
            assert (await api.get(f"/feeds/{desk['id']}")).status_code == 404
            assert (await api.delete(f"/feeds/{desk['id']}", headers=ADMIN)).status_code == 404
            assert not await redis_client.exists(feed_key(desk["id"]))
            assert await redis_client.zscore(SCHEDULE_KEY, desk["id"]) is None
            assert all([await redis_client.exists(seen_key(i)) for i in article_ids])
            assert [f["id"] for f in (await api.get("/feeds")).json()] == [quiet["id"]]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/feeds/{id}", {"title": "x"}),
        ("DELETE", "/feeds/{id}", None),
        ("POST", "/feeds/opml", None),
    ],
)
async def test_changes_need_the_admin_token(
    make_settings: Callable[..., IngestSettings], method: str, path: str, body: dict[str, str] | None
) -> None:
    with serve_app(make_settings()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            feed = (
                await api.post("/feeds", json={"url": "http://127.0.0.1:9/never.xml"}, headers=ADMIN)
            ).json()
            for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token"}):
                response = await api.request(method, path.format(id=feed["id"]), json=body, headers=headers)
                assert response.status_code == 401
            still = await api.get(f"/feeds/{feed['id']}")
            assert still.status_code == 200 and still.json()["title"] == ""


async def test_disable_stops_polling_and_re_enable_polls_now(
    make_settings: Callable[..., IngestSettings], redis_client: Redis
) -> None:
    with LocalHTTPServer() as web, serve_app(make_settings(ingest_max_backoff_s=1)) as base:
        web.route("/flaky.xml", b"down for maintenance", status=503)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            feed = (await api.post("/feeds", json={"url": web.url("/flaky.xml")}, headers=ADMIN)).json()

            async def failing() -> bool:
                return bool((await state(api, feed["id"]))["consecutive_failures"] >= 2)

            await eventually(failing, "two failures")
            admin_before = metric("newswatch_ingest_feeds_disabled_total", {"reason": "admin"})
            off = (await api.patch(f"/feeds/{feed['id']}", json={"enabled": False}, headers=ADMIN)).json()
            assert off["enabled"] is False and off["next_poll_at"] is None
            assert off["disabled_reason"] == "Disabled by an administrator."
            assert await redis_client.zscore(SCHEDULE_KEY, feed["id"]) is None
            assert metric("newswatch_ingest_feeds_disabled_total", {"reason": "admin"}) == admin_before + 1

            web.route("/flaky.xml", recent_rss("Flaky", ["d"]), headers=RSS)
            asked = len(web.requests("/flaky.xml"))
            on = (await api.patch(f"/feeds/{feed['id']}", json={"enabled": True}, headers=ADMIN)).json()
            assert on["enabled"] is True and on["consecutive_failures"] == 0 and on["disabled_reason"] is None

            async def recovered() -> bool:
                got = await state(api, feed["id"])
                return bool(got["articles_published"] == 1 and got["consecutive_failures"] == 0)

            await eventually(recovered, "the re-enabled feed to be polled")
            assert len(web.requests("/flaky.xml")) > asked
