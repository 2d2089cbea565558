"""Prometheus metrics of the shared consume loop (service-specific metrics live in each service).

Names follow Prometheus conventions (a unit test scrapes /metrics and checks them): every name starts
with ``newswatch_``, counters end in ``_total``, histograms and gauges carry their unit (``_seconds``,
``_messages``), labels are few and bounded. docs/operations.md lists the alerts built on them.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "BATCH_SECONDS",
    "CONSUMER_LAG",
    "DEAD_LETTERED",
    "MESSAGE_AGE",
    "PROCESSED",
    "PRODUCED",
    "RETRIES",
]

PROCESSED = Counter(
    "newswatch_messages_processed_total", "Messages consumed and handled.", ["service", "topic"]
)
DEAD_LETTERED = Counter(
    "newswatch_messages_dead_lettered_total",
    "Messages sent to the dead-letter topic instead of being handled.",
    ["service", "topic", "reason"],
)
PRODUCED = Counter("newswatch_messages_produced_total", "Messages produced.", ["service", "topic"])
RETRIES = Counter("newswatch_batch_retries_total", "Batches retried after a transient failure.", ["service"])
BATCH_SECONDS = Histogram(
    "newswatch_batch_processing_seconds",
    "Time to handle one consumed batch, from poll to commit.",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CONSUMER_LAG = Gauge(
    "newswatch_consumer_lag_messages",
    "Messages not yet consumed, per assigned partition: the broker's high watermark minus this "
    "consumer's position, as of its last poll. Partitions move between replicas on a rebalance; each "
    "replica reports only the ones it holds, so sum by (service, topic) is the group's lag.",
    ["service", "topic", "partition"],
)
MESSAGE_AGE = Histogram(
    "newswatch_message_age_seconds",
    "From a message's Kafka timestamp (when it was produced) to the commit of the batch that handled it: "
    "the time it spent waiting in the topic plus its processing.",
    ["service", "topic"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
