"""Items without a link in the running service: every one is published, once, however often the feed
is polled and from wherever it is served; and two feeds numbering their items alike lose nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from newswatch_ingest.settings import IngestSettings
from tests.helpers.servers import LocalHTTPServer
from tests.integration.ingest.support import ADMIN_TOKEN, RawReader, eventually, serve_app

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}  # no ETag: every poll reads the items again
SITE = "https://harbour.example.org/"


def feed(title: str, items: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{SITE}</link>{items}</channel></rss>"
    ).encode()


FERRIES = feed(
    "Ferries",
    "<item><title>Ferry timetable changes</title><guid>1</guid></item>"
    '<item><title>Harbour dues rise</title><guid isPermaLink="false">7</guid></item>'
    "<item><title>Pier reopens</title><description>Repairs finished early.</description></item>",
)
COUNCIL = feed(
    "Council",
    "<item><title>Council meets on Monday</title><guid>1</guid></item>"
    '<item><title>Budget vote delayed</title><guid isPermaLink="false">7</guid></item>',
)


async def state(api: httpx.AsyncClient, feed_id: str) -> dict[str, Any]:
    response = await api.get(f"/feeds/{feed_id}")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def test_items_without_links_are_published_once_whatever_the_url_they_come_from(
    make_settings: Callable[..., IngestSettings], raw_reader: Callable[[], Awaitable[RawReader]]
) -> None:
    with LocalHTTPServer() as web, serve_app(make_settings()) as base:
        # The ferries feed sits behind a temporary redirect whose target changes (a CDN, a mirror).
        web.route("/ferries.xml", b"", status=302, headers={"Location": "/mirror-1/ferries.xml"})
        web.route("/mirror-1/ferries.xml", FERRIES, headers=RSS)
        web.route("/mirror-2/ferries.xml", FERRIES, headers=RSS)
        web.route("/council.xml", COUNCIL, headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            ferries = (await api.post("/feeds", json={"url": web.url("/ferries.xml")}, headers=ADMIN)).json()
            council = (await api.post("/feeds", json={"url": web.url("/council.xml")}, headers=ADMIN)).json()
            reader = await raw_reader()
            articles = await reader.read_until(5)
            assert sorted(a.title for a in articles) == [
                "Budget vote delayed",
                "Council meets on Monday",
                "Ferry timetable changes",
                "Harbour dues rise",
                "Pier reopens",
            ]
            assert len({a.id for a in articles}) == 5  # "1" and "7" in both feeds are four stories
            assert {a.url for a in articles} == {SITE}  # the site: the items have no address of their own

            # Later polls read the same items, the ferries through another mirror: nothing new. Polls of
            # one feed never overlap, so once a URL was asked twice, the first of them is recorded.
            web.route("/ferries.xml", b"", status=302, headers={"Location": "/mirror-2/ferries.xml"})
            await eventually(
                lambda: _true(
                    len(web.requests("/mirror-2/ferries.xml")) >= 2 and len(web.requests("/council.xml")) >= 3
                ),
                "more polls of both feeds",
            )
            assert len(await reader.read_all()) == 5
            for feed_id, published in ((ferries["id"], 3), (council["id"], 2)):
                got = await state(api, feed_id)
                assert got["articles_published"] == published and got["last_error"] is None
                assert got["last_warning"] is None


async def _true(value: bool) -> bool:
    return value
