"""Prometheus metrics of the shared consume loop (service-specific metrics live in each service).

Names follow Prometheus conventions: ``_total`` for counters, units in the name.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["BATCH_SECONDS", "DEAD_LETTERED", "PROCESSED", "PRODUCED", "RETRIES"]

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
