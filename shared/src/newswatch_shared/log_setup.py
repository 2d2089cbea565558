"""Logging: JSON lines by default, so log shippers need no parsing rules.

Every record is one JSON object on stderr with ``time`` (ISO 8601, UTC, milliseconds), ``level``,
``service``, ``logger`` and ``message``; pass ids with ``extra={"article_id": ..., "alert_id": ...}``
and they become fields of the object (``exc_info`` holds a traceback). Under docker compose the
json-file driver keeps these lines as they are (`docker compose logs alert | jq`).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter

__all__ = ["setup_logging"]


class _ServiceFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        return True


class _JsonFormatter(JsonFormatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """ISO 8601 in UTC: sortable, unambiguous across hosts and containers."""
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def setup_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Configure the root logger once per process (idempotent: replaces earlier handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ServiceFilter(service))
    if fmt == "json":
        handler.setFormatter(
            _JsonFormatter(
                "%(asctime)s %(levelname)s %(service)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "asctime": "time", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(service)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka logs every rebalance step at INFO; keep it for warnings.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
