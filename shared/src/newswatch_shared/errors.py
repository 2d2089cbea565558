"""The newswatch exception tree.

    NewswatchError
    ├── SchemaError        a message or document does not fit our schema (never retried: dead-letter it)
    ├── RetryableError     a dependency is briefly unavailable (Kafka, Redis): retry the same work later
    ├── RefusedError       the broker will never take this message (too large): dead-letter its input
    └── ConfigError        settings that cannot work (refused at start-up, not at 3 a.m.)

Raise with ``from e`` so the cause survives into logs and dead-letter records.
"""

from __future__ import annotations

__all__ = ["ConfigError", "NewswatchError", "RefusedError", "RetryableError", "SchemaError"]


class NewswatchError(Exception):
    """Base of every error newswatch raises on purpose."""


class SchemaError(NewswatchError):
    """Input that does not validate; retrying it cannot help."""


class RetryableError(NewswatchError):
    """A transient failure: the same input may succeed later."""


class RefusedError(NewswatchError):
    """A message the broker refuses for good (over its size limit): retrying it would stall the
    partition for ever, so the input that made it is dead-lettered and the consumer moves on."""


class ConfigError(NewswatchError):
    """Settings that are unsafe or inconsistent."""
