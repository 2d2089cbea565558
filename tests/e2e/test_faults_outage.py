"""The broker away for 30 s, then Redis away for 30 s, in the middle of a stream: no process exits,
``/ready`` says not ready while its dependency is away and ready again after, and nothing is lost.

The broker is frozen (SIGSTOP, then SIGCONT): to its clients that is a broker that stops answering,
the hard case, with connections left open and requests timing out rather than refused. (The embedded
Tansu build keeps its data in memory only, so stopping it would lose the topics; Apache Kafka's own
restarts are the compose smoke's business.) Redis is shut down and started again on the same port
with its append-only file, as an operator's restart or a failover would: connections are refused and
then come back.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from newswatch_cli.stack import Stack
from newswatch_shared.schemas import EnrichedArticle
from newswatch_shared.topics import ARTICLES_ENRICHED, DEAD_LETTER
from tests.e2e.faults_support import ArticleStream, Receivers, alert_progress, make_user, read_topic
from tests.e2e.test_faults_kill import fault_config
from tests.helpers.servers import LocalHTTPServer
from tests.helpers.stacks import running_stack
from tests.helpers.wait import wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.integration,
    pytest.mark.timeout(600),  # about 80 s beside the suite on 2 cores: room for a slower CI machine
    pytest.mark.skipif(
        bool(os.environ.get("NEWSWATCH_KAFKA_BOOTSTRAP")),
        reason="freezes the broker: needs the embedded one, not an existing Kafka",
    ),
]

ARTICLES = 300
RATE_PER_S = 4.0  # 75 s of stream: both outages fall inside it
OUTAGE_S = 30.0
NEEDS_KAFKA = ("ingest", "enrich", "alert-match")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(fault_config(tmp_path, None), tail=400) as s:  # its own broker and Redis, to take away
        yield s


def _readiness(stack: Stack) -> dict[str, int]:
    codes = {}
    for name in stack.config.process_names:
        try:
            codes[name] = httpx.get(stack.url(name) + "/ready", timeout=5).status_code
        except httpx.HTTPError:
            codes[name] = 0  # not answering at all
    return codes


def _outage(stack: Stack, expect_unready: tuple[str, ...]) -> dict[str, int]:
    """Watch /ready for OUTAGE_S seconds; every process must stay alive, and each of
    ``expect_unready`` must answer 503 at some point. Returns the 503 count per process."""
    unready = dict.fromkeys(stack.config.process_names, 0)
    ends = time.monotonic() + OUTAGE_S
    while time.monotonic() < ends:
        for name, code in _readiness(stack).items():
            if code == 503:
                unready[name] += 1
            assert code != 0, f"{name} stopped answering HTTP during the outage"
        for name, proc in stack.processes.items():
            assert proc.poll() is None, f"{name} exited with code {proc.returncode} during the outage"
        time.sleep(1)
    missing = [name for name in expect_unready if unready[name] == 0]
    assert not missing, f"/ready never said not ready: {missing} ({unready})"
    return unready


def test_broker_and_redis_away_for_30_s_each_lose_nothing(stack: Stack) -> None:
    assert stack.broker is not None and stack.broker.process is not None
    assert stack.redis is not None
    with (
        httpx.Client(base_url=stack.url("alert"), timeout=10) as alert_api,
        httpx.Client(base_url=stack.url("ingest"), timeout=10) as ingest_api,
        LocalHTTPServer() as web,
    ):
        receivers = Receivers(web)
        user = make_user(
            alert_api,
            stack.config.admin_token,
            "troops desk",
            {
                "name": "troops",
                "keywords": ["troops"],
                "channels": [{"type": "webhook", "url": web.url("/a")}],
            },
        )
        stream = ArticleStream(web, ARTICLES, feeds=2, rate_per_s=RATE_PER_S, window=400)
        admin = {"Authorization": f"Bearer {stack.config.admin_token}"}
        for f in range(stream.feeds):
            added = ingest_api.post("/feeds", json={"url": stream.feed_url(f)}, headers=admin)
            assert added.status_code in (200, 201), added.text
        stream.start()
        report: dict[str, object] = {}
        try:
            time.sleep(5)
            report["broker_frozen_at_article"] = stream.released
            os.kill(stack.broker.process.pid, signal.SIGSTOP)
            try:
                report["unready_polls_broker"] = _outage(stack, NEEDS_KAFKA)
            finally:
                os.kill(stack.broker.process.pid, signal.SIGCONT)
            back = time.monotonic()
            wait_for(
                lambda: set(_readiness(stack).values()) == {200}, timeout_s=120, what="ready after the broker"
            )
            report["ready_after_broker_s"] = round(time.monotonic() - back, 1)

            report["redis_stopped_at_article"] = stream.released
            stack.redis.stop()
            try:
                report["unready_polls_redis"] = _outage(stack, stack.config.process_names)
            finally:
                stack.redis.start()
            back = time.monotonic()
            wait_for(
                lambda: set(_readiness(stack).values()) == {200}, timeout_s=120, what="ready after Redis"
            )
            report["ready_after_redis_s"] = round(time.monotonic() - back, 1)
            wait_for(lambda: stream.done, timeout_s=120, what="the stream to finish")
        finally:
            stream.stop()

        links = {item.link for item in stream.items}
        want = {i.link for i in stream.items if i.troops}

        def enriched() -> set[str] | None:
            got = {
                EnrichedArticle.model_validate_json(v).article.url
                for v in read_topic(stack.kafka_bootstrap, ARTICLES_ENRICHED)
            }
            return got if got >= links else None

        wait_for(enriched, timeout_s=240, what="every article on articles.enriched", interval_s=2)
        wait_for(
            lambda: len(receivers.count("/a")) >= len(want),
            timeout_s=120,
            what="every alert",
            interval_s=1,
            progress=alert_progress(stack.redis_url, user, receivers, "/a", len(want)),
        )
        time.sleep(3)

        store = redis.Redis.from_url(stack.redis_url)
        alert_ids = [a.decode() for a in store.zrange(f"user:{user}:alerts", 0, -1)]
        assert len(alert_ids) == len(want)
        assert {json.loads(store.get(f"alert:{a}") or b"{}")["url"] for a in alert_ids} == want
        counted = receivers.count("/a")
        assert set(counted) == set(alert_ids)
        assert read_topic(stack.kafka_bootstrap, DEAD_LETTER) == []
        for name, proc in stack.processes.items():
            assert proc.poll() is None, f"{name} exited"
        report["repeated_deliveries"] = sum(counted.values()) - len(counted)
        print(json.dumps(report))
