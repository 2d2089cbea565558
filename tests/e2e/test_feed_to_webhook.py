"""End to end, as users run it: a feed item travels ingest → Kafka → enrich → alert → webhook.

The stack is the one `make run` starts (the Stack class behind `newswatch dev`): a real Tansu broker,
a real Redis (embedded Valkey, or NEWSWATCH_REDIS_URL), and the three services as processes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from newswatch_cli.stack import Stack
from tests.helpers.servers import LocalHTTPServer
from tests.helpers.stacks import running_stack, stack_config
from tests.helpers.wait import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

# Written by us, modelled on the kind of wire report newswatch exists for.
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test Wire</title><link>http://wire.test/</link><language>en</language>
<item>
  <title>Kremlin refuses to yield in NATO talks while troops mass near Ukraine</title>
  <link>http://wire.test/world/kremlin-refuses-to-yield?utm_source=rss&amp;utm_medium=feed</link>
  <guid>http://wire.test/world/kremlin-refuses-to-yield</guid>
  <pubDate>Tue, 24 Nov 2026 08:30:00 GMT</pubDate>
  <description>&lt;p&gt;Russia said it would make no concessions in its security talks with the United States
  and NATO, as tens of thousands of troops remained camped near Ukraine's border. Western governments
  prepared sanctions and Germany said the Nord Stream 2 pipeline could be halted.&lt;/p&gt;</description>
</item>
<item>
  <title>Harvest festival draws record crowds</title>
  <link>http://wire.test/life/harvest-festival</link>
  <pubDate>Tue, 24 Nov 2026 07:00:00 GMT</pubDate>
  <description>Organisers said the weekend fair sold out of apple cider by noon.</description>
</item>
</channel></rss>"""


@pytest.fixture
def stack(tmp_path: Path, redis_url: str) -> Iterator[Stack]:
    with running_stack(stack_config(tmp_path, redis_url, {"NEWSWATCH_INGEST_POLL_INTERVAL_S": "2"})) as s:
        yield s


def test_seed_story_reaches_the_webhook_once(stack: Stack) -> None:
    admin = {"Authorization": f"Bearer {stack.config.admin_token}"}
    with (
        httpx.Client(base_url=stack.url("alert"), timeout=10) as alert_api,
        httpx.Client(base_url=stack.url("ingest"), timeout=10) as ingest_api,
        LocalHTTPServer() as web,
    ):
        web.route("/feed.xml", FEED.encode(), headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})

        user = alert_api.post("/users", json={"name": "risk desk"}, headers=admin)
        assert user.status_code == 201, user.text
        as_user = {"Authorization": f"Bearer {user.json()['api_key']}"}
        watchlist = alert_api.post(
            "/watchlists",
            json={
                "name": "Ukraine troops",
                "entities": ["Ukraine"],
                "keywords": ["troops"],
                "channels": [{"type": "webhook", "url": web.url("/hook")}],
            },
            headers=as_user,
        )
        assert watchlist.status_code == 201, watchlist.text
        secret = watchlist.json()["channels"][0]["secret"]

        feed = ingest_api.post("/feeds", json={"url": web.url("/feed.xml")}, headers=admin)
        assert feed.status_code in (200, 201), feed.text

        (hook,) = wait_for(lambda: web.posts("/hook"), timeout_s=60, what="the webhook call")
        # The documented wire format, computed here by hand: HMAC-SHA256(secret, "<timestamp>." + body).
        timestamp = hook.headers["x-newswatch-timestamp"]
        assert abs(time.time() - int(timestamp)) < 300
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + hook.body, hashlib.sha256).hexdigest()
        assert hook.headers["x-newswatch-signature"] == f"sha256={expected}"
        alert = json.loads(hook.body)
        assert hook.headers["idempotency-key"] == alert["id"]
        assert "Ukraine" in alert["matched_entities"]
        assert "troops" in alert["matched_keywords"]
        assert "Kremlin refuses to yield" in alert["title"]

        # The article is listed, enriched, without tracking parameters in its URL.
        def listed() -> dict[str, object] | None:
            articles = alert_api.get("/articles", params={"limit": 10}).json()["articles"]
            return next((a for a in articles if "Kremlin refuses" in a["title"]), None)

        article = wait_for(listed, timeout_s=30, what="the article in GET /articles")
        assert article["url"] == "http://wire.test/world/kremlin-refuses-to-yield"
        assert {"troops", "sanctions", "Nord Stream 2"} <= {m["term"] for m in article["escalation"]}
        assert any(e["canonical"] == "Ukraine" and e["country"] == "UA" for e in article["entities"])

        # Exactly one alert: wait until the alert is recorded as delivered and ingest has polled the feed
        # again (a conditional GET answered 304), then count the calls.
        first_poll_count = len(web.requests("/feed.xml"))
        wait_for(
            lambda: len(web.requests("/feed.xml")) >= first_poll_count + 2,
            timeout_s=30,
            what="two more polls",
        )
        alerts = alert_api.get("/alerts", headers=as_user).json()["alerts"]
        assert len(alerts) == 1
        assert all(c["status"] == "delivered" for c in alerts[0]["deliveries"])
        assert len(web.posts("/hook")) == 1
        # The story with no entity or keyword of interest made no alert, but was still enriched and listed.
        titles = [a["title"] for a in alert_api.get("/articles").json()["articles"]]
        assert "Harvest festival draws record crowds" in titles


def test_every_service_serves_health_ready_and_metrics(stack: Stack) -> None:
    for name in ("ingest", "enrich", "alert"):
        base = stack.url(name)
        assert httpx.get(f"{base}/health").json()["status"] == "ok"
        ready = httpx.get(f"{base}/ready")
        assert ready.status_code == 200 and all(ready.json()["checks"].values()), ready.text
        metrics = httpx.get(f"{base}/metrics")
        assert metrics.headers["content-type"].startswith("text/plain")
        assert "newswatch_" in metrics.text


def test_stack_stops_cleanly_within_ten_seconds(stack: Stack) -> None:
    pids = [p.pid for p in stack.processes.values()]
    started = time.monotonic()
    stack.stop()
    assert time.monotonic() - started < 10
    assert all(p.returncode == 0 for p in stack.processes.values()), {
        n: p.returncode for n, p in stack.processes.items()
    }
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
