"""What polls do to a feed's settings and schedule in the running service: too many failures
disable it, a permanent redirect moves it, and Cache-Control max-age holds the next poll back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_ingest.feeds import SCHEDULE_KEY
from newswatch_ingest.settings import IngestSettings
from tests.helpers.servers import LocalHTTPServer
from tests.integration.ingest.sched_servers import metric
from tests.integration.ingest.support import ADMIN_TOKEN, eventually, rss, serve_app

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RSS = {"Content-Type": "application/rss+xml"}
ITEM = [("pier-reopens", "The north pier reopens to ferries", "Crossings resume on Friday.")]


async def state(api: httpx.AsyncClient, feed_id: str) -> dict[str, Any]:
    response = await api.get(f"/feeds/{feed_id}")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def test_a_feed_failing_too_often_is_disabled_until_re_enabled(
    make_settings: Callable[..., IngestSettings], redis_client: Redis
) -> None:
    settings = make_settings(ingest_disable_after_failures=3, ingest_max_backoff_s=1)
    disabled_before = metric("newswatch_ingest_feeds_disabled_total", {"reason": "failures"})
    with LocalHTTPServer() as web, serve_app(settings) as base:
        web.route("/gone.xml", b"gone", status=410)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            feed = (await api.post("/feeds", json={"url": web.url("/gone.xml")}, headers=ADMIN)).json()

            async def disabled() -> dict[str, Any] | None:
                got = await state(api, feed["id"])
                return got if not got["enabled"] else None

            off = await eventually(disabled, "the feed to be disabled")
            assert off["consecutive_failures"] == 3 and off["next_poll_at"] is None
            assert off["disabled_reason"] == (
                "Disabled after 3 failed polls in a row. The last error: The server answered HTTP 410 Gone."
                " Check that the feed URL is still right."
            )
            assert off["last_error"].startswith("The server answered HTTP 410 Gone.")
            assert len(web.requests("/gone.xml")) == 3
            assert await redis_client.zscore(SCHEDULE_KEY, feed["id"]) is None
            assert (
                metric("newswatch_ingest_feeds_disabled_total", {"reason": "failures"}) == disabled_before + 1
            )
            listed = (await api.get("/feeds", params={"enabled": "false"})).json()
            assert [f["id"] for f in listed] == [feed["id"]]

            web.route("/gone.xml", rss("Back", ITEM), headers=RSS)
            on = (await api.patch(f"/feeds/{feed['id']}", json={"enabled": True}, headers=ADMIN)).json()
            assert on["enabled"] and on["consecutive_failures"] == 0 and on["disabled_reason"] is None

            async def published() -> bool:
                return bool((await state(api, feed["id"]))["articles_published"] == 1)

            await eventually(published, "the re-enabled feed to publish")


async def test_a_permanent_redirect_moves_the_feed(make_settings: Callable[..., IngestSettings]) -> None:
    moved_before = metric("newswatch_ingest_feeds_moved_total")
    with LocalHTTPServer() as web, serve_app(make_settings()) as base:
        web.route("/old.xml", b"", status=301, headers={"Location": "/new.xml"})
        web.route("/new.xml", rss("Relocated", ITEM), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            feed = (await api.post("/feeds", json={"url": web.url("/old.xml")}, headers=ADMIN)).json()

            async def moved() -> dict[str, Any] | None:
                got = await state(api, feed["id"])
                return got if got["url"] == web.url("/new.xml") and got["last_status"] == 200 else None

            after = await eventually(moved, "the feed to move")
            assert after["moved_from"] == web.url("/old.xml") and after["articles_published"] == 1
            assert metric("newswatch_ingest_feeds_moved_total") == moved_before + 1

            # Later polls go to the new URL directly.
            await eventually(
                lambda: _true(len(web.requests("/new.xml")) >= 3), "two more polls of the new URL"
            )
            assert len(web.requests("/old.xml")) == 1
            # Adding the new URL (or the old one) finds the same feed.
            for url in (web.url("/new.xml"), web.url("/old.xml")):
                again = await api.post("/feeds", json={"url": url}, headers=ADMIN)
                assert again.status_code == 200 and again.json()["id"] == feed["id"]
            assert len((await api.get("/feeds")).json()) == 1


async def test_a_redirect_onto_another_feed_disables_the_moved_one(
    make_settings: Callable[..., IngestSettings],
) -> None:
    with LocalHTTPServer() as web, serve_app(make_settings()) as base:
        web.route("/main.xml", rss("Main", ITEM), headers=RSS)
        web.route("/mirror.xml", b"", status=308, headers={"Location": "/main.xml"})
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            main = (await api.post("/feeds", json={"url": web.url("/main.xml")}, headers=ADMIN)).json()
            mirror = (await api.post("/feeds", json={"url": web.url("/mirror.xml")}, headers=ADMIN)).json()

            async def disabled() -> dict[str, Any] | None:
                got = await state(api, mirror["id"])
                return got if not got["enabled"] else None

            off = await eventually(disabled, "the mirror feed to be disabled")
            assert off["url"] == web.url("/mirror.xml") and off["last_error_kind"] == "moved"
            assert off["disabled_reason"] == (
                f"The feed moved permanently to {web.url('/main.xml')}, which is already registered as"
                f" feed {main['id']}; this one is no longer polled."
            )
            assert (await state(api, main["id"]))["enabled"] is True


async def test_cache_control_max_age_holds_the_next_poll_back_up_to_the_cap(
    make_settings: Callable[..., IngestSettings],
) -> None:
    with LocalHTTPServer() as web, serve_app(make_settings(ingest_max_age_cap_s=600)) as base:
        web.route("/hour.xml", rss("Hourly", []), headers={**RSS, "Cache-Control": "public, max-age=120"})
        web.route("/week.xml", rss("Weekly", []), headers={**RSS, "Cache-Control": "max-age=604800"})
        web.route("/none.xml", rss("Plain", []), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            ids = {}
            for path in ("/hour.xml", "/week.xml", "/none.xml"):
                ids[path] = (await api.post("/feeds", json={"url": web.url(path)}, headers=ADMIN)).json()[
                    "id"
                ]

            async def gaps() -> dict[str, float] | None:
                found = {}
                for path, feed_id in ids.items():
                    got = await state(api, feed_id)
                    if got["last_status"] != 200:
                        return None
                    fetched = datetime.fromisoformat(got["last_fetch_at"])
                    found[path] = (datetime.fromisoformat(got["next_poll_at"]) - fetched).total_seconds()
                return found

            gap = await eventually(gaps, "the three feeds to be polled")
            assert 120 <= gap["/hour.xml"] < 125  # max-age, although the interval is 1 s
            assert 600 <= gap["/week.xml"] < 605  # capped
            assert gap["/none.xml"] < 5  # the interval
            assert len(web.requests("/hour.xml")) == 1


async def _true(value: bool) -> bool:
    return value
