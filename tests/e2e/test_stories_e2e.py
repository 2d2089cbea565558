"""End to end: five outlets carry one report; a watchlist hears of it once, with five sources, and a
corroborating watchlist (min_sources: 3) hears of it with the third copy, not before.

The whole path as users run it: five RSS feeds on a local server, ingest polling them, enrich grouping
the copies into one story (Redis), alert making one alert per (watchlist, story), webhooks to a local
receiver. Each outlet's copy is written by us in its own house style: another headline, a dateline,
a byline or a trailer, one of them cut short.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import httpx
import pytest

from newswatch_cli.stack import Stack
from tests.helpers.servers import LocalHTTPServer
from tests.helpers.stacks import running_stack, stack_config
from tests.helpers.wait import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

BODY = (
    "Armoured columns and about 4,000 troops moved toward the northern crossing near Valmora on Sunday, "
    "border officials in Strelna said, as talks in Geneva on a ceasefire stalled for a third day. "
    "The ministry of defence said 12 battalions were on alert and that rail traffic had been halted."
)
COPIES = [
    ("Northwire", "Troops mass near Valmora crossing as Geneva talks stall", f"STRELNA (Northwire) — {BODY}"),
    (
        "Daily Ledger",
        "Strelna: 4,000 troops head for the border - Daily Ledger",
        f"{BODY} Reporting by A. Smith.",
    ),
    (
        "Coast Herald",
        "UPDATE 1-Troops move toward Valmora crossing",
        f"{BODY} (Writing by B. Jones; Editing by C. Lee)",
    ),
    ("Metro Post", "Troops and armour near Valmora as talks stall | Metro Post", BODY),
    ("Eastern Times", "Border alert: troops near Valmora", BODY[:240] + "…"),
]


def feed(source: str, title: str, text: str, n: int) -> bytes:
    slug = source.lower().replace(" ", "-")
    item = (
        f"<item><title>{escape(title)}</title><link>https://{slug}.example/world/valmora-{n}</link>"
        f"<pubDate>Fri, 04 Dec 2026 09:{10 + n:02d}:00 GMT</pubDate>"
        f"<description>{escape(text)}</description></item>"
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{source}</title>'
        f"<link>https://{slug}.example/</link>{item}</channel></rss>"
    ).encode()


@pytest.fixture
def stack(tmp_path: Path, redis_url: str) -> Iterator[Stack]:
    with running_stack(stack_config(tmp_path, redis_url, {"NEWSWATCH_INGEST_POLL_INTERVAL_S": "1"})) as s:
        yield s


def test_five_copies_give_one_alert_with_five_sources_and_corroboration_waits_for_the_third(
    stack: Stack,
) -> None:
    admin = {"Authorization": f"Bearer {stack.config.admin_token}"}
    with (
        httpx.Client(base_url=stack.url("alert"), timeout=10) as alert_api,
        httpx.Client(base_url=stack.url("ingest"), timeout=10) as ingest_api,
        LocalHTTPServer() as web,
    ):
        user = alert_api.post("/users", json={"name": "desk"}, headers=admin).json()
        as_user = {"Authorization": f"Bearer {user['api_key']}"}
        for name, extra in (("first", {}), ("corroborated", {"min_sources": 3})):
            made = alert_api.post(
                "/watchlists",
                json={
                    "name": name,
                    "keywords": ["troops"],
                    "channels": [{"type": "webhook", "url": web.url(f"/{name}")}],
                    **extra,
                },
                headers=as_user,
            )
            assert made.status_code == 201, made.text
        empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
        for n in range(len(COPIES)):
            web.route(f"/feed/{n}.xml", empty, headers={"Content-Type": "application/rss+xml"})
            added = ingest_api.post("/feeds", json={"url": web.url(f"/feed/{n}.xml")}, headers=admin)
            assert added.status_code in (200, 201), added.text

        def stored_copies() -> int:
            articles = alert_api.get("/articles", params={"limit": 50}).json()["articles"]
            return sum(1 for a in articles if "valmora" in a["url"])

        for n, (source, title, text) in enumerate(COPIES):
            web.route(
                f"/feed/{n}.xml",
                feed(source, title, text, n),
                headers={"Content-Type": "application/rss+xml"},
            )
            wait_for(lambda n=n: stored_copies() >= n + 1, timeout_s=60, what=f"copy {n + 1} stored")
            time.sleep(1.5)  # any notification this copy causes has been sent by now
            corroborated = web.posts("/corroborated")
            if n + 1 < 3:
                assert corroborated == [], f"min_sources 3 notified at copy {n + 1}"
            else:
                assert len(corroborated) == 1, f"copy {n + 1}: {len(corroborated)} corroborated posts"

        first = wait_for(lambda: web.posts("/first"), timeout_s=30, what="the first watchlist's post")
        time.sleep(2)
        assert len(web.posts("/first")) == 1, "later copies update the alert without notifying again"
        payload = json.loads(first[0].body)
        assert payload["reason"] == "first"
        corroborated_payload = json.loads(web.posts("/corroborated")[0].body)
        assert corroborated_payload["reason"] == "corroborated"
        assert len(corroborated_payload["sources"]) >= 3

        alerts = alert_api.get("/alerts", headers=as_user).json()["alerts"]
        assert len(alerts) == 2, [a["watchlist_name"] for a in alerts]
        for alert in alerts:
            assert sorted(alert["sources"]) == sorted(s for s, _, _ in COPIES), alert["sources"]
            assert alert["copies"] == 5

        stories = alert_api.get("/stories").json()["stories"]
        assert len(stories) == 1, stories
