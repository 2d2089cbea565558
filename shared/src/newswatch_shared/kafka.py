"""Kafka producer/consumer factories and topic creation.

Producers wait for all in-sync replicas (acks=all): an article counts as published only once the
broker has it. Consumers never auto-commit: offsets are committed by :mod:`newswatch_shared.pipeline`
after the work for a batch is done (at-least-once), and every effect downstream is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAlreadyExistsError,
)

from newswatch_shared.settings import KafkaConfig

__all__ = ["REFUSED", "ensure_topics", "kafka_ready", "make_consumer", "make_producer"]

log = logging.getLogger(__name__)

#: Errors about one message, not the broker's health: producing it again can never succeed.
REFUSED: tuple[type[KafkaError], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
)

_BROKER_DEFAULT_MAX_BYTES = 1_048_588  # Apache Kafka's message.max.bytes
_REQUEST_OVERHEAD = 64 * 1024  # key, headers and batch framing


def make_producer(cfg: KafkaConfig) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=cfg.bootstrap,
        client_id=cfg.client_id,
        acks="all",
        enable_idempotence=cfg.enable_idempotence,
        linger_ms=5,
        request_timeout_ms=cfg.request_timeout_ms,
        # Room for any record a default broker accepts (1,048,588 bytes), so one read from a topic can
        # always be forwarded to the dead-letter topic; our own output is held to max_message_bytes by
        # the consume loop before it is sent.
        max_request_size=max(cfg.max_message_bytes, _BROKER_DEFAULT_MAX_BYTES) + _REQUEST_OVERHEAD,
    )


def make_consumer(cfg: KafkaConfig, topics: Iterable[str], group_id: str) -> AIOKafkaConsumer:
    """A consumer of newswatch's ``topics`` in group ``group_id`` (both named as in ``shared.topics``;
    the deployment's topic prefix is added here)."""
    return AIOKafkaConsumer(
        *(cfg.topic(t) for t in topics),
        bootstrap_servers=cfg.bootstrap,
        client_id=cfg.client_id,
        group_id=cfg.group(group_id),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=cfg.request_timeout_ms,
        session_timeout_ms=cfg.session_timeout_ms,
        heartbeat_interval_ms=cfg.heartbeat_interval_ms,
        # Batches are small and handled quickly; a long poll interval only matters for slow models.
        max_poll_interval_ms=300_000,
    )


async def ensure_topics(cfg: KafkaConfig, topics: Iterable[str], *, attempts: int = 30) -> None:
    """Create missing topics with ``cfg.partitions`` partitions; existing ones are left as they are.

    Retries while the broker is still starting, so services can start in any order.
    """
    wanted = [cfg.topic(t) for t in topics]
    last: Exception | None = None
    for _ in range(attempts):
        admin = AIOKafkaAdminClient(bootstrap_servers=cfg.bootstrap, client_id=cfg.client_id)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [t for t in wanted if t not in existing]
            if missing:
                try:
                    await admin.create_topics(
                        [NewTopic(t, num_partitions=cfg.partitions, replication_factor=1) for t in missing]
                    )
                    log.info("created topics %s with %d partitions", missing, cfg.partitions)
                except TopicAlreadyExistsError:
                    pass  # another service won the race
            return
        except (KafkaError, OSError) as e:
            last = e
            await asyncio.sleep(0.5)
        finally:
            await admin.close()
    raise RuntimeError(f"could not create topics on {cfg.bootstrap}: {last}")


async def kafka_ready(producer: AIOKafkaProducer) -> bool:
    """True when the producer can reach a broker (a metadata round trip)."""
    try:
        await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout=3)
        return True
    except Exception:
        return False
