"""The one-shot topic job of docker compose: ``python -m newswatch_shared.topic_job``.

Why a job: in production the services run with ``NEWSWATCH_KAFKA_CREATE_TOPICS=false`` (they need no
right to create topics, and no replica races another to do it), and partitions are an operator's
decision made in one place. The job creates every newswatch topic that is missing with
``NEWSWATCH_KAFKA_PARTITIONS`` partitions and grows a topic that has fewer — so raising the setting
and re-running the job is how enrich gets room for more replicas. It never shrinks a topic (Kafka
cannot) and never deletes one. It exits 0 when every topic has at least the wanted partitions, so
compose can start the services after it (``service_completed_successfully``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions
from aiokafka.errors import IncompatibleBrokerVersion, KafkaError

from newswatch_shared.kafka import ensure_topics
from newswatch_shared.log_setup import setup_logging
from newswatch_shared.settings import KafkaConfig, ServiceSettings
from newswatch_shared.topics import ALL_TOPICS

__all__ = ["grow_partitions", "main", "run"]

log = logging.getLogger(__name__)


async def partition_counts(admin: AIOKafkaAdminClient, topics: Iterable[str]) -> dict[str, int]:
    described = await admin.describe_topics(list(topics))
    return {t["topic"]: len(t["partitions"]) for t in described if not t.get("error_code")}


async def grow_partitions(cfg: KafkaConfig, topics: Iterable[str]) -> dict[str, int]:
    """Give every topic in ``topics`` at least ``cfg.partitions`` partitions; return the final counts
    (by the broker's names, prefix included)."""
    wanted = [cfg.topic(t) for t in topics]
    admin = AIOKafkaAdminClient(bootstrap_servers=cfg.bootstrap, client_id=cfg.client_id)
    await admin.start()
    try:
        counts = await partition_counts(admin, wanted)
        wanted_n = cfg.partitions
        small = {t: NewPartitions(total_count=wanted_n) for t, n in counts.items() if n < wanted_n}
        if small:
            try:
                await admin.create_partitions(small)
            except IncompatibleBrokerVersion as e:  # e.g. Tansu: no CreatePartitions API
                raise RuntimeError(
                    f"{sorted(small)} have fewer than {cfg.partitions} partitions and this broker cannot "
                    "add partitions; recreate the topics or lower NEWSWATCH_KAFKA_PARTITIONS"
                ) from e
            log.info("grew %s to %d partitions", sorted(small), cfg.partitions)
            counts = await partition_counts(admin, wanted)
        return counts
    finally:
        await admin.close()


async def run(cfg: KafkaConfig, topics: Iterable[str] = ALL_TOPICS) -> dict[str, int]:
    wanted = list(topics)
    await ensure_topics(cfg, wanted, attempts=120)  # waits up to a minute for a broker still starting
    counts = await grow_partitions(cfg, wanted)
    missing = [t for t in wanted if counts.get(cfg.topic(t), 0) < cfg.partitions]
    if missing:
        raise RuntimeError(f"topics without {cfg.partitions} partitions after the job: {missing}")
    return counts


def main() -> None:
    settings = ServiceSettings()
    setup_logging("topics", settings.log_level, settings.log_format)
    try:
        counts = asyncio.run(run(settings.kafka("topics")))
    except (KafkaError, RuntimeError, OSError) as e:
        log.error("topic job failed: %s", e)
        sys.exit(1)
    for topic, n in sorted(counts.items()):
        log.info("topic %s has %d partitions", topic, n, extra={"topic": topic, "partitions": n})


if __name__ == "__main__":
    main()
