"""Feeds and the egress guard, in the running service with the allowance off (as in production).

"An allowed first hop" is simulated on loopback by allowing exactly the host ``127.0.0.1``
(``NEWSWATCH_ALLOWED_PRIVATE_HOSTS``): ``localhost`` reaches the same machine but is another host, so
it stays refused. The refused servers listen where those URLs lead, so anything the guard let through
would be recorded; no packet leaves loopback and nothing is looked up in DNS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from newswatch_ingest.errors import FetchError
from newswatch_ingest.fetch import fetch_feed, make_http_client
from newswatch_ingest.settings import IngestSettings
from newswatch_shared.netguard import EgressPolicy
from tests.helpers.servers import LocalHTTPServer
from tests.integration.ingest.support import ADMIN_TOKEN, eventually, rss, serve_app

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RSS = {"Content-Type": "application/rss+xml"}
ITEM = [("pier-reopens", "The north pier reopens to ferries", "Crossings resume on Friday.")]


async def test_a_feed_on_loopback_is_not_fetched_by_default() -> None:
    with LocalHTTPServer() as web:
        web.route("/f.xml", rss("Local", ITEM), headers=RSS)
        async with make_http_client("t/1", timeout_s=5, max_concurrency=1) as client:  # the default policy
            with pytest.raises(FetchError) as caught:
                await fetch_feed(client, web.url("/f.xml"), max_bytes=100_000, timeout_s=5)
        assert caught.value.kind == "refused"
        assert str(caught.value) == (
            "Not fetched: refused: 127.0.0.1 is a loopback address (set NEWSWATCH_ALLOW_PRIVATE_URLS=true to"
            " allow)."
        )
        assert web.requests("/f.xml") == []
        allowed = EgressPolicy(allow_private=True)
        async with make_http_client("t/1", timeout_s=5, max_concurrency=1, egress=allowed) as client:
            result = await fetch_feed(client, web.url("/f.xml"), max_bytes=100_000, timeout_s=5)
        assert result.body and len(web.requests("/f.xml")) == 1


async def test_a_permanent_redirect_to_a_refused_address_neither_fetches_nor_moves_the_feed(
    make_settings: Callable[..., IngestSettings],
) -> None:
    settings = make_settings(allow_private_urls=False, allowed_private_hosts=["127.0.0.1"])
    with LocalHTTPServer() as first, LocalHTTPServer() as second, serve_app(settings) as base:
        second.route("/new.xml", rss("Internal", ITEM), headers=RSS)
        target = f"http://localhost:{second.port}/new.xml"
        first.route("/old.xml", b"", status=301, headers={"Location": target})
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            created = await api.post("/feeds", json={"url": first.url("/old.xml")}, headers=ADMIN)
            assert created.status_code == 201, created.text
            feed = created.json()

            async def failed() -> dict[str, Any] | None:
                got: dict[str, Any] = (await api.get(f"/feeds/{feed['id']}")).json()
                return got if got["last_error_kind"] else None

            after = await eventually(failed, "the poll to fail")
        assert after["last_error_kind"] == "refused"
        assert after["last_error"] == (
            "Not fetched: refused: localhost resolves to 127.0.0.1, a loopback address"
            " (set NEWSWATCH_ALLOW_PRIVATE_URLS=true to allow)."
        )
        assert after["url"] == first.url("/old.xml") and after["moved_from"] is None  # not moved
        assert len(first.requests("/old.xml")) >= 1
        assert second.requests("/new.xml") == []  # the hop was refused before a byte was sent


async def test_feed_urls_at_refused_addresses_are_refused_when_saved(
    make_settings: Callable[..., IngestSettings],
) -> None:
    with LocalHTTPServer() as web:
        web.route("/a.xml", rss("Allowed", ITEM), headers=RSS)
        refused_url = f"http://localhost:{web.port}/b.xml"  # the same server, under a host not allowed
        settings = make_settings(
            allow_private_urls=False,
            allowed_private_hosts=["127.0.0.1"],
            ingest_feeds=[web.url("/a.xml"), f"http://localhost:{web.port}/startup.xml"],
        )
        with serve_app(settings) as base:
            async with httpx.AsyncClient(base_url=base, timeout=10) as api:
                # Start-up: the refused feed of the list is skipped (and logged), the other registered.
                listed = (await api.get("/feeds")).json()
                assert [f["url"] for f in listed] == [web.url("/a.xml")]

                response = await api.post("/feeds", json={"url": refused_url}, headers=ADMIN)
                assert response.status_code == 422
                (problem,) = response.json()["detail"]
                assert problem["loc"] == ["body", "url"] and problem["type"] == "url_refused"
                assert problem["msg"].startswith(
                    "refused: localhost resolves to 127.0.0.1, a loopback address"
                )
                for url in (
                    "http://[::1]/f.xml",
                    "http://169.254.169.254/latest/meta-data/",
                    "http://2130706433/",
                ):
                    again = await api.post("/feeds", json={"url": url}, headers=ADMIN)
                    assert again.status_code == 422, url
                    assert again.json()["detail"][0]["msg"].startswith("refused: ")

                feed_id = listed[0]["id"]
                patch = await api.patch(f"/feeds/{feed_id}", json={"url": refused_url}, headers=ADMIN)
                assert patch.status_code == 422 and patch.json()["detail"][0]["loc"] == ["body", "url"]
                assert (await api.get(f"/feeds/{feed_id}")).json()["url"] == web.url("/a.xml")

                opml = (
                    '<opml version="2.0"><body>'
                    f'<outline type="rss" text="Inside" xmlUrl="http://localhost:{web.port}/c.xml"/>'
                    f'<outline type="rss" text="Fine" xmlUrl="{web.url("/d.xml")}"/>'
                    "</body></opml>"
                )
                report = (await api.post("/feeds/opml", content=opml, headers=ADMIN)).json()
                assert [f["url"] for f in report["added"]] == [web.url("/d.xml")]  # the rest goes on
                (invalid,) = report["invalid"]
                assert invalid["title"] == "Inside"
                assert invalid["reason"].startswith("refused: localhost resolves to 127.0.0.1, a loopback")
                assert len((await api.get("/feeds")).json()) == 2
        for path in ("/b.xml", "/c.xml", "/startup.xml"):
            assert web.requests(path) == [], path
