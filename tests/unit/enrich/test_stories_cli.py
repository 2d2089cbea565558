"""`newswatch stories group`: input order, stdin, and clear errors for bad lines."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newswatch_cli.main import app

LINES = [
    {
        "id": "1",
        "source": "Wire",
        "title": "Floods kill 9 in Cahuleni",
        "summary": "Flash floods swept through Cahuleni on Monday after two days of heavy rain, "
        "killing 9 people and forcing about 3,000 from their homes, the mayor Ana Rusu said. "
        "Soldiers used boats to reach "
        "families stranded on rooftops.",
        "published": "2026-12-01T08:00:00Z",
    },
    {
        "id": "2",
        "source": "Post",
        "title": "Cahuleni under water - Post",
        "summary": "CAHULENI (Post) — Flash floods swept through Cahuleni on Monday after two days of "
        "heavy rain, killing 9 people and forcing about 3,000 from their homes, the mayor Ana Rusu said.",
        "published": "2026-12-01T08:30:00Z",
    },
    {
        "id": "3",
        "source": "Wire",
        "title": "Floods kill 4 in Orheiul",
        "summary": "Flash floods swept through Orheiul on Monday after two days of heavy rain, "
        "killing 4 people and forcing about 1,500 from their homes, the mayor Ana Rusu said. "
        "Soldiers used boats to reach "
        "families stranded on rooftops.",
        "published": "2026-12-01T09:00:00Z",
    },
]


def _text(rows: list[dict[str, str]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_groups_a_file_in_input_order(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(_text(LINES))
    result = CliRunner().invoke(app, ["stories", "group", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == [
        {"id": "1", "story_id": "s-1"},
        {"id": "2", "story_id": "s-1"},
        {"id": "3", "story_id": "s-3"},
    ]


def test_reads_stdin() -> None:
    result = CliRunner().invoke(app, ["stories", "group", "-"], input=_text(LINES[:2]))
    assert result.exit_code == 0
    assert [json.loads(line)["story_id"] for line in result.stdout.splitlines()] == ["s-1", "s-1"]


def test_a_bad_line_is_named_and_nothing_is_printed() -> None:
    bad = _text(LINES[:1]) + "\n" + '{"id": "x", "title": "t", "published": "yesterday"}\n'
    result = CliRunner().invoke(app, ["stories", "group"], input=bad)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error: line 3: published" in result.stderr


def test_not_json_and_missing_file() -> None:
    result = CliRunner().invoke(app, ["stories", "group"], input="{oops\n")
    assert result.exit_code == 1 and "line 1: not JSON" in result.stderr
    result = CliRunner().invoke(app, ["stories", "group", "/nonexistent/x.jsonl"])
    assert result.exit_code == 1 and "cannot read" in result.stderr
