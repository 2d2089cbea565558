"""The system under test for bench/e2e: the `make run` stack with each role its own process, loaded
with 10,000 watchlists, and the probes the benchmark reads (consumer lag, process memory, counts).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from redis.asyncio import Redis

from newswatch_alert.common import keys
from newswatch_alert.common.changelog import log_change
from newswatch_alert.watchlists.edit import new_watchlist
from newswatch_cli.embedded import free_port
from newswatch_cli.stack import Stack, StackConfig
from newswatch_shared.schemas import EnrichedArticle
from newswatch_shared.topics import ARTICLES_ENRICHED, ARTICLES_RAW

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "match"))
from generate import as_input, make_watchlists  # noqa: E402  (bench/match's generator, as the issue asks)
from vocab import Vocabulary  # noqa: E402

__all__ = ["GROUPS", "System", "running"]

#: consumer group → the topic it reads
GROUPS = {"newswatch-enrich": ARTICLES_RAW, "newswatch-alert": ARTICLES_ENRICHED}
USERS = 100  # the generated watchlists are spread over this many users (at most 100 each)


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    await consumer.topics()  # metadata of every topic, so partitions_for_topic knows this one
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]


class System:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.admin = {"Authorization": f"Bearer {stack.config.admin_token}"}

    # -- setup --------------------------------------------------------------------------------------

    def load_watchlists(self, vocab: Vocabulary, n: int, seed: int = 11) -> int:
        """``n`` generated watchlists (bench/match's generator) for ``USERS`` real users, written to
        Redis as the API's store writes them, in one pipeline (10,000 POSTs would take minutes)."""
        with httpx.Client(base_url=self.stack.url("alert"), timeout=30) as api:
            users = [
                api.post("/users", json={"name": f"bench {i}"}, headers=self.admin) for i in range(USERS)
            ]
        user_ids = [u.json()["id"] for u in users]
        drawn = make_watchlists(vocab, n, seed)
        now = datetime.now(UTC)

        async def write() -> int:
            redis = Redis.from_url(self.stack.redis_url)
            try:
                pipe = redis.pipeline(transaction=False)
                for i, w in enumerate(drawn):
                    body = as_input(w)
                    user = user_ids[i % USERS]
                    watchlist = new_watchlist(user, body, now)
                    pipe.set(keys.watchlist(watchlist.id), watchlist.model_dump_json())
                    pipe.sadd(keys.user_watchlists(user), watchlist.id)
                    pipe.sadd(keys.WATCHLISTS_ALL, watchlist.id)
                    log_change(pipe, watchlist.id)
                await pipe.execute()
                return len(drawn)
            finally:
                await redis.aclose()

        return asyncio.run(write())

    def probe_watchlist(self, receiver_url: str, word: str) -> None:
        """One user whose watchlist matches every bench item and sends it to the receiver."""
        with httpx.Client(base_url=self.stack.url("alert"), timeout=30) as api:
            user = api.post("/users", json={"name": "probe"}, headers=self.admin).json()
            made = api.post(
                "/watchlists",
                json={
                    "name": "probe",
                    "keywords": [word],
                    "channels": [{"type": "webhook", "url": receiver_url}],
                },
                headers={"Authorization": f"Bearer {user['api_key']}"},
            )
            made.raise_for_status()

    def add_feeds(self, urls: list[str]) -> None:
        with httpx.Client(base_url=self.stack.url("ingest"), timeout=30) as api:
            for url in urls:
                api.post("/feeds", json={"url": url}, headers=self.admin).raise_for_status()

    # -- probes -------------------------------------------------------------------------------------

    def lag(self) -> dict[str, int]:
        """Messages each consumer group has yet to commit, over all partitions."""

        async def read() -> dict[str, int]:
            # Tansu does not answer the admin client's OffsetFetch shape; a group member's does.
            found: dict[str, int] = {}
            for group, topic in GROUPS.items():
                consumer = AIOKafkaConsumer(
                    bootstrap_servers=self.stack.kafka_bootstrap, group_id=group, enable_auto_commit=False
                )
                await consumer.start()
                try:
                    parts = await _partitions(consumer, topic)
                    ends = await consumer.end_offsets(parts)
                    done = {tp: await consumer.committed(tp) or 0 for tp in parts}
                    found[group] = sum(max(0, ends[tp] - done[tp]) for tp in parts)
                finally:
                    await consumer.stop()
            return found

        return asyncio.run(read())

    def end_offsets(self, topic: str) -> int:
        async def read() -> int:
            consumer = AIOKafkaConsumer(bootstrap_servers=self.stack.kafka_bootstrap)
            await consumer.start()
            try:
                parts = await _partitions(consumer, topic)
                return sum((await consumer.end_offsets(parts)).values())
            finally:
                await consumer.stop()

        return asyncio.run(read())

    def enriched_ids(self) -> list[str]:
        """Every article id on articles.enriched, repeats included, read from the beginning."""

        async def read() -> list[str]:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.stack.kafka_bootstrap, enable_auto_commit=False
            )
            await consumer.start()
            try:
                await consumer.topics()
                parts = [
                    TopicPartition(ARTICLES_ENRICHED, p)
                    for p in sorted(consumer.partitions_for_topic(ARTICLES_ENRICHED) or [])
                ]
                consumer.assign(parts)
                await consumer.seek_to_beginning(*parts)
                ends = await consumer.end_offsets(parts)
                ids: list[str] = []
                while any([await consumer.position(p) < ends[p] for p in parts]):
                    for records in (await consumer.getmany(timeout_ms=500, max_records=2000)).values():
                        ids += [
                            EnrichedArticle.model_validate_json(r.value or b"").article.url for r in records
                        ]
                return ids
            finally:
                await consumer.stop()

        return asyncio.run(read())

    def _pids(self) -> dict[str, int]:
        pids: dict[str, int] = {name: p.pid for name, p in self.stack.processes.items()}
        if self.stack.broker is not None and self.stack.broker.process is not None:
            pids["broker"] = self.stack.broker.process.pid
        if self.stack.redis is not None and self.stack.redis.pid is not None:
            pids["redis"] = self.stack.redis.pid
        return pids

    def memory_mib(self) -> dict[str, float]:
        """Resident memory of every process of the system, MiB."""
        found: dict[str, float] = {}
        for name, pid in self._pids().items():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            found[name] = round(kb / 1024, 1)
        return found

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) each process has used so far: where the machine's cores go."""
        ticks = os.sysconf("SC_CLK_TCK")
        found: dict[str, float] = {}
        for name, pid in self._pids().items():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[name] = round((int(fields[11]) + int(fields[12])) / ticks, 2)
        return found

    def redis_used_bytes(self) -> int:
        async def read() -> int:
            redis = Redis.from_url(self.stack.redis_url)
            try:
                return int((await redis.info("memory"))["used_memory"])
            finally:
                await redis.aclose()

        return asyncio.run(read())


