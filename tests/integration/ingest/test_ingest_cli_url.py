"""`newswatch feeds parse URL`: fetched with the service's own fetch_feed, from a local server."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswatch_ingest.cli import EXIT_UNUSABLE, ParseOptions, run_parse
from newswatch_shared.schemas import RawArticle
from tests.integration.ingest.scripted_server import ScriptedServer, send

pytestmark = pytest.mark.integration

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"


@pytest.fixture
def web() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


def test_url_is_fetched_and_relative_links_resolve_against_the_final_url(web: ScriptedServer) -> None:
    body = (FEEDS / "rss2.xml").read_bytes()
    web.routes["/old.xml"] = lambda h: send(h, 301, headers={"Location": "/feeds/world.xml"})
    web.routes["/feeds/world.xml"] = lambda h: send(h, 200, body, {"Content-Type": "application/rss+xml"})
    out, err = io.StringIO(), io.StringIO()
    assert run_parse(web.url("/old.xml"), ParseOptions(allow_private_urls=True), out=out, err=err) == 0
    articles = [RawArticle.model_validate_json(line) for line in out.getvalue().splitlines()]
    assert len(articles) == 4
    assert articles[1].url == f"http://127.0.0.1:{web.port}/world/fuel-convoy-north"
    assert err.getvalue() == f"warning: the feed has moved permanently to {web.url('/feeds/world.xml')}\n"
    _, headers = web.seen[0]
    assert headers["user-agent"].startswith("newswatch-ingest/")


def test_http_error_is_one_line(web: ScriptedServer) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert (
        run_parse(web.url("/missing.xml"), ParseOptions(allow_private_urls=True), out=out, err=err)
        == EXIT_UNUSABLE
    )
    assert err.getvalue() == (
        f"error: {web.url('/missing.xml')}: The server answered HTTP 404 Not Found. "
        "Check that the feed URL is still right.\n"
    )
    assert out.getvalue() == ""
