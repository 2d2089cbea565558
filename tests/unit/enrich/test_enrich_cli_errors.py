"""`newswatch tag` refuses unusable input and bad options with one error line and a non-zero status.

These run through the real `newswatch` command (typer's CliRunner) and fail before the spaCy pipeline
is loaded, so they need no model. The successful path is compared with ``POST /tag`` in
tests/integration/enrich/test_enrich_cli.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswatch_cli.main import app
from newswatch_enrich.cli import EXIT_BAD_CONFIG, EXIT_UNUSABLE

runner = CliRunner()


def _one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_a_missing_file_is_one_error_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    result = runner.invoke(app, ["tag", str(missing)])
    assert result.exit_code == EXIT_UNUSABLE
    assert (
        _one_error_line(result.stderr)
        == f"error: {missing}: cannot read the file: No such file or directory."
    )
    assert result.stdout == ""


def test_a_directory_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tag", str(tmp_path)])
    assert result.exit_code == EXIT_UNUSABLE
    assert "cannot read the file: Is a directory" in _one_error_line(result.stderr)


@pytest.mark.parametrize("text", ["", "  \n\t\n"])
def test_empty_stdin_is_refused(text: str) -> None:
    result = runner.invoke(app, ["tag"], input=text)
    assert result.exit_code == EXIT_UNUSABLE
    assert _one_error_line(result.stderr) == "error: stdin: no text to tag (the input is empty)."


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\xef\xbb\xbf\n")  # a byte-order mark and a newline: still nothing to tag
    result = runner.invoke(app, ["tag", str(empty)])
    assert result.exit_code == EXIT_UNUSABLE
    assert _one_error_line(result.stderr) == f"error: {empty}: no text to tag (the input is empty)."


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Troupes russes à la frontière".encode("latin-1"))
    result = runner.invoke(app, ["tag", str(latin1)])
    assert result.exit_code == EXIT_UNUSABLE
    assert _one_error_line(result.stderr) == f"error: {latin1}: not UTF-8 text (byte 0xe0 at offset 15)."


def test_text_longer_than_the_api_accepts_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_ENRICH_MAX_CHARS", "1000")
    result = runner.invoke(app, ["tag", "-"], input="é" * 1001)
    assert result.exit_code == EXIT_UNUSABLE
    assert "longer than 1,000 characters (NEWSWATCH_ENRICH_MAX_CHARS)" in _one_error_line(result.stderr)


def test_a_bad_language_tag_is_a_usage_error() -> None:
    result = runner.invoke(app, ["tag", "--language", "x" * 36], input="Troops gathered.")
    assert result.exit_code == EXIT_BAD_CONFIG
    assert _one_error_line(result.stderr).startswith(
        "error: invalid --language: language: String should have"
    )


def test_invalid_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_ENRICH_MAX_CHARS", "five")
    result = runner.invoke(app, ["tag"], input="Troops gathered.")
    assert result.exit_code == EXIT_BAD_CONFIG
    assert _one_error_line(result.stderr).startswith("error: invalid NEWSWATCH_* settings: enrich_max_chars:")


def test_a_pipeline_that_is_not_installed_is_named() -> None:
    result = runner.invoke(app, ["tag", "--model", "no_such_pipeline_xyz"], input="Troops gathered.")
    assert result.exit_code == EXIT_BAD_CONFIG
    line = _one_error_line(result.stderr)
    assert line.startswith("error: cannot load the spaCy pipeline 'no_such_pipeline_xyz': [E050]")


def test_help_comes_from_the_enrich_command() -> None:
    result = runner.invoke(app, ["tag", "--help"])
    assert result.exit_code == 0
    assert "Usage: newswatch tag" in result.stdout
    assert "--language" in result.stdout and "--model" in result.stdout
