"""The ingest service as it runs: a real app (uvicorn), a real broker, a real Redis and a real feed
server on this machine. Each test gets a brand-new broker and an empty Redis database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from newswatch_ingest.settings import IngestSettings
from newswatch_shared.ids import stable_id
from tests.helpers.servers import LocalHTTPServer
from tests.integration.ingest.support import ADMIN_TOKEN, RawReader, eventually, rss, serve_app

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
ITEMS = [
    ("river-crossing", "Engineers rebuild the river crossing", "Work began at dawn under guard."),
    ("grain-exports", "Grain exports resume from the southern port", "Three ships left on Monday."),
    ("envoy-visit", "Envoy arrives for two days of talks", "The visit had been postponed twice."),
]
NEW_ITEM = ("night-curfew", "City lifts its night curfew", "Shops may stay open until midnight again.")
OTHER_ITEM = ("rail-link", "Rail link to the capital reopens", "The first train ran half empty.")


def article_id(slug: str) -> str:
    return stable_id("url", f"https://wire.example.org/news/{slug}")


async def feed_state(api: httpx.AsyncClient, feed_id: str) -> dict[str, Any]:
    response = await api.get(f"/feeds/{feed_id}")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def test_feed_items_are_published_once_and_conditional_polls_publish_nothing(
    make_settings: Callable[..., IngestSettings], raw_reader: Callable[[], Awaitable[RawReader]]
) -> None:
    with LocalHTTPServer() as web, serve_app(make_settings()) as base:
        web.route("/world.xml", rss("Wire World", ITEMS), headers={**RSS, "ETag": '"v1"'})
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            created = await api.post("/feeds", json={"url": web.url("/world.xml")}, headers=ADMIN)
            assert created.status_code == 201, created.text
            feed = created.json()
            assert feed["url"] == web.url("/world.xml")
            assert "custom_title" not in feed

            reader = await raw_reader()
            first = await reader.read_until(3)
            assert {a.id for a in first} == {article_id(slug) for slug, _, _ in ITEMS}
            assert set(reader.keys) == {a.id.encode() for a in first}
            by_id = {a.id: a for a in first}
            crossing = by_id[article_id("river-crossing")]
            assert crossing.url == "https://wire.example.org/news/river-crossing"
            assert crossing.title == "Engineers rebuild the river crossing"
            assert crossing.feed_id == feed["id"] and crossing.feed_title == "Wire World"
            assert crossing.language == "en" and not crossing.published_inferred

            # The next poll is conditional: the server sees the ETag, answers 304, nothing is sent.
            await eventually(
                lambda: _answered_304(api, web, feed["id"], "/world.xml", '"v1"'),
                "a conditional poll answered 304",
            )
            assert len(await reader.read_all()) == 3
            state = await feed_state(api, feed["id"])
            assert state["title"] == "Wire World" and state["items_seen"] == 3
            assert state["articles_published"] == 3 and state["etag"] == '"v1"'
            assert state["consecutive_failures"] == 0 and state["last_error"] is None

            # A new item: exactly that one is published.
            web.route("/world.xml", rss("Wire World", [NEW_ITEM, *ITEMS]), headers={**RSS, "ETag": '"v2"'})
            articles = await reader.read_until(4)
            assert articles[3].id == article_id("night-curfew")
            await eventually(
                lambda: _answered_304(api, web, feed["id"], "/world.xml", '"v2"'), "a 304 for the new ETag"
            )
            assert len(await reader.read_all()) == 4

            # Adding the same feed again (another spelling of its URL) is not an error and adds nothing.
            again = await api.post(
                "/feeds", json={"url": web.url("/world.xml") + "?utm_source=x#top"}, headers=ADMIN
            )
            assert again.status_code == 200 and again.json()["id"] == feed["id"]
            assert len((await api.get("/feeds")).json()) == 1

            # A second feed carrying an article already published: only its own item is new.
            web.route("/other.xml", rss("Other Wire", [OTHER_ITEM, NEW_ITEM]), headers=RSS)
            other = await api.post(
                "/feeds", json={"url": web.url("/other.xml"), "title": "Mine"}, headers=ADMIN
            )
            assert other.status_code == 201 and other.json()["title"] == "Mine"
            articles = await reader.read_until(5)
            assert articles[4].id == article_id("rail-link") and articles[4].feed_title == "Mine"
            done = await eventually(
                lambda: _published(api, other.json()["id"], 1), "the second feed's poll to be recorded"
            )
            assert done["items_seen"] == 2
            assert len(await reader.read_all()) == 5
            assert len({a.id for a in articles}) == 5


async def _answered_304(
    api: httpx.AsyncClient, web: LocalHTTPServer, feed_id: str, path: str, etag: str
) -> bool:
    """True once a request carrying ``etag`` was made and the feed's health shows the 304 after it."""
    asked = [r for r in web.requests(path) if r.headers.get("if-none-match") == etag]
    return bool(asked) and (await feed_state(api, feed_id))["last_status"] == 304


