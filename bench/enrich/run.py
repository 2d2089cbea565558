"""bench/enrich: articles per second through the enrich service path, beside raw ``nlp.pipe``.

Workload: N synthetic 500-word wire stories (``articles.py``: our own vocabulary and templates, with
places, nationalities, organisations, people and escalation language, some negated, some false
friends). Four contenders, each its own worker processes (``worker.py``), started once and then run
in turn, round after round, so a change in the machine's load hits all of them alike:

- ``raw1``: one process runs the service's own pipeline (same model, same components, same
  ``nlp.pipe`` batch size) over the N texts, and nothing else;
- ``svc1``: one service worker: ``articles.raw`` → the service's ConsumeLoop and handler (decode,
  ``nlp.pipe``, entities, escalation, score, encode) → ``articles.enriched``, acknowledged, committed;
- ``raw2``: two raw processes, half the texts each: what two cores give spaCy alone on this machine;
- ``svc2``: two service workers in the same consumer group on a 2-partition topic.

Each service contender has its own embedded Tansu broker. Its workers join the group once and wait;
the clock never runs before the group has settled (each worker holds a partition). In each round the
N articles are produced (half per partition) *before* the clock starts, then the workers are told to
go; the clock stops when the group's committed offsets have grown by N — a commit comes after the
enriched messages are acknowledged — read with an admin client every 50 ms, so the measuring process
and the broker take little CPU; then the workers pause (they stay in the group). At the end the end
offsets prove every enriched message and no dead letter. Every process warms up (loads the model,
enriches a few other articles) before its first round.

Figures: best of ``--rounds`` per contender, ratios of the bests. Beside the wall clock, each worker
reports the CPU seconds it used in a round, and the broker's CPU is read from ``/proc``: CPU per
article hardly moves when other work shares the machine, so ``service_vs_raw_cpu`` shows the
service's own overhead even when the wall-clock ratios are disturbed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import make_articles, word_count  # noqa: E402

from newswatch_cli.embedded import EmbeddedBroker, die_with_parent  # noqa: E402
from newswatch_enrich.app import GROUP_ID  # noqa: E402
from newswatch_enrich.settings import EnrichSettings  # noqa: E402
from newswatch_shared.kafka import ensure_topics, make_producer  # noqa: E402
from newswatch_shared.schemas import RawArticle, encode  # noqa: E402
from newswatch_shared.settings import KafkaConfig  # noqa: E402
from newswatch_shared.topics import ARTICLES_ENRICHED, ARTICLES_RAW, DEAD_LETTER  # noqa: E402

WORKER = Path(__file__).resolve().parent / "worker.py"
STARTUP_TIMEOUT_S = 180.0  # every worker loads its model at the same time, on 2 cores
RUN_TIMEOUT_S = 300.0
POLL_S = 0.05  # committed offsets are read this often while the service works


@dataclass(frozen=True)
class Sample:
    """One measurement: wall seconds from ``go`` to done, CPU seconds of the workers and the broker."""

    seconds: float
    worker_cpu_s: float
    broker_cpu_s: float = 0.0
    bench_cpu_s: float = 0.0  # this process, polling the committed offsets


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Proc:
    """A worker process and its JSON-lines conversation."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def spawn(cls, args: Sequence[str], env: dict[str, str]) -> Proc:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
            preexec_fn=die_with_parent,  # no worker outlives a killed benchmark
        )
        return cls(proc)

    async def read(self, event: str | None = None, timeout: float = STARTUP_TIMEOUT_S) -> dict[str, Any]:
        """The next event (of kind ``event``, skipping others)."""
        assert self.proc.stdout is not None
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            if not line:
                raise RuntimeError(f"bench worker exited with {await self.proc.wait()}")
            got: dict[str, Any] = json.loads(line)
            if event is None or got["event"] == event:
                return got

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")

    async def close(self) -> None:
        """Close its input (the worker then exits); kill it if it has not gone after 30 s."""
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


