"""The live demo articles: fresh ids every time, and the feed document changes only when one is added."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from newswatch_cli.demo.live import POOL, live_article
from newswatch_cli.demo.server import DemoFeedServer

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_every_live_article_has_a_new_slug_and_the_pool_comes_round() -> None:
    articles = [live_article(n, T0 + timedelta(minutes=n)) for n in range(3 * len(POOL))]
    assert len({a.slug for a in articles}) == len(articles)
    assert [a.title for a in articles[: len(POOL)]] == [a.title for a in articles[len(POOL) : 2 * len(POOL)]]
    # A restart an instant later still makes new slugs: the time is in them.
    assert live_article(0, T0).slug != live_article(0, T0 + timedelta(seconds=1)).slug


def test_the_feed_gets_a_new_item_and_etag_only_when_a_live_article_is_added() -> None:
    server = DemoFeedServer(live_every_s=None).start()  # added by hand below, not by the ticker
    try:
        with httpx.Client(base_url=server.base_url, timeout=5) as client:
            first = client.get("/feed.xml")
            etag = first.headers["etag"]
            assert client.get("/feed.xml", headers={"If-None-Match": etag}).status_code == 304
            added = server.add_live()
            second = client.get("/feed.xml", headers={"If-None-Match": etag})
            assert second.status_code == 200 and second.headers["etag"] != etag
            assert added.title.encode() in second.content and added.title.encode() not in first.content
            page = client.get(f"/news/{added.slug}")
            assert page.status_code == 200 and added.title.split("'")[0] in page.text
            assert client.get("/news/no-such-article").status_code == 404
    finally:
        server.stop()
