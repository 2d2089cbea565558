"""Log lines are JSON objects a log shipper can index without parsing rules (docs/operations.md)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest

from newswatch_shared.log_setup import setup_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_carry_service_level_time_and_ids(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("alert", "INFO", "json")
    log = logging.getLogger("newswatch_alert.alerts.handler")
    log.info("alert %s created", "a1", extra={"alert_id": "a1", "article_id": "art9"})
    log.debug("not shown at INFO")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("delivery failed", extra={"alert_id": "a1"})
    lines = capsys.readouterr().err.splitlines()
    first, second = (json.loads(line) for line in lines)  # exactly two lines, each one JSON object
    assert first["message"] == "alert a1 created"
    assert (first["service"], first["level"], first["logger"]) == (
        "alert",
        "INFO",
        "newswatch_alert.alerts.handler",
    )
    assert (first["alert_id"], first["article_id"]) == ("a1", "art9")
    assert datetime.fromisoformat(first["time"]).utcoffset() is not None  # ISO 8601 with its zone
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exc_info"]


@pytest.mark.usefixtures("restore_logging")
def test_text_format_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("ingest", "INFO", "text")
    logging.getLogger("x").warning("plain")
    line = capsys.readouterr().err.strip()
    assert line.endswith("WARNING ingest x: plain")
