"""bench/pipeline: throughput of the shared consume loop (ConsumeLoop) on a real broker.

Workload: N RawArticle messages on a 3-partition topic; the handler re-publishes each unchanged, so
what is measured is the loop itself (poll, decode, produce, await acks, commit).
Baseline, same run, same broker: a hand-written aiokafka loop doing the same decode/produce/commit
with no dead-lettering, metrics or retry logic. The ratio is what counts.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from newswatch_cli.embedded import EmbeddedBroker
from newswatch_shared.kafka import ensure_topics, make_consumer, make_producer
from newswatch_shared.pipeline import ConsumeLoop, Outgoing
from newswatch_shared.schemas import RawArticle, decode, encode
from newswatch_shared.settings import KafkaConfig

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def article(i: int) -> RawArticle:
    body = "Troops and armour were seen moving towards the border overnight. " * 40
    return RawArticle(
        id=f"a{i}",
        url=f"https://bench.example/{i}",
        title=f"Report {i}",
        content=body,
        published_at=NOW,
        feed_id="bench",
        fetched_at=NOW,
    )


async def fill(cfg: KafkaConfig, topic: str, n: int) -> None:
    producer = make_producer(cfg)
    await producer.start()
    futures = [await producer.send(topic, encode(article(i)), key=f"a{i}".encode()) for i in range(n)]
    await asyncio.gather(*futures)
    await producer.stop()


async def wait_committed(consumer: AIOKafkaConsumer, topic: str, partitions: int, n: int) -> None:
    while True:
        total = 0
        for p in range(partitions):
            total += await consumer.committed(TopicPartition(topic, p)) or 0
        if total >= n:
            return
        await asyncio.sleep(0.02)


async def run_loop(cfg: KafkaConfig, topic: str, n: int, batch: int) -> float:
    async def echo(msgs: Sequence[RawArticle]) -> list[Outgoing]:
        return [Outgoing(f"{topic}.out", m.id, m) for m in msgs]

    consumer, producer = make_consumer(cfg, [topic], f"bench-{topic}"), make_producer(cfg)
    await consumer.start()
    await producer.start()
    loop = ConsumeLoop(
        service="bench",
        consumer=consumer,
        producer=producer,
        input_model=RawArticle,
        handler=echo,
        batch_size=batch,
    )
    stop = asyncio.Event()
    # Start the clock once the group has its partitions, so both contenders skip the join.
    while not consumer.assignment():
        await asyncio.sleep(0.01)
    started = time.perf_counter()
    task = asyncio.create_task(loop.run(stop))
    await wait_committed(consumer, topic, cfg.partitions, n)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    await consumer.stop()
    await producer.stop()
    return elapsed


async def run_baseline(cfg: KafkaConfig, topic: str, n: int, batch: int) -> float:
    consumer, producer = make_consumer(cfg, [topic], f"bench-{topic}"), make_producer(cfg)
    await consumer.start()
    await producer.start()
    while not consumer.assignment():
        await asyncio.sleep(0.01)
    started = time.perf_counter()
    done = 0
    while done < n:
        got = await consumer.getmany(timeout_ms=500, max_records=batch)
        records = [r for rs in got.values() for r in rs]
        futures = []
        for r in records:
            m = decode(RawArticle, r.value)
            futures.append(await producer.send(f"{topic}.out", encode(m), key=r.key))
        await asyncio.gather(*futures)
        offsets = {}
        for r in records:
            offsets[TopicPartition(r.topic, r.partition)] = r.offset + 1
        if offsets:
            await consumer.commit(offsets)
        done += len(records)
    elapsed = time.perf_counter() - started
    await consumer.stop()
    await producer.stop()
    return elapsed


async def bench(n: int, batch: int, rounds: int) -> dict[str, Any]:
    broker = EmbeddedBroker().start()
    try:
        cfg = KafkaConfig(
            bootstrap=broker.bootstrap,
            client_id="bench",
            enable_idempotence=False,
            partitions=3,
            create_topics=True,
            session_timeout_ms=3000,
            heartbeat_interval_ms=500,
        )
        loop_rates, base_rates = [], []
        for r in range(rounds):
            for kind in ("base", "loop"):
                topic = f"bench.{kind}.{r}"
                await ensure_topics(cfg, [topic, f"{topic}.out"])
                await fill(cfg, topic, n)
                runner = run_baseline if kind == "base" else run_loop
                elapsed = await runner(cfg, topic, n, batch)
                (base_rates if kind == "base" else loop_rates).append(n / elapsed)
                print(f"round {r} {kind:>4}: {n / elapsed:8.0f} msg/s", flush=True)
        best_loop, best_base = max(loop_rates), max(base_rates)
        return {
            "messages": n,
            "batch_size": batch,
            "loop_msgs_per_s": round(best_loop),
            "baseline_msgs_per_s": round(best_base),
            "loop_vs_baseline": round(best_loop / best_base, 3),
        }
    finally:
        broker.stop()


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench pipeline")
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    return asyncio.run(bench(args.messages, args.batch, args.rounds))
