"""The shared consume loop against a real broker: commits only after output is acknowledged,
dead-letters bad input without blocking the partition, retries transient failures, and never
commits an abandoned batch."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from newswatch_shared.errors import RetryableError
from newswatch_shared.kafka import ensure_topics, make_consumer, make_producer
from newswatch_shared.pipeline import ConsumeLoop, Outgoing
from newswatch_shared.schemas import RawArticle, encode
from newswatch_shared.settings import KafkaConfig
from newswatch_shared.topics import DEAD_LETTER
from tests.helpers.kafka import kafka_config

pytestmark = pytest.mark.integration

IN, OUT = "test.in", "test.out"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def article(i: int) -> RawArticle:
    return RawArticle(
        id=f"a{i}", url=f"https://x.example/{i}", title=f"t{i}", published_at=NOW, feed_id="f", fetched_at=NOW
    )


@pytest.fixture
async def kafka(fresh_kafka: str) -> AsyncIterator[KafkaConfig]:
    cfg = kafka_config(fresh_kafka)
    await ensure_topics(cfg, [IN, OUT, DEAD_LETTER])
    yield cfg


async def produce(cfg: KafkaConfig, values: Sequence[bytes]) -> None:
    producer = make_producer(cfg)
    await producer.start()
    try:
        for i, v in enumerate(values):
            await producer.send_and_wait(cfg.topic(IN), v, key=f"k{i}".encode())
    finally:
        await producer.stop()


async def drain(
    cfg: KafkaConfig, topic: str, n: int, timeout_s: float = 30
) -> list[tuple[bytes | None, dict[str, bytes]]]:
    consumer = AIOKafkaConsumer(
        cfg.topic(topic), bootstrap_servers=cfg.bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    got: list[tuple[bytes | None, dict[str, bytes]]] = []
    try:
        async with asyncio.timeout(timeout_s):
            while len(got) < n:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    got += [(r.value, dict(r.headers)) for r in records]
    finally:
        await consumer.stop()
    return got


async def committed(cfg: KafkaConfig, group: str) -> int:
    """Sum of committed offsets of ``group`` over the input topic's partitions."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=cfg.bootstrap, group_id=cfg.group(group), enable_auto_commit=False
    )
    await consumer.start()
    try:
        total = 0
        for p in range(cfg.partitions):
            total += await consumer.committed(TopicPartition(cfg.topic(IN), p)) or 0
        return total
    finally:
        await consumer.stop()


@contextlib.asynccontextmanager
async def running(loop: ConsumeLoop[RawArticle]) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    await loop.consumer.start()
    await loop.producer.start()
    task = asyncio.create_task(loop.run(stop))
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await loop.consumer.stop()
        await loop.producer.stop()


def make_loop(cfg: KafkaConfig, handler, group: str = "g") -> ConsumeLoop[RawArticle]:  # type: ignore[no-untyped-def]
    return ConsumeLoop(
        service="test",
        consumer=make_consumer(cfg, [IN], group),
        producer=make_producer(cfg),
        input_model=RawArticle,
        handler=handler,
        retry_delay_s=0.05,
        topic_prefix=cfg.topic_prefix,
    )


async def echo(batch: Sequence[RawArticle]) -> list[Outgoing]:
    return [Outgoing(OUT, a.id, a) for a in batch]


async def test_outputs_are_produced_and_offsets_committed(kafka: KafkaConfig) -> None:
    await produce(kafka, [encode(article(i)) for i in range(5)])
    async with running(make_loop(kafka, echo)):
        out = await drain(kafka, OUT, 5)
        async with asyncio.timeout(20):
            while await committed(kafka, "g") < 5:
                await asyncio.sleep(0.1)
    assert sorted(v for v, _ in out) == sorted(encode(article(i)) for i in range(5))


async def test_bad_message_is_dead_lettered_and_does_not_block(kafka: KafkaConfig) -> None:
    await produce(kafka, [b"{not json", encode(article(1))])
    async with running(make_loop(kafka, echo)):
        ((good, _),) = await drain(kafka, OUT, 1)
        ((bad, headers),) = await drain(kafka, DEAD_LETTER, 1)
    assert good == encode(article(1))
    assert bad == b"{not json"
    assert headers["reason"] == b"schema" and b"validation error" in headers["error"]
    assert headers["source_topic"] == kafka.topic(IN).encode()


