"""OPML import and export through the running service, and an OPML feeds file at start-up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from newswatch_ingest.opml import parse_opml
from newswatch_ingest.settings import IngestSettings
from tests.helpers.servers import LocalHTTPServer
from tests.integration.ingest.support import ADMIN_TOKEN, eventually, rss, serve_app

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
OPML = {**ADMIN, "Content-Type": "text/x-opml"}
RSS = {"Content-Type": "application/rss+xml"}


def subscriptions(web: LocalHTTPServer) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Night desk</title></head>
  <body>
    <outline text="Ports">
      <outline type="rss" text="North Harbour" xmlUrl="{web.url("/north.xml")}" category="shipping"/>
      <outline text="Inland">
        <outline type="rss" text="River Office" xmlUrl="{web.url("/river.xml")}" newswatchInterval="90"/>
      </outline>
    </outline>
    <outline type="rss" text="Already here" xmlUrl="{web.url("/known.xml")}"/>
    <outline type="rss" text="Not a feed URL" xmlUrl="gopher://old.example.org/1"/>
  </body>
</opml>
""".encode()


def shape(feeds: list[dict[str, Any]]) -> set[tuple[str, str, tuple[str, ...], float, bool]]:
    return {(f["url"], f["title"], tuple(f["tags"]), f["interval_s"], f["enabled"]) for f in feeds}


async def test_import_reports_and_export_round_trips(make_settings: Callable[..., IngestSettings]) -> None:
    with LocalHTTPServer() as web, serve_app(make_settings()) as base:
        for path in ("/north.xml", "/river.xml", "/known.xml"):
            web.route(path, rss(path.strip("/"), []), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            known = (
                await api.post("/feeds", json={"url": web.url("/known.xml"), "title": "Ours"}, headers=ADMIN)
            ).json()
            response = await api.post("/feeds/opml", content=subscriptions(web), headers=OPML)
            assert response.status_code == 200, response.text
            report = response.json()
            assert [(f["url"], f["title"]) for f in report["added"]] == [
                (web.url("/north.xml"), "North Harbour"),
                (web.url("/river.xml"), "River Office"),
            ]
            assert [(f["id"], f["title"]) for f in report["present"]] == [(known["id"], "Ours")]
            assert report["invalid"] == [
                {
                    "url": "gopher://old.example.org/1",
                    "title": "Not a feed URL",
                    "reason": "'gopher://old.example.org/1' is not an http(s) URL.",
                }
            ]
            feeds = {f["url"]: f for f in (await api.get("/feeds")).json()}
            assert feeds[web.url("/north.xml")]["tags"] == ["shipping", "Ports"]
            assert feeds[web.url("/river.xml")]["tags"] == ["Ports", "Inland"]
            assert feeds[web.url("/river.xml")]["interval_s"] == 90
            assert feeds[web.url("/known.xml")]["title"] == "Ours"  # left as it was

            # A short list is polled at once.
            async def imported_polled() -> bool:
                return bool(web.requests("/north.xml")) and bool(web.requests("/river.xml"))

            await eventually(imported_polled, "the imported feeds to be polled")

            await api.patch(f"/feeds/{known['id']}", json={"enabled": False}, headers=ADMIN)
            before = (await api.get("/feeds")).json()
            exported = await api.get("/feeds/opml")
            assert exported.status_code == 200
            assert exported.headers["content-type"].startswith("text/x-opml")
            assert "newswatch-feeds.opml" in exported.headers["content-disposition"]
            assert {f.url for f in parse_opml(exported.content).feeds} == {f["url"] for f in before}

            # Restore the export into an empty registry: the same feeds with the same settings.
            for feed in before:
                assert (await api.delete(f"/feeds/{feed['id']}", headers=ADMIN)).status_code == 204
            restored = (await api.post("/feeds/opml", content=exported.content, headers=OPML)).json()
            assert len(restored["added"]) == 3 and restored["present"] == restored["invalid"] == []
            after = (await api.get("/feeds")).json()
            assert shape(after) == shape(before)


async def test_unsafe_or_unreadable_documents_are_refused(
    make_settings: Callable[..., IngestSettings],
) -> None:
    with LocalHTTPServer() as web, serve_app(make_settings()) as base:
        web.route("/entity.txt", b"fetched")
        bomb = (
            '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
            + ']><opml><body><outline text="&i;" xmlUrl="https://a.example/rss"/></body></opml>'
        ).encode()
        external = (
            f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "{web.url("/entity.txt")}">]>'
            '<opml><body><outline text="&x;" xmlUrl="https://b.example/rss"/></body></opml>'
        ).encode()
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            for document in (bomb, external):
                response = await api.post("/feeds/opml", content=document, headers=OPML)
                assert response.status_code == 422
                assert "declares entities" in response.json()["detail"][0]["msg"]
            not_opml = await api.post("/feeds/opml", content=rss("A feed", []), headers=OPML)
            assert (
                not_opml.status_code == 422 and "It looks like a feed" in not_opml.json()["detail"][0]["msg"]
            )
            huge = await api.post("/feeds/opml", content=b" " * (5 * 1024 * 1024 + 1), headers=OPML)
            assert huge.status_code == 413
            assert (await api.get("/feeds")).json() == []
        assert web.requests("/entity.txt") == []


async def test_an_opml_feeds_file_is_read_at_start_up(
    make_settings: Callable[..., IngestSettings], tmp_path: Path
) -> None:
    with LocalHTTPServer() as web:
        web.route("/north.xml", rss("North", []), headers=RSS)
        web.route("/river.xml", rss("River", []), headers=RSS)
        web.route("/known.xml", rss("Known", []), headers=RSS)
        path = tmp_path / "feeds.opml"
        path.write_bytes(subscriptions(web))
        with serve_app(make_settings(ingest_feeds_file=path)) as base:
            async with httpx.AsyncClient(base_url=base, timeout=10) as api:
                feeds = {f["url"]: f for f in (await api.get("/feeds")).json()}
                assert set(feeds) == {web.url(p) for p in ("/north.xml", "/river.xml", "/known.xml")}
                assert feeds[web.url("/river.xml")]["tags"] == ["Ports", "Inland"]
                assert feeds[web.url("/known.xml")]["title"] == "Already here"

                async def all_polled() -> bool:
                    return all(web.requests(p) for p in ("/north.xml", "/river.xml", "/known.xml"))

                await eventually(all_polled, "the start-up feeds to be polled")
