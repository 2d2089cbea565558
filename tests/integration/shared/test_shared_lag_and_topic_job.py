"""Against a real broker: the consumer-lag gauge of the shared loop, and the compose topic job.

The lag gauge is what operators alert on (docs/operations.md), so it is checked with work held up:
while the handler is blocked the gauge shows the messages still waiting, and it falls to zero once
they are handled. The topic job is what docker compose runs before the services.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY

from newswatch_shared.kafka import ensure_topics, make_consumer, make_producer
from newswatch_shared.pipeline import ConsumeLoop, Outgoing
from newswatch_shared.schemas import RawArticle, encode
from newswatch_shared.settings import KafkaConfig
from newswatch_shared.topic_job import run as run_topic_job
from newswatch_shared.topics import ALL_TOPICS
from tests.helpers.kafka import kafka_config, topic

pytestmark = pytest.mark.integration

IN = "lag.in"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def kafka(fresh_kafka: str) -> AsyncIterator[KafkaConfig]:
    yield kafka_config(fresh_kafka)


def lag(partition: int) -> float | None:
    labels = {"service": "lagtest", "topic": topic(IN), "partition": str(partition)}
    return REGISTRY.get_sample_value("newswatch_consumer_lag_messages", labels)


def handled() -> float | None:
    labels = {"service": "lagtest", "topic": topic(IN)}
    return REGISTRY.get_sample_value("newswatch_message_age_seconds_count", labels)


async def until(condition: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {lag(0)=} {lag(1)=}"
        await asyncio.sleep(0.05)


async def test_lag_gauge_counts_waiting_messages_per_partition(kafka: KafkaConfig) -> None:
    await ensure_topics(kafka, [IN])
    producer = make_producer(kafka)
    await producer.start()
    try:
        for i, partition in enumerate([0, 0, 0, 1]):
            a = RawArticle(
                id=f"a{i}",
                url=f"https://x.example/{i}",
                title="t",
                published_at=NOW,
                feed_id="f",
                fetched_at=NOW,
            )
            await producer.send_and_wait(kafka.topic(IN), encode(a), key=a.id.encode(), partition=partition)
    finally:
        await producer.stop()

    release = asyncio.Event()

    async def held(batch: Sequence[RawArticle]) -> list[Outgoing]:
        await release.wait()
        return []

    loop = ConsumeLoop(
        service="lagtest",
        consumer=make_consumer(kafka, [IN], "lag-group"),
        producer=make_producer(kafka),
        input_model=RawArticle,
        handler=held,
        batch_size=1,
    )
    stop = asyncio.Event()
    await loop.consumer.start()
    await loop.producer.start()
    task = asyncio.create_task(loop.run(stop))
    try:
        # One message is in the handler's hands; the other three are waiting in their partitions.
        await until(lambda: lag(0) is not None and lag(1) is not None and lag(0) + lag(1) == 3, "lag of 3")
        release.set()
        # Handled and committed (the age of each message is observed at its batch's commit) ...
        await until(lambda: handled() == 4, "four messages handled")
        # ... and the partitions are caught up.
        await until(lambda: lag(0) == 0 and lag(1) == 0, "lag back to 0")
    finally:
        release.set()
        stop.set()
        await asyncio.wait_for(task, 10)
        await loop.consumer.stop()
        await loop.producer.stop()
    age = REGISTRY.get_sample_value(
        "newswatch_message_age_seconds_count", {"service": "lagtest", "topic": topic(IN)}
    )
    assert age == 4


async def test_topic_job_creates_every_topic_and_can_run_again(kafka: KafkaConfig) -> None:
    cfg = kafka.model_copy(update={"partitions": 3, "create_topics": False})
    every = dict.fromkeys((cfg.topic(t) for t in ALL_TOPICS), 3)
    assert await run_topic_job(cfg) == every
    assert await run_topic_job(cfg) == every  # a re-run changes nothing


async def test_topic_job_grows_a_topic_or_says_why_the_broker_cannot(kafka: KafkaConfig) -> None:
    await run_topic_job(kafka.model_copy(update={"partitions": 2}), ["jobtest"])
    try:
        grown = await run_topic_job(kafka.model_copy(update={"partitions": 4}), ["jobtest"])
    except RuntimeError as e:
        # The embedded Tansu broker has no CreatePartitions API: the job says what to do instead.
        assert "cannot add partitions" in str(e) and "NEWSWATCH_KAFKA_PARTITIONS" in str(e)
    else:  # Apache Kafka grows it
        assert grown == {kafka.topic("jobtest"): 4}