async def _published(api: httpx.AsyncClient, feed_id: str, count: int) -> dict[str, Any] | None:
    state = await feed_state(api, feed_id)
    return state if state["articles_published"] == count and state["last_status"] == 200 else None


async def test_failing_feed_records_its_error_and_the_service_keeps_going(
    make_settings: Callable[..., IngestSettings], raw_reader: Callable[[], Awaitable[RawReader]]
) -> None:
    with LocalHTTPServer() as web, serve_app(make_settings()) as base:
        web.route("/broken.xml", b"upstream exploded", status=500)
        web.route("/good.xml", rss("Good Wire", ITEMS[:1]), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            broken = (await api.post("/feeds", json={"url": web.url("/broken.xml")}, headers=ADMIN)).json()

            async def failed() -> dict[str, Any] | None:
                state = await feed_state(api, broken["id"])
                return state if state["consecutive_failures"] >= 1 else None

            state = await eventually(failed, "the failure to be recorded")
            assert state["last_status"] == 500
            assert state["last_error_kind"] == "http_status"
            assert state["last_error"] == "The server answered HTTP 500 Internal Server Error."
            assert state["last_success_at"] is None and state["next_poll_at"] > state["last_fetch_at"]

            # The loop is still alive: another feed is polled and published after the failure.
            await api.post("/feeds", json={"url": web.url("/good.xml")}, headers=ADMIN)
            reader = await raw_reader()
            (article,) = await reader.read_until(1)
            assert article.title == ITEMS[0][1]
            listed = {f["url"]: f for f in (await api.get("/feeds")).json()}
            assert listed[web.url("/broken.xml")]["last_error_kind"] == "http_status"
            assert (await api.get("/health")).json()["status"] == "ok"
            ready = await api.get("/ready")
            assert ready.status_code == 200 and ready.json()["checks"] == {
                "kafka": True,
                "redis": True,
                "poller": True,
            }

            # Once the server recovers, so does the feed.
            web.route("/broken.xml", rss("Mended Wire", [OTHER_ITEM]), headers=RSS)
            await api.post("/feeds", json={"url": web.url("/broken.xml")}, headers=ADMIN)  # poll it now
            mended = await eventually(
                lambda: _published(api, broken["id"], 1), "the mended feed to be polled", timeout_s=30
            )
            assert mended["consecutive_failures"] == 0 and mended["last_error"] is None


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": ADMIN_TOKEN}],
    ids=["missing", "wrong", "not-bearer"],
)
async def test_adding_a_feed_needs_the_admin_token(
    make_settings: Callable[..., IngestSettings], headers: dict[str, str]
) -> None:
    with serve_app(make_settings()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            response = await api.post("/feeds", json={"url": "https://wire.example.org/rss"}, headers=headers)
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
            assert (await api.get("/feeds")).json() == []


async def test_bad_feed_urls_are_refused(make_settings: Callable[..., IngestSettings]) -> None:
    with serve_app(make_settings()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            for body in ({"url": "ftp://files.example.org/feed"}, {"url": "not a url"}, {"link": "x"}):
                response = await api.post("/feeds", json=body, headers=ADMIN)
                assert response.status_code == 422, body
            assert (await api.get("/feeds/nope")).status_code == 404


async def test_feeds_from_settings_and_file_are_registered_at_start_up(
    make_settings: Callable[..., IngestSettings],
    raw_reader: Callable[[], Awaitable[RawReader]],
    tmp_path: Any,
) -> None:
    with LocalHTTPServer() as web:
        web.route("/a.xml", rss("A Wire", ITEMS[:1]), headers=RSS)
        web.route("/b.xml", rss("B Wire", ITEMS[1:2]), headers=RSS)
        feeds_file = tmp_path / "feeds.txt"
        feeds_file.write_text(f"# our list\n{web.url('/b.xml')}  # second\n\n", encoding="utf-8")
        settings = make_settings(ingest_feeds=[web.url("/a.xml")], ingest_feeds_file=feeds_file)
        with serve_app(settings) as base:
            async with httpx.AsyncClient(base_url=base, timeout=10) as api:
                urls = {f["url"] for f in (await api.get("/feeds")).json()}
                assert urls == {web.url("/a.xml"), web.url("/b.xml")}
            reader = await raw_reader()
            articles = await reader.read_until(2)
            assert {a.feed_title for a in articles} == {"A Wire", "B Wire"}
