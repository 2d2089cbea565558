"""The compose-shaped stack for end-to-end tests: one way to configure it and one way to run it.

Every e2e test wants the same thing around its own few settings: free ports, its own data dir and admin
token, the suite's Redis (or an embedded one), an existing Kafka when ``NEWSWATCH_KAFKA_BOOTSTRAP`` is
set, no demo feed, and the services' log tail printed afterwards (pytest shows it only for a failure).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newswatch_cli.embedded import free_port
from newswatch_cli.stack import Stack, StackConfig

__all__ = ["running_stack", "stack_config"]


def stack_config(
    tmp_path: Path, redis_url: str | None, extra_env: dict[str, str] | None = None, **overrides: Any
) -> StackConfig:
    """``redis_url`` None gives the stack an embedded Redis of its own; ``overrides`` are StackConfig
    fields (``alert_roles_apart``, ``partitions``, …)."""
    fields: dict[str, Any] = {
        "data_dir": tmp_path / "stack",
        "admin_token": secrets.token_urlsafe(24),
        "kafka_bootstrap": os.environ.get("NEWSWATCH_KAFKA_BOOTSTRAP"),
        "redis_url": redis_url,
        "ports": {name: free_port() for name in ("alert", "ingest", "enrich")},
        "partitions": 3,
        "demo": False,
        "colour": False,
        "extra_env": extra_env or {},
    }
    fields.update(overrides)
    return StackConfig(**fields)


@contextmanager
def running_stack(config: StackConfig, tail: int = 300) -> Iterator[Stack]:
    """The stack started (until ready) and stopped afterwards; its last ``tail`` log lines printed."""
    lines: list[str] = []
    stack = Stack(config, out=lines.append)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
        print("\n".join(lines[-tail:]))  # the services' own account, shown by pytest for a failure