async def test_poison_message_is_isolated_from_its_batch(kafka: KafkaConfig) -> None:
    async def picky(batch: Sequence[RawArticle]) -> list[Outgoing]:
        if any(a.id == "a2" for a in batch):
            raise ValueError("cannot handle a2")
        return await echo(batch)

    await produce(kafka, [encode(article(i)) for i in range(4)])
    async with running(make_loop(kafka, picky)):
        out = await drain(kafka, OUT, 3)
        ((_, headers),) = await drain(kafka, DEAD_LETTER, 1)
    assert {v for v, _ in out} == {encode(article(i)) for i in (0, 1, 3)}
    assert headers["reason"] == b"handler" and b"cannot handle a2" in headers["error"]


async def test_transient_failure_is_retried_not_dead_lettered(kafka: KafkaConfig) -> None:
    failures = {"left": 3}

    async def flaky(batch: Sequence[RawArticle]) -> list[Outgoing]:
        if failures["left"]:
            failures["left"] -= 1
            raise RetryableError("redis away")
        return await echo(batch)

    await produce(kafka, [encode(article(1))])
    async with running(make_loop(kafka, flaky)):
        ((value, _),) = await drain(kafka, OUT, 1)
    assert value == encode(article(1)) and failures["left"] == 0


async def test_abandoned_batch_is_not_committed_and_is_redelivered(kafka: KafkaConfig) -> None:
    started = asyncio.Event()

    async def stuck(batch: Sequence[RawArticle]) -> list[Outgoing]:
        started.set()
        raise RetryableError("dependency down for good")

    await produce(kafka, [encode(article(1))])
    async with running(make_loop(kafka, stuck)):
        await asyncio.wait_for(started.wait(), 20)
    assert await committed(kafka, "g") == 0

    # A new member of the same group gets the message again and finishes it.
    async with running(make_loop(kafka, echo)):
        ((value, _),) = await drain(kafka, OUT, 1)
    assert value == encode(article(1))


async def test_an_output_too_large_for_the_broker_dead_letters_its_input_and_the_partition_moves_on(
    kafka: KafkaConfig,
) -> None:
    """A message the broker refuses can never be produced: retrying it would stall every partition the
    replica holds. Its input goes to the dead-letter topic (reason "refused") and the rest flows."""

    async def bloat(batch: Sequence[RawArticle]) -> list[Outgoing]:
        # Article 1's output is a 1.5 MB message: over the limit below, and over a default broker's.
        return [
            Outgoing(OUT, a.id, a.model_copy(update={"content": "x" * 1_500_000}) if a.id == "a1" else a)
            for a in batch
        ]

    inputs = [encode(article(i)) for i in range(4)]
    await produce(kafka, inputs)
    loop = make_loop(kafka, bloat)
    loop.max_message_bytes = 1_000_000
    async with running(loop):
        out = await drain(kafka, OUT, 3)
        ((dead, headers),) = await drain(kafka, DEAD_LETTER, 1)
        async with asyncio.timeout(20):
            while await committed(kafka, "g") < 4:
                await asyncio.sleep(0.1)
    assert sorted(v for v, _ in out) == sorted(inputs[i] for i in (0, 2, 3))
    assert dead == inputs[1]  # the original bytes, to redrive once the cause is fixed
    assert headers["reason"] == b"refused"
    assert b"1,500," in headers["error"] and b"NEWSWATCH_KAFKA_MAX_MESSAGE_BYTES" in headers["error"]


async def test_a_message_the_broker_refuses_is_not_retried_for_ever(kafka: KafkaConfig) -> None:
    """The client-side guard aside: the broker's own "too large" answer is final too."""

    async def bloat(batch: Sequence[RawArticle]) -> list[Outgoing]:
        return [Outgoing(OUT, a.id, a.model_copy(update={"content": "y" * 1_200_000})) for a in batch]

    await produce(kafka, [encode(article(7))])
    loop = make_loop(kafka, bloat)
    loop.max_message_bytes = 50_000_000  # let it through to the producer: the size check there refuses it
    async with running(loop):
        ((dead, headers),) = await drain(kafka, DEAD_LETTER, 1)
    assert dead == encode(article(7)) and headers["reason"] == b"refused"
