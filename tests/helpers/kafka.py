"""The suite's Kafka: an embedded broker per test, or an existing Kafka (NEWSWATCH_KAFKA_BOOTSTRAP)
shared by every test, each test in a namespace of its own (NEWSWATCH_KAFKA_TOPIC_PREFIX).

With the embedded Tansu broker the idempotent producer is off (that build refuses it); against an
existing Kafka it is on unless NEWSWATCH_KAFKA_ENABLE_IDEMPOTENCE says otherwise, so a run against
Apache Kafka exercises it. Tests name newswatch's topics through :func:`topic` and consumer groups
through :func:`group`, so they find the test's own.
"""

from __future__ import annotations

import os

from newswatch_shared.settings import KafkaConfig

__all__ = ["EXTERNAL", "IDEMPOTENT", "PREFIX_ENV", "group", "kafka_config", "prefix", "topic"]

PREFIX_ENV = "NEWSWATCH_KAFKA_TOPIC_PREFIX"
EXTERNAL: str | None = os.environ.get("NEWSWATCH_KAFKA_BOOTSTRAP") or None
IDEMPOTENT: bool = os.environ.get(
    "NEWSWATCH_KAFKA_ENABLE_IDEMPOTENCE", "true" if EXTERNAL else "false"
).lower() in ("1", "true", "yes")


def prefix() -> str:
    """The current test's topic and group prefix ("" on its own embedded broker)."""
    return os.environ.get(PREFIX_ENV, "")


def topic(name: str) -> str:
    return prefix() + name


def group(name: str) -> str:
    return prefix() + name


def kafka_config(bootstrap: str, **overrides: object) -> KafkaConfig:
    """A KafkaConfig for plumbing tests: the test's prefix, idempotence as the broker allows."""
    values: dict[str, object] = {
        "bootstrap": bootstrap,
        "client_id": "test",
        "enable_idempotence": IDEMPOTENT,
        "partitions": 2,
        "create_topics": True,
        "topic_prefix": prefix(),
        **overrides,
    }
    return KafkaConfig.model_validate(values)
