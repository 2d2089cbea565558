"""Documents served over HTTP, fetched and parsed the way the poller does: what each one becomes.

Malformed XML, lying charsets, entity bombs and HTML pages are proven against the running service,
with the feed health they leave, in test_ingest_bad_feeds.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from newswatch_ingest.fetch import fetch_feed, make_http_client
from newswatch_ingest.parse import ParsedFeed, parse_feed
from newswatch_shared.netguard import EgressPolicy
from tests.integration.ingest.scripted_server import ScriptedServer, send

pytestmark = pytest.mark.integration

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"

#: The servers here are on 127.0.0.1, which the egress guard refuses unless allowed.
LOCAL = EgressPolicy(allow_private=True)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client("newswatch-ingest-test/1", timeout_s=5, max_concurrency=2, egress=LOCAL) as c:
        yield c


@pytest.fixture
def web() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


async def fetch_and_parse(
    client: httpx.AsyncClient, web: ScriptedServer, body: bytes, content_type: str
) -> ParsedFeed:
    web.routes["/feed"] = lambda h: send(h, 200, body, {"Content-Type": content_type})
    result = await fetch_feed(client, web.url("/feed"), max_bytes=1_000_000, timeout_s=5)
    assert result.body is not None
    return parse_feed(result.body, result.url, result.content_type)


async def test_json_feed_served_as_feed_json(client: httpx.AsyncClient, web: ScriptedServer) -> None:
    body = (FEEDS / "jsonfeed_v1.json").read_bytes()
    feed = await fetch_and_parse(client, web, body, "application/feed+json")
    assert feed.format == "json1" and len(feed.entries) == 1


@pytest.mark.parametrize("layout", ["\n", ""], ids=["lines", "one-line"])
@pytest.mark.parametrize("kind", ["general", "parameter", "dtd"])
async def test_external_entities_never_reach_the_network(
    client: httpx.AsyncClient, web: ScriptedServer, layout: str, kind: str
) -> None:
    canary = web.url("/canary")
    web.routes["/canary"] = lambda h: send(h, 200, b"CANARY-WAS-READ")
    subset = {
        "general": f'<!DOCTYPE rss [{layout}<!ENTITY leak SYSTEM "{canary}">{layout}]>',
        "parameter": f'<!DOCTYPE rss [{layout}<!ENTITY % leak SYSTEM "{canary}">{layout}%leak;{layout}]>',
        "dtd": f'<!DOCTYPE rss SYSTEM "{canary}">',
    }[kind]
    body = (
        f'<?xml version="1.0"?>{layout}{subset}{layout}<rss version="2.0">'
        "<channel><title>Probe &leak;</title>"
        "<item><title>Probe item &leak;</title><link>https://probe.example.org/1</link></item></channel></rss>"
    ).encode()
    feed = await fetch_and_parse(client, web, body, "application/rss+xml")
    assert "CANARY" not in feed.model_dump_json()
    assert web.paths() == ["/feed"]  # the canary URL was never requested
    assert feed.entries[0].link == "https://probe.example.org/1"
