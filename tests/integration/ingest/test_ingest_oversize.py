"""Items too large for the broker never stall a feed: their text is cut to what the pipeline carries,
and one that still cannot be published is reported, marked seen and not retried, while the feed's
other items are published once. (Before, one refused item failed the whole poll, so the others were
republished on every poll until the feed was disabled.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from newswatch_ingest.settings import IngestSettings
from newswatch_shared.schemas import encode
from tests.helpers.servers import LocalHTTPServer
from tests.integration.ingest.support import ADMIN_TOKEN, RawReader, eventually, rss, serve_app

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": '"v1"'}
SMALL = [
    ("border", "Troops gather at the border", "Columns were seen at dawn."),
    ("talks", "Talks resume", "Envoys met."),
]


async def feed_state(api: httpx.AsyncClient, feed_id: str) -> dict[str, Any]:
    response = await api.get(f"/feeds/{feed_id}")
    response.raise_for_status()
    state: dict[str, Any] = response.json()
    return state


async def polled_twice_more(api: httpx.AsyncClient, web: LocalHTTPServer, path: str, before: int) -> bool:
    return len(web.requests(path)) >= before + 2


async def test_a_huge_item_is_published_cut_to_the_limit(
    make_settings: Callable[..., IngestSettings], raw_reader: Callable[[], Awaitable[RawReader]]
) -> None:
    book = " ".join(f"word{i}" for i in range(600_000))  # ~5 MB of text in one item
    items = [*SMALL, ("book", "A whole book in one item", book)]
    settings = make_settings(ingest_max_article_chars=100_000)
    with LocalHTTPServer() as web, serve_app(settings) as base:
        web.route("/feed.xml", rss("Wire", items), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            created = await api.post("/feeds", json={"url": web.url("/feed.xml")}, headers=ADMIN)
            assert created.status_code == 201, created.text
            reader = await raw_reader()
            articles = {a.title: a for a in await reader.read_until(3)}
            state = await feed_state(api, created.json()["id"])
    big = articles["A whole book in one item"]
    assert big.truncated and len(big.title) + len(big.summary) + len(big.content) <= 100_000
    assert big.summary.startswith("word0 word1") and big.summary.endswith("…")
    assert len(encode(big)) < settings.kafka_max_message_bytes
    assert not articles["Talks resume"].truncated
    assert state["last_error"] is None and state["articles_published"] == 3


async def test_an_item_the_broker_would_refuse_is_reported_once_and_the_feed_keeps_going(
    make_settings: Callable[..., IngestSettings], raw_reader: Callable[[], Awaitable[RawReader]]
) -> None:
    # Limits small enough that one item, cut to max_article_chars, is still over the message limit.
    settings = make_settings(ingest_max_article_chars=60_000, kafka_max_message_bytes=20_000)
    long_item = ("long", "A long report", "detail " * 8_000)
    with LocalHTTPServer() as web, serve_app(settings) as base:
        web.route("/feed.xml", rss("Wire", [*SMALL, long_item]), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            created = await api.post("/feeds", json={"url": web.url("/feed.xml")}, headers=ADMIN)
            assert created.status_code == 201, created.text
            feed_id = created.json()["id"]
            reader = await raw_reader()
            await reader.read_until(2)

            async def warned() -> dict[str, Any] | None:
                state = await feed_state(api, feed_id)
                return state if state["last_warning"] else None

            state = await warned() or await eventually(warned, "the feed's warning")
            # The feed is polled again (unconditionally: the server ignores our ETag here) ...
            web.route("/feed.xml", rss("Wire", [*SMALL, long_item]), headers={**RSS, "ETag": '"v2"'})
            before = len(web.requests("/feed.xml"))
            await eventually(lambda: polled_twice_more(api, web, "/feed.xml", before), "two more polls")
            after = await feed_state(api, feed_id)
            published = await reader.read_all()
    # ... and nothing is published twice, the poll never failed, and the refused item is named.
    assert sorted(a.title for a in published) == sorted(t for _, t, _ in SMALL)
    assert "A long report" not in {a.title for a in published}
    assert "was not published" in state["last_warning"] and "20,000-byte limit" in state["last_warning"]
    assert after["consecutive_failures"] == 0 and after["last_error"] is None
    assert after["articles_published"] == 2
