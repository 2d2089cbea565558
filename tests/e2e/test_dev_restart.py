"""Restarting `make run` publishes nothing twice and leaves no dead demo feed behind.

The demo feed's port is fixed (`NEWSWATCH_DEV_DEMO_PORT`): its item links, and so the demo articles'
ids, contain it. Redis (and so ingest's seen marks and alert's articles) survives the restart; the
embedded broker does not. A demo feed registered by an earlier run at another port is removed.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest

from newswatch_cli.demo.articles import DEMO_ARTICLES
from newswatch_cli.embedded import free_port
from newswatch_cli.stack import Stack, StackConfig
from tests.helpers.wait import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

TITLES = {a.title for a in DEMO_ARTICLES}


def run(tmp_path: Path, redis_url: str, token: str, demo_port: int) -> Stack:
    stack = Stack(
        StackConfig(
            data_dir=tmp_path / "stack",
            admin_token=token,
            redis_url=redis_url,
            ports={name: free_port() for name in ("alert", "ingest", "enrich")},
            partitions=3,
            colour=False,
            demo_port=demo_port,
            demo_live_every_s=None,  # only the six fixed articles: every one is counted below
        ),
        out=lambda line: None,
    )
    stack.start()
    return stack


def demo_articles(stack: Stack) -> list[str]:
    articles = httpx.get(stack.url("alert") + "/articles", params={"limit": 100}, timeout=5).json()[
        "articles"
    ]
    return [a["title"] for a in articles if a["title"] in TITLES]


def demo_feeds(stack: Stack) -> list[dict[str, object]]:
    feeds: list[dict[str, object]] = httpx.get(stack.url("ingest") + "/feeds", timeout=5).json()
    return [f for f in feeds if f.get("title") == "Demo Wire" or "demo" in f.get("tags", [])]  # type: ignore[operator]


def polled_since_start(stack: Stack) -> bool:
    (feed,) = demo_feeds(stack)
    return (
        feed.get("last_success_at") is not None
        and feed.get("consecutive_failures") == 0
        and bool(feed.get("last_status"))
    )


def test_restarting_publishes_nothing_twice_and_forgets_old_demo_feeds(
    tmp_path: Path, redis_url: str
) -> None:
    token, port = secrets.token_urlsafe(24), free_port()
    first = run(tmp_path, redis_url, token, port)
    try:
        wait_for(lambda: len(demo_articles(first)) == 6, timeout_s=90, what="the six demo articles")
    finally:
        first.stop()

    again = run(tmp_path, redis_url, token, port)
    try:
        (feed,) = demo_feeds(again)
        before = feed["last_success_at"]

        def polled_again() -> bool:
            (now,) = demo_feeds(again)
            return now["last_success_at"] != before and now["consecutive_failures"] == 0

        wait_for(polled_again, timeout_s=60, what="the demo feed polled by the new run")
        assert sorted(demo_articles(again)) == sorted(TITLES)  # each once: nothing published twice
    finally:
        again.stop()

    elsewhere = run(tmp_path, redis_url, token, free_port())  # the port changed: the old feed is gone
    try:
        (only,) = demo_feeds(elsewhere)
        assert elsewhere.demo is not None and only["url"] == elsewhere.demo.feed_url
    finally:
        elsewhere.stop()
