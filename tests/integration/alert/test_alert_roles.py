"""The alert roles apart, as compose runs them: each in its own `newswatch-alert` process, on the real
broker and Redis, delivering to a real webhook receiver.

- api, match and deliver in three processes turn one article into exactly one delivered alert, and
  each process serves (and reports in /ready) only what its role owns;
- killing the api process stops neither matching nor delivery;
- two match replicas split the partitions and never create an alert twice, even when one of them is
  killed while articles flow and the survivor takes its partitions (and re-reads what it left).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from newswatch_alert.settings import AlertSettings
from newswatch_cli.embedded import free_port
from newswatch_shared.kafka import make_producer
from newswatch_shared.schemas import EnrichedArticle, encode
from newswatch_shared.topics import ARTICLES_ENRICHED
from tests.helpers.kafka import topic
from tests.integration.alert.support import (
    ADMIN_TOKEN,
    Receiver,
    admin,
    bearer,
    border_article,
    eventually,
    produce_articles,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

PARTITIONS = 4


@dataclass
class AlertProcess:
    """One `newswatch-alert` process running ``roles``, with its own port and log file."""

    roles: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AlertProcess:
        env = {**self.env, "NEWSWATCH_ALERT_ROLES": self.roles, "NEWSWATCH_ALERT_PORT": str(self.port)}
        exe = Path(sys.executable).with_name("newswatch-alert")
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([str(exe)], env=env, stdout=out, stderr=subprocess.STDOUT)
        return self

    async def ready(self, client: httpx.AsyncClient) -> dict[str, object] | None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.roles} exited with {self.proc.returncode}: {self.log.read_text()}")
        try:
            response = await client.get(self.url + "/ready")
        except httpx.HTTPError:
            return None
        body: dict[str, object] = response.json()
        return body if response.status_code == 200 else None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.terminate()
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return None


@dataclass
class Cluster:
    """The processes of one test, the env they share, and a client for them."""

    env: dict[str, str]
    logs: Path
    client: httpx.AsyncClient
    processes: list[AlertProcess] = field(default_factory=list)

    async def start(self, *roles: str) -> list[AlertProcess]:
        started = [
            AlertProcess(r, self.env, self.logs / f"{r}-{len(self.processes) + i}.log").start()
            for i, r in enumerate(roles)
        ]
        self.processes += started
        for process in started:
            await eventually(lambda p=process: p.ready(self.client), 60, f"{process.roles} ready")
        return started


@pytest.fixture
def env(settings: AlertSettings) -> dict[str, str]:
    return {
        **os.environ,
        "NEWSWATCH_ADMIN_TOKEN": ADMIN_TOKEN,
        "NEWSWATCH_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "NEWSWATCH_KAFKA_PARTITIONS": str(PARTITIONS),
        "NEWSWATCH_REDIS_URL": settings.redis_url,
        "NEWSWATCH_LOG_FORMAT": "text",
        "NEWSWATCH_ALERT_DELIVERY_POLL_S": "0.05",
        "NEWSWATCH_ALERT_WEBHOOK_TIMEOUT_S": "2",
        "NEWSWATCH_ALERT_DELIVERY_LEASE_S": "8",
    }


@pytest.fixture
async def cluster(env: dict[str, str], tmp_path: Path) -> AsyncIterator[Cluster]:
    async with httpx.AsyncClient(timeout=10) as client:
        group = Cluster(env, tmp_path, client)
        try:
            yield group
        finally:
            codes = [p.stop() for p in group.processes]
    killed = [p for p in group.processes if p.proc is not None and p.proc.returncode == -signal.SIGKILL]
    assert all(code in (0, None) for p, code in zip(group.processes, codes, strict=True) if p not in killed)


async def watch_border(api: AlertProcess, client: httpx.AsyncClient, receiver: Receiver) -> str:
    """A user with a watchlist on Ukraine + troops delivering to the receiver; returns the API key."""
    user = await client.post(api.url + "/users", json={"name": "risk desk"}, headers=admin())
    assert user.status_code == 201, user.text
    key: str = user.json()["api_key"]
    watchlist = await client.post(
        api.url + "/watchlists",
        json={
            "name": "border",
            "entities": ["Ukraine"],
            "keywords": ["troops"],
            "channels": [{"type": "webhook", "url": receiver.url("/ok")}],
        },
        headers=bearer(key),
    )
    assert watchlist.status_code == 201, watchlist.text
    return key


def delivered_ids(receiver: Receiver) -> list[str]:
    """The article of every webhook POST received, one entry per POST (repeats included)."""
    return [r.json()["article_id"] for r in receiver.received("/ok")]


async def delivered(receiver: Receiver, expected: set[str]) -> bool:
    return set(delivered_ids(receiver)) >= expected


async def metrics(
    process: AlertProcess, client: httpx.AsyncClient
) -> list[tuple[str, dict[str, str], float]]:
    text = (await client.get(process.url + "/metrics")).text
    return [(s.name, s.labels, s.value) for f in text_string_to_metric_families(text) for s in f.samples]


async def processed(process: AlertProcess, client: httpx.AsyncClient) -> float:
    """Articles the process's match role has handled (its consume loop's counter)."""
    return sum(
        value
        for name, labels, value in await metrics(process, client)
        if name == "newswatch_messages_processed_total" and labels.get("topic") == topic(ARTICLES_ENRICHED)
    )


async def partitions_held(process: AlertProcess, client: httpx.AsyncClient) -> set[int]:
    return {
        int(labels["partition"])
        for name, labels, _ in await metrics(process, client)
        if name == "newswatch_consumer_lag_messages" and labels.get("topic") == topic(ARTICLES_ENRICHED)
    }


async def test_three_roles_in_three_processes_make_one_delivered_alert(
    cluster: Cluster, settings: AlertSettings, receiver: Receiver
) -> None:
    api, match, deliver = await cluster.start("api", "match", "deliver")
    client = cluster.client

    # Each process reports its own role and needs only what that role needs.
    for process, checks in ((api, {"redis"}), (match, {"kafka", "redis"}), (deliver, {"redis"})):
        ready = (await client.get(process.url + "/ready")).json()
        assert list(ready["roles"]) == [process.roles]
        assert set(ready["checks"]) == checks and all(ready["checks"].values())
        assert ready["roles"][process.roles]["status"] == "ready"
    # Only the api process serves the API; the others serve their ops endpoints.
    assert (await client.get(api.url + "/articles")).status_code == 200
    for process in (match, deliver):
        assert (await client.get(process.url + "/articles")).status_code == 404
        assert (await client.get(process.url + "/health")).json() == {"status": "ok", "service": "alert"}

    key = await watch_border(api, client, receiver)
    await produce_articles(settings, border_article("border-1"))
    await eventually(lambda: delivered(receiver, {"border-1"}), 60, "the webhook POST")

    async def listed_delivered() -> list[dict[str, object]] | None:
        alerts = (await client.get(api.url + "/alerts", headers=bearer(key))).json()["alerts"]
        done = [a for a in alerts if all(d["status"] == "delivered" for d in a["deliveries"])]
        return alerts if alerts and done == alerts else None

    (alert,) = await eventually(listed_delivered, 30, "the alert listed as delivered by the api process")
    assert alert["article_id"] == "border-1"
    # The article reached the live feed too (written by match, read by api).
    assert (await client.get(api.url + "/articles/border-1")).status_code == 200
    # A redelivered copy is read and matched again, and makes no second alert.
    await produce_articles(settings, border_article("border-1"))

    async def copy_handled() -> bool:
        return await processed(match, client) >= 2

    await eventually(copy_handled, 30, "the copy handled by the match process")
    assert delivered_ids(receiver) == ["border-1"]
    assert len((await client.get(api.url + "/alerts", headers=bearer(key))).json()["alerts"]) == 1


async def test_killing_the_api_process_stops_neither_matching_nor_delivery(
    cluster: Cluster, settings: AlertSettings, receiver: Receiver
) -> None:
    api, _, _ = await cluster.start("api", "match", "deliver")
    key = await watch_border(api, cluster.client, receiver)
    api.kill()

    await produce_articles(settings, border_article("after-api-died"))
    await eventually(lambda: delivered(receiver, {"after-api-died"}), 60, "a delivery with no api process")
    assert delivered_ids(receiver) == ["after-api-died"]

    (api,) = await cluster.start("api")  # back: it lists what was made while it was away
    alerts = (await cluster.client.get(api.url + "/alerts", headers=bearer(key))).json()["alerts"]
    assert [a["article_id"] for a in alerts] == ["after-api-died"]


async def test_two_match_replicas_split_partitions_and_never_create_an_alert_twice(
    cluster: Cluster, settings: AlertSettings, receiver: Receiver
) -> None:
    api, _, first, second = await cluster.start("api", "deliver", "match", "match")
    client = cluster.client
    key = await watch_border(api, client, receiver)

    async def split() -> tuple[set[int], set[int]] | None:
        held = await partitions_held(first, client), await partitions_held(second, client)
        return held if held[0] and held[1] and held[0] | held[1] == set(range(PARTITIONS)) else None

    # The lag gauge appears once a replica has polled its partitions.
    await produce_articles(settings, *(border_article(f"warm-{i}") for i in range(8)))
    held_first, held_second = await eventually(split, 60, "both match replicas holding partitions")
    assert not held_first & held_second

    # Every article twice, at once, on a partition of each replica (as when partitions are added and
    # keys move): the two replicas race to make the same alert, and exactly one is made.
    twice = [border_article(f"twice-{i}") for i in range(20)]
    await produce_to(settings, [(a, min(held_first)) for a in twice] + [(a, min(held_second)) for a in twice])
    # Then one replica dies while articles flow: the survivor takes its partitions and re-reads
    # whatever it had not committed.
    wave = [border_article(f"wave-{i}") for i in range(30)]
    await produce_articles(settings, *wave[:15])
    second.kill()
    await produce_articles(settings, *wave[15:])

    expected = {f"warm-{i}" for i in range(8)} | {a.id for a in twice + wave}
    await eventually(lambda: delivered(receiver, expected), 90, "every article delivered")

    async def all_handled() -> bool:
        return await processed(first, client) >= len(wave[15:])

    await eventually(all_handled, 30, "the survivor handling the second wave")
    ids = delivered_ids(receiver)
    assert len(ids) == len(set(ids)), "an alert was delivered twice"
    alerts = (await client.get(api.url + "/alerts", headers=bearer(key), params={"limit": 200})).json()
    assert sorted(a["article_id"] for a in alerts["alerts"]) == sorted(expected)


async def produce_to(settings: AlertSettings, placed: list[tuple[EnrichedArticle, int]]) -> None:
    """Each article to the partition given, all in flight together."""
    producer = make_producer(settings.kafka("test"))
    await producer.start()
    try:
        sent = [
            await producer.send(topic(ARTICLES_ENRICHED), encode(a), key=a.id.encode(), partition=p)
            for a, p in placed
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