@contextmanager
def running(data_dir: Path, replicas: dict[str, int], poll_s: float, log: list[str]) -> Iterator[System]:
    """The stack as compose runs it (ingest, enrich, alert-api, alert-match, alert-deliver), with
    ``replicas`` more of some, its own embedded broker and Redis, and no delivery rate limits."""
    ports = {name: free_port() for name in ("alert", "ingest", "enrich")}
    extra: dict[str, Any] = {
        "NEWSWATCH_INGEST_POLL_INTERVAL_S": str(poll_s),
        # WebSub on: ingest subscribes once a feed names a hub (the farm's feeds do only for the push step).
        "NEWSWATCH_INGEST_PUBLIC_URL": f"http://127.0.0.1:{ports['ingest']}",
        "NEWSWATCH_INGEST_MAX_PER_HOST": "16",  # the feeds stand for many hosts; here they share one
        "NEWSWATCH_INGEST_MAX_CONCURRENCY": "16",
        "NEWSWATCH_ALERT_RATE_CHANNEL_PER_MINUTE": "0",
        "NEWSWATCH_ALERT_RATE_USER_PER_MINUTE": "0",
        "NEWSWATCH_LOG_LEVEL": "WARNING",
    }
    stack = Stack(
        StackConfig(
            data_dir=data_dir,
            admin_token=secrets.token_urlsafe(24),
            ports=ports,
            partitions=6,
            demo=False,
            colour=False,
            alert_roles_apart=True,
            replicas=replicas,
            extra_env=extra,
        ),
        out=log.append,
    )
    stack.start(ready_timeout_s=180)
    try:
        yield System(stack)
    finally:
        stack.stop()