def worker_env(bootstrap: str, partitions: int, extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "NEWSWATCH_KAFKA_BOOTSTRAP": bootstrap,
            "NEWSWATCH_KAFKA_ENABLE_IDEMPOTENCE": "false",  # Tansu refuses idempotent producers
            "NEWSWATCH_KAFKA_PARTITIONS": str(partitions),
            "NEWSWATCH_KAFKA_CREATE_TOPICS": "false",
            # Tansu holds a join for half the session timeout; the clock starts after it anyway.
            "NEWSWATCH_KAFKA_SESSION_TIMEOUT_MS": "3000",
            "NEWSWATCH_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "NEWSWATCH_LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    return env


class Contender(Protocol):
    async def start(self) -> None: ...
    async def measure(self) -> Sample: ...
    async def close(self) -> None: ...


class Raw:
    """``processes`` raw workers, each piping its share of the N texts."""

    def __init__(self, processes: int, n: int, words: int, extra: dict[str, str]) -> None:
        self.processes, self.n, self.words = processes, n, words
        self.env = worker_env("127.0.0.1:9", 1, extra)  # raw workers never connect
        self.procs: list[Proc] = []

    async def start(self) -> None:
        k = self.processes
        shares = [self.n // k + (1 if i < self.n % k else 0) for i in range(k)]
        for i, share in enumerate(shares):
            first = sum(shares[:i])
            args = ["raw", "--first", str(first), "--count", str(share), "--words", str(self.words)]
            self.procs.append(await Proc.spawn(args, self.env))
        for p in self.procs:
            await p.read("ready")

    async def measure(self) -> Sample:
        """Seconds from ``go`` until the last process has piped its share."""
        started = time.perf_counter()
        for p in self.procs:
            p.send("go")
        done = [await p.read("done", RUN_TIMEOUT_S) for p in self.procs]
        return Sample(time.perf_counter() - started, sum(d["cpu_s"] for d in done))

    async def close(self) -> None:
        for p in self.procs:
            await p.close()


class Service:
    """``workers`` service workers in one consumer group, on a broker of their own."""

    def __init__(
        self, workers: int, articles: Sequence[RawArticle], partitions: int, extra: dict[str, str]
    ) -> None:
        self.workers, self.articles, self.partitions, self.extra = workers, articles, partitions, extra
        self.broker = EmbeddedBroker()
        self.procs: list[Proc] = []
        self.admin: AIOKafkaAdminClient | None = None
        self.rounds = 0

    def cfg(self) -> KafkaConfig:
        return KafkaConfig(
            bootstrap=self.broker.bootstrap,
            client_id="bench",
            enable_idempotence=False,
            partitions=self.partitions,
            create_topics=True,
        )

    async def start(self) -> None:
        self.broker.start()
        await ensure_topics(self.cfg(), [ARTICLES_RAW, ARTICLES_ENRICHED, DEAD_LETTER])
        env = worker_env(self.broker.bootstrap, self.partitions, self.extra)
        self.procs = [await Proc.spawn(["service"], env) for _ in range(self.workers)]
        await settled(self.procs, self.partitions)
        self.admin = AIOKafkaAdminClient(bootstrap_servers=self.broker.bootstrap, client_id="bench")
        await self.admin.start()

    async def measure(self) -> Sample:
        """Seconds from ``go`` until the group has committed this round's N articles."""
        assert self.admin is not None and self.broker.process is not None
        await fill(self.cfg(), self.articles, self.partitions)
        self.rounds += 1
        target = self.rounds * len(self.articles)
        broker_cpu, own_cpu = process_cpu_s(self.broker.process.pid), time.process_time()
        started = time.perf_counter()
        for p in self.procs:
            p.send("go")
        while await committed(self.admin, self.partitions) < target:
            if time.perf_counter() - started > RUN_TIMEOUT_S:
                raise TimeoutError("the service did not commit every article in time")
            await asyncio.sleep(POLL_S)
        elapsed = time.perf_counter() - started
        broker_cpu = process_cpu_s(self.broker.process.pid) - broker_cpu
        own_cpu = time.process_time() - own_cpu
        for p in self.procs:
            p.send("pause")
        paused = [await p.read("paused", RUN_TIMEOUT_S) for p in self.procs]
        return Sample(elapsed, sum(e["cpu_s"] for e in paused), broker_cpu, own_cpu)

    async def close(self) -> None:
        try:
            if self.admin is not None:
                await self.admin.close()
            for p in self.procs:
                await p.close()
            if self.rounds:
                expected = self.rounds * len(self.articles)
                produced = await end_offsets(self.broker.bootstrap, ARTICLES_ENRICHED, self.partitions)
                dead = await end_offsets(self.broker.bootstrap, DEAD_LETTER, self.partitions)
                if produced < expected or dead:
                    raise RuntimeError(f"{produced} enriched and {dead} dead-lettered of {expected}")
        finally:
            self.broker.stop()


async def fill(cfg: KafkaConfig, articles: Sequence[RawArticle], partitions: int) -> None:
    """Articles spread evenly over the partitions (round robin), so two workers get equal shares."""
    producer = make_producer(cfg)
    await producer.start()
    futures = [
        await producer.send(ARTICLES_RAW, encode(a), key=a.id.encode(), partition=i % partitions)
        for i, a in enumerate(articles)
    ]
    await asyncio.gather(*futures)
    await producer.stop()


async def settled(procs: Sequence[Proc], partitions: int) -> None:
    """Wait until every worker holds partitions, none shared, all covered: the group has joined."""
    held: dict[int, set[int]] = {i: set() for i in range(len(procs))}
    pending = {i: asyncio.create_task(p.read("assigned")) for i, p in enumerate(procs)}
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        sets = list(held.values())
        if all(sets) and sum(map(len, sets)) == partitions and set().union(*sets) == set(range(partitions)):
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"consumer group did not settle: {held}")
        done, _ = await asyncio.wait(pending.values(), return_when=asyncio.FIRST_COMPLETED, timeout=5)
        for i, task in list(pending.items()):
            if task in done:
                held[i] = set(task.result()["partitions"])
                pending[i] = asyncio.create_task(procs[i].read("assigned"))
    for task in pending.values():
        task.cancel()
    await asyncio.gather(*pending.values(), return_exceptions=True)


async def committed(admin: AIOKafkaAdminClient, partitions: int) -> int:
    """Offsets the group has committed on ``articles.raw``, summed. Partitions are named: Tansu drops
    the connection on an OffsetFetch for all of a group's partitions."""
    tps = [TopicPartition(ARTICLES_RAW, p) for p in range(partitions)]
    offsets = await asyncio.wait_for(admin.list_consumer_group_offsets(GROUP_ID, partitions=tps), 10)
    return sum(max(meta.offset, 0) for meta in offsets.values())


async def end_offsets(bootstrap: str, topic: str, partitions: int) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def bench(
    n: int, words: int, partitions: int, rounds: int, batch: int, nlp_batch: int
) -> dict[str, Any]:
    articles = make_articles(n, words=words)
    extra = {"NEWSWATCH_BATCH_SIZE": str(batch), "NEWSWATCH_ENRICH_NLP_BATCH_SIZE": str(nlp_batch)}
    contenders: dict[str, Contender] = {
        "raw1": Raw(1, n, words, extra),
        "svc1": Service(1, articles, partitions, extra),
        "raw2": Raw(2, n, words, extra),
        "svc2": Service(2, articles, partitions, extra),
    }
    samples: dict[str, list[Sample]] = {name: [] for name in contenders}
    try:
        await asyncio.gather(*(c.start() for c in contenders.values()))
        for r in range(rounds):
            for name, contender in contenders.items():
                sample = await contender.measure()
                samples[name].append(sample)
                print(
                    f"round {r} {name}: {n / sample.seconds:6.1f} articles/s ({sample.seconds:.2f} s; "
                    f"CPU s: workers {sample.worker_cpu_s:.2f}, broker {sample.broker_cpu_s:.2f}, "
                    f"bench {sample.bench_cpu_s:.2f})",
                    flush=True,
                )
    finally:
        for contender in contenders.values():
            await contender.close()
    best = {name: n / min(s.seconds for s in taken) for name, taken in samples.items()}
    cpu = {name: min(s.worker_cpu_s for s in taken) / n * 1000 for name, taken in samples.items()}
    return {
        "articles": n,
        "words_per_article": round(statistics.mean(word_count(a.content) for a in articles)),
        "chars_per_article": round(statistics.mean(len(a.text) for a in articles)),
        "partitions": partitions,
        "kafka_batch_size": batch,
        "nlp_batch_size": nlp_batch,
        "rounds": rounds,
        "cpus": os.cpu_count(),
        "articles_per_s": round(best["svc1"], 2),
        "raw_articles_per_s": round(best["raw1"], 2),
        "service_vs_raw": round(best["svc1"] / best["raw1"], 3),
        "two_worker_articles_per_s": round(best["svc2"], 2),
        "two_worker_speedup": round(best["svc2"] / best["svc1"], 3),
        "raw_two_process_articles_per_s": round(best["raw2"], 2),
        "raw_two_process_speedup": round(best["raw2"] / best["raw1"], 3),
        "raw_cpu_ms_per_article": round(cpu["raw1"], 1),
        "service_cpu_ms_per_article": round(cpu["svc1"], 1),
        "service_vs_raw_cpu": round(cpu["raw1"] / cpu["svc1"], 3),
        "broker_cpu_ms_per_article": round(min(s.broker_cpu_s for s in samples["svc1"]) / n * 1000, 1),
        "all_rates": {name: [round(n / s.seconds, 2) for s in taken] for name, taken in samples.items()},
    }


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench enrich")
    parser.add_argument("--articles", type=int, default=128)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    defaults = EnrichSettings()  # the service's defaults, or NEWSWATCH_* as set for it
    parser.add_argument("--batch", type=int, default=defaults.batch_size, help="NEWSWATCH_BATCH_SIZE")
    parser.add_argument(
        "--nlp-batch",
        type=int,
        default=defaults.enrich_nlp_batch_size,
        help="NEWSWATCH_ENRICH_NLP_BATCH_SIZE",
    )
    args = parser.parse_args(argv)
    if args.partitions < 2:
        parser.error("--partitions must be at least 2 (two workers share the topic)")
    return asyncio.run(
        bench(args.articles, args.words, args.partitions, args.rounds, args.batch, args.nlp_batch)
    )
