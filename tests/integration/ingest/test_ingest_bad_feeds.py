"""Bad feeds against the real service: `newswatch-ingest` as its own process, polling hostile feeds.

Each hostile feed (hostile_feeds.py) must end up with a clear error in its health, shown by
``GET /feeds`` — or, for lying encodings and external entities, be read correctly with a warning —
while the process stays up, stays ready, and keeps polling a good feed on another host. Memory is
read from /proc/<pid>/status: VmRSS once the good feed has been polled (the process is warm), then
VmHWM (the peak) and VmRSS after each case has been polled twice (added one at a time, the costly
ones last), and once more after the 100 MB body and the gzip bomb have been polled four times.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from newswatch_cli.embedded import free_port
from tests.integration.ingest.hostile_feeds import LATIN, Hostile, cases
from tests.integration.ingest.sched_servers import host_servers
from tests.integration.ingest.scripted_server import ScriptedServer
from tests.integration.ingest.support import ADMIN_TOKEN, PARTITIONS, RawReader, eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MB = 1024 * 1024
#: Peak growth allowed over the warm baseline: the cap is 10 MiB, the largest body 100 MB and the bomb
#: 1 GiB; reading either whole would blow far past this.
PEAK_GROWTH_LIMIT = 60 * MB


def good_feed(*titles: str) -> bytes:
    when = format_datetime(datetime(2024, 5, 15, 12, 0, tzinfo=UTC), usegmt=True)
    items = "".join(
        f"<item><title>{t}</title><link>https://good.example.org/{i}</link><pubDate>{when}</pubDate></item>"
        for i, t in enumerate(titles)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Good</title>{items}</channel></rss>'
    ).encode()


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


@pytest.fixture
def ingest_process(fresh_kafka: str, redis_url: str, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(port: int, feeds: list[str]) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "NEWSWATCH_ADMIN_TOKEN": ADMIN_TOKEN,
            "NEWSWATCH_KAFKA_BOOTSTRAP": fresh_kafka,
            "NEWSWATCH_KAFKA_ENABLE_IDEMPOTENCE": "false",
            "NEWSWATCH_KAFKA_PARTITIONS": str(PARTITIONS),
            "NEWSWATCH_REDIS_URL": redis_url,
            "NEWSWATCH_HOST": "127.0.0.1",
            "NEWSWATCH_INGEST_PORT": str(port),
            "NEWSWATCH_INGEST_FEEDS": ",".join(feeds),
            "NEWSWATCH_INGEST_POLL_INTERVAL_S": "1",
            "NEWSWATCH_INGEST_FETCH_TIMEOUT_S": "5",
            "NEWSWATCH_INGEST_MAX_PER_HOST": "4",
            "NEWSWATCH_LOG_FORMAT": "text",
        }
        exe = Path(sys.executable).with_name("newswatch-ingest")
        with (tmp_path / "ingest.log").open("ab") as log:
            proc = subprocess.Popen([str(exe)], env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def feeds_by_url(api: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await api.get("/feeds")
    response.raise_for_status()
    return {f["url"]: f for f in response.json()}


def settled(case: Hostile, feed: dict[str, Any]) -> bool:
    """The case has been polled enough to judge: two failures in a row, or one successful read."""
    if case.kind is None:
        return feed["last_success_at"] is not None
    return int(feed["consecutive_failures"]) >= 2


async def test_hostile_feeds_get_a_clear_error_and_memory_stays_bounded(
    ingest_process: Callable[..., subprocess.Popen[bytes]],
    raw_reader: Callable[[], Awaitable[RawReader]],
) -> None:
    with ScriptedServer() as hostile, host_servers("127.0.0.2") as (good_host, (good,)):
        good_host.routes["/good.xml"] = (200, {"Content-Type": "application/rss+xml"}, good_feed("First"))
        table = cases(hostile)
        for case in table:
            hostile.routes[f"/{case.name}.xml"] = case.route
        port = free_port()
        proc = ingest_process(port, [good.url("/good.xml")])
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as api:

            async def ready() -> bool:
                assert proc.poll() is None, "newswatch-ingest exited during start-up"
                try:
                    return (await api.get("/ready")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, "the ingest process to be ready", timeout_s=60)

            async def good_published(count: int) -> bool:
                feed = (await feeds_by_url(api)).get(good.url("/good.xml"))
                return feed is not None and feed["articles_published"] == count

            await eventually(lambda: good_published(1), "the good feed's first article")
            before = memory(proc.pid)
            after_case: dict[str, dict[str, int]] = {}

            # One case at a time, so each line of the memory table belongs to the case that made it.
            listed: dict[str, dict[str, Any]] = {}
            for case in table:
                url = hostile.url(f"/{case.name}.xml")
                added = await api.post("/feeds", json={"url": url}, headers=ADMIN)
                assert added.status_code == 201, added.text

                async def polled(case: Hostile = case, url: str = url) -> bool:
                    listed.update(await feeds_by_url(api))
                    return settled(case, listed[url])

                await eventually(polled, f"the {case.name} feed to be polled", timeout_s=60)
                after_case[case.name] = memory(proc.pid)
            health = {c.name: listed[hostile.url(f"/{c.name}.xml")] for c in table}

            # Still up, still ready, still polling: the good feed's next item is published.
            good_host.routes["/good.xml"] = (
                200,
                {"Content-Type": "application/rss+xml"},
                good_feed("Second", "First"),
            )
            await eventually(lambda: good_published(2), "the good feed's second article")
            assert proc.poll() is None and (await api.get("/ready")).status_code == 200

            # Polled again and again, the costly cases hold no more memory than the first polls took.
            async def polled_four_times() -> bool:
                listed.update(await feeds_by_url(api))
                heavy = [listed[hostile.url(f"/{name}.xml")] for name in ("huge", "gzip-bomb")]
                return all(f["consecutive_failures"] >= 4 for f in heavy)

            await eventually(
                polled_four_times, "two more polls of the huge and gzip-bomb feeds", timeout_s=60
            )
            after = memory(proc.pid)

            for case in table:
                feed = health[case.name]
                if case.kind is None:
                    assert (feed["last_error_kind"], feed["last_error"]) == (None, None), case.name
                    assert case.phrase in (feed["last_warning"] or ""), (case.name, feed["last_warning"])
                else:
                    assert feed["last_error_kind"] == case.kind, (case.name, feed)
                    assert case.phrase in feed["last_error"], (case.name, feed["last_error"])
                    assert feed["last_success_at"] is None and feed["enabled"], case.name

            reader = await raw_reader()
            articles = {a.title: a for a in await reader.read_all()}
            assert articles["« Reprise » des négociations – “prudence” au ministère"].summary == (
                "Les délégations se retrouvent jeudi à la préfecture."
            )
            assert LATIN in articles
            (probe,) = [a for a in articles.values() if a.url == "https://probe.example.org/xxe"]
            assert probe.title.startswith("Probe item") and probe.summary.startswith("Before")
            assert not any("root:" in a.model_dump_json() for a in articles.values())  # /etc/passwd unread
            assert "/canary" not in hostile.paths()  # the external entity was never fetched

        print(f"\nbaseline: RSS {before['VmRSS'] / MB:.1f} MiB, peak {before['VmHWM'] / MB:.1f} MiB")
        for name, figures in after_case.items():
            print(f"{name}: RSS {figures['VmRSS'] / MB:.1f} MiB, peak {figures['VmHWM'] / MB:.1f} MiB")
        growth = after["VmHWM"] - before["VmRSS"]
        print(
            f"four polls of huge and gzip-bomb: RSS {after['VmRSS'] / MB:.1f} MiB,"
            f" peak {after['VmHWM'] / MB:.1f} MiB;"
            f" peak growth {growth / MB:.1f} MiB"
        )
        assert growth < PEAK_GROWTH_LIMIT, (before, after_case, after)
