"""End to end against the docker compose stack (`make compose-smoke` runs this; `make test` does not).

tests/compose/run.sh builds the images, starts docker-compose.yml with docker-compose.smoke.yml, three
enrich replicas and two alert-match replicas, and passes the published addresses in SMOKE_* variables.
The checks are those of tests/e2e (same feed, same watchlist) but every hop crosses the containers'
network, and alert runs as its three roles apart: ingest polls the sink container, alert-deliver
posts to it. The file name does not start with ``test_`` on purpose, so the normal suite never
collects it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from newswatch_cli.demo.articles import DEMO_ARTICLES
from tests.e2e.test_feed_to_webhook import FEED
from tests.helpers.wait import wait_for

pytestmark = pytest.mark.timeout(300)

ALERT = os.environ.get("SMOKE_ALERT_URL", "")
INGEST = os.environ.get("SMOKE_INGEST_URL", "")
SINK = os.environ.get("SMOKE_SINK_URL", "")
TOKEN = os.environ.get("NEWSWATCH_ADMIN_TOKEN", "")
PROJECT = os.environ.get("SMOKE_PROJECT", "newswatch-smoke")
STARTED_AT = float(os.environ.get("SMOKE_STARTED_AT", "0"))
SINK_IN_NETWORK = "http://webhook-sink:9000"  # how the containers reach the sink

#: What a later check needs from an earlier one (the module runs top to bottom, as a scenario).
STATE: dict[str, str] = {}

if not (ALERT and INGEST and SINK and TOKEN):
    pytest.skip("run by tests/compose/run.sh (make compose-smoke)", allow_module_level=True)


def containers(service: str) -> list[str]:
    out = subprocess.run(
        [
            "docker",
            "ps",
            "-a",
            "-q",
            "--filter",
            f"label=com.docker.compose.project={PROJECT}",
            "--filter",
            f"label=com.docker.compose.service={service}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert out, f"no container for {service}"
    return out


def inspect(container: str) -> dict[str, Any]:
    out = subprocess.run(["docker", "inspect", container], check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout)[0]
    return result


def received(path: str, method: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = httpx.get(f"{SINK}/_received", timeout=5).json()
    return [e for e in entries if e["path"] == path and e["method"] == method]


def hooks_for(title: str) -> list[dict[str, Any]]:
    """Webhook calls about one story (the demo feed's stories may match the watchlist too)."""
    return [h for h in received("/hook", "POST") if title in json.loads(base64.b64decode(h["body"]))["title"]]


def test_demo_articles_appear_within_two_minutes_of_up() -> None:
    def enriched() -> list[dict[str, Any]] | None:
        page = httpx.get(f"{ALERT}/articles", params={"limit": 50}, timeout=5).json()
        articles: list[dict[str, Any]] = page["articles"]
        return articles if len(articles) >= len(DEMO_ARTICLES) else None

    articles = wait_for(enriched, timeout_s=max(1.0, STARTED_AT + 120 - time.time()), what="demo articles")
    print(f"\ndemo articles at {ALERT}/articles {time.time() - STARTED_AT:.0f}s after `up`")
    assert any(a["score"] > 0 and a["entities"] and a["escalation"] for a in articles)
    assert all(a["url"].startswith("http://demo-feed:8080/news/") for a in articles)


def test_feed_item_reaches_the_webhook_over_the_compose_network() -> None:
    admin = {"Authorization": f"Bearer {TOKEN}"}
    feed_headers = {"Content-Type": "application/rss+xml", "ETag": '"v1"'}
    put = httpx.put(f"{SINK}/feed.xml", content=FEED.encode(), headers=feed_headers)
    assert put.status_code == 204
    with (
        httpx.Client(base_url=ALERT, timeout=10) as alert_api,
        httpx.Client(base_url=INGEST, timeout=10) as ingest,
    ):
        user = alert_api.post("/users", json={"name": "risk desk"}, headers=admin)
        assert user.status_code == 201, user.text
        as_user = {"Authorization": f"Bearer {user.json()['api_key']}"}
        STATE["api_key"] = user.json()["api_key"]
        watchlist = alert_api.post(
            "/watchlists",
            json={
                "name": "Ukraine troops",
                "entities": ["Ukraine"],
                "keywords": ["troops"],
                "channels": [{"type": "webhook", "url": f"{SINK_IN_NETWORK}/hook"}],
            },
            headers=as_user,
        )
        assert watchlist.status_code == 201, watchlist.text
        secret = watchlist.json()["channels"][0]["secret"]
        feed = ingest.post("/feeds", json={"url": f"{SINK_IN_NETWORK}/feed.xml"}, headers=admin)
        assert feed.status_code in (200, 201), feed.text

        story = "Kremlin refuses to yield"
        (hook,) = wait_for(lambda: hooks_for(story), timeout_s=90, what="the webhook call")
        body = base64.b64decode(hook["body"])
        timestamp = hook["headers"]["x-newswatch-timestamp"]  # signed with the body, against replays
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert hook["headers"]["x-newswatch-signature"] == f"sha256={expected}"
        alert = json.loads(body)
        assert hook["headers"]["idempotency-key"] == alert["id"]
        assert "Ukraine" in alert["matched_entities"] and "troops" in alert["matched_keywords"]

        # Exactly one delivery, even after ingest polled the feed twice more (answered 304).
        polls = len(received("/feed.xml", "GET"))
        wait_for(lambda: len(received("/feed.xml", "GET")) >= polls + 2, timeout_s=60, what="two more polls")
        listed = alert_api.get("/alerts", headers=as_user).json()["alerts"]
        alerts = [a for a in listed if story in a["title"]]
        assert len(alerts) == 1, alerts
        assert all(c["status"] == "delivered" for c in alerts[0]["deliveries"])
        assert len(hooks_for(story)) == 1


def fetch_in(container: str, port: int, path: str) -> str:
    """GET a URL from inside a container: the ports of scaled services are not published."""
    url = f"http://127.0.0.1:{port}{path}"
    script = f"import urllib.request; print(urllib.request.urlopen({url!r}).read().decode())"
    return subprocess.run(
        ["docker", "exec", container, "python", "-c", script], check=True, capture_output=True, text=True
    ).stdout


def metrics_of(container: str, port: int = 8002) -> str:
    return fetch_in(container, port, "/metrics")


def lag_partitions(text: str, topic: str = "articles.raw") -> set[int]:
    return {
        int(sample.labels["partition"])
        for family in text_string_to_metric_families(text)
        if family.name == "newswatch_consumer_lag_messages"
        for sample in family.samples
        if sample.labels["topic"] == topic
    }


def test_three_enrich_replicas_share_the_six_partitions() -> None:
    replicas = containers("enrich")
    assert len(replicas) == 3

    def spread() -> list[set[int]] | None:
        held = [lag_partitions(metrics_of(c)) for c in replicas]
        every = [p for h in held for p in h]
        return held if sorted(every) == list(range(6)) and all(held) else None

    held = wait_for(spread, timeout_s=60, what="each replica reporting lag for its own partitions")
    print(f"\narticles.raw partitions per enrich replica: {[sorted(h) for h in held]}")


def test_two_alert_match_replicas_share_the_enriched_partitions() -> None:
    """The alert above was made with two match replicas in the group: each holds its own partitions."""
    replicas = containers("alert-match")
    assert len(replicas) == 2

    def spread() -> list[set[int]] | None:
        held = [lag_partitions(metrics_of(c, 8000), "articles.enriched") for c in replicas]
        every = [p for h in held for p in h]
        return held if sorted(every) == list(range(6)) and all(held) else None

    held = wait_for(spread, timeout_s=60, what="each alert-match replica reporting lag for its partitions")
    print(f"\narticles.enriched partitions per alert-match replica: {[sorted(h) for h in held]}")
    for role in ("api", "match", "deliver"):
        for container in containers(f"alert-{role}"):
            ready = fetch_in(container, 8000, "/ready")
            assert list(json.loads(ready)["roles"]) == [role], ready


def test_services_are_healthy_and_log_json_lines() -> None:
    def unhealthy() -> list[str]:
        return [
            f"{service}: {state.get('Health', {}).get('Status')}"
            for service in ("ingest", "enrich", "alert-api", "alert-match", "alert-deliver", "demo-feed")
            for state in (inspect(c)["State"] for c in containers(service))
            if not (state["Running"] and state.get("Health", {}).get("Status") == "healthy")
        ]

    # Docker checks every 10 s; a replica still loading spaCy at the last check reads "starting".
    wait_for(lambda: not unhealthy(), timeout_s=60, what="every service healthy")
    (job,) = containers("topics")
    assert inspect(job)["State"]["ExitCode"] == 0
    alert = containers("alert-api")[0]
    assert inspect(alert)["Config"]["User"] == "newswatch:newswatch"
    script = "import json, os; print(json.dumps(dict(os.environ)))"
    exec_env = subprocess.run(
        ["docker", "exec", alert, "python", "-c", script], check=True, capture_output=True, text=True
    ).stdout
    env = json.loads(exec_env)
    assert env["NEWSWATCH_ADMIN_TOKEN"] == TOKEN
    assert "NEWSWATCH_ALERT_SMTP_PASSWORD" not in env  # an unset pass-through stays unset
    match_env = subprocess.run(
        ["docker", "exec", containers("alert-match")[0], "python", "-c", script],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "NEWSWATCH_ADMIN_TOKEN" not in json.loads(match_env)  # only the api role gets the secret
    records = [
        json.loads(line)
        for container in containers("alert-match")
        for line in subprocess.run(
            ["docker", "logs", container], check=True, capture_output=True, text=True
        ).stderr.splitlines()
        if line.strip()
    ]
    assert records and all(r["service"] == "alert" and r["level"] for r in records)
    assert any("alert_id" in r and "article_id" in r for r in records)  # the match role made the alert


def test_users_survive_a_redis_restart() -> None:
    """The append-only file on the named volume: restart Redis, the user's key still works."""
    assert STATE.get("api_key"), "needs the user of the webhook check"
    (redis,) = containers("redis")
    subprocess.run(["docker", "restart", redis], check=True, capture_output=True)

    def alerts_listed() -> bool:
        headers = {"Authorization": f"Bearer {STATE['api_key']}"}
        r = httpx.get(f"{ALERT}/alerts", headers=headers, timeout=5)
        return r.status_code == 200 and len(r.json()["alerts"]) >= 1

    wait_for(alerts_listed, timeout_s=60, what="the user's alerts after Redis restarted")
