"""`newswatch feeds parse`: JSON lines and exit 0, or one error line and a non-zero exit; no traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswatch_cli.main import app as newswatch_app
from newswatch_ingest.cli import EXIT_UNUSABLE, ParseOptions, app, run_parse
from newswatch_shared.schemas import RawArticle

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
runner = CliRunner()


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def test_parse_prints_one_raw_article_per_line() -> None:
    result = runner.invoke(
        app, ["parse", str(FEEDS / "rss2.xml"), "--base-url", "https://courier.example.org/feeds/world.xml"]
    )
    assert result.exit_code == 0, result.stderr
    articles = [RawArticle.model_validate_json(line) for line in lines(result.stdout)]
    assert [a.title for a in articles][:2] == [
        "Ceasefire monitors report quiet night along the river line",
        "Fuel convoy reaches the northern districts",
    ]
    assert articles[1].url == "https://courier.example.org/world/fuel-convoy-north"  # --base-url
    assert all(a.feed_url == "https://courier.example.org/feeds/world.xml" for a in articles)
    assert "Traceback" not in result.stderr


def test_without_base_url_a_relative_link_cannot_resolve_so_the_item_shows_the_site() -> None:
    result = runner.invoke(app, ["parse", str(FEEDS / "rss2.xml")])
    assert result.exit_code == 0 and result.stderr == ""
    first, second = (json.loads(line) for line in lines(result.stdout)[:2])
    assert first["feed_url"] == (FEEDS / "rss2.xml").resolve().as_uri()
    # /world/fuel-convoy-north against a file:// URI is no web address: the item is kept, identified
    # by its title and text, and points at the feed's site.
    assert second["title"] == "Fuel convoy reaches the northern districts"
    assert second["url"] == "https://courier.example.org/"


def test_json_feed_through_the_cli() -> None:
    result = runner.invoke(app, ["parse", str(FEEDS / "jsonfeed.json")])
    assert result.exit_code == 0
    assert len(lines(result.stdout)) == 3
    assert lines(result.stderr) == ["warning: Item 4 skipped: title: Input should be a valid string."]


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("html_page.html", "The document is an HTML page"),
        ("broken.xml", "The document is not a readable feed (line "),
        ("billion_laughs.xml", "entity-expansion bomb"),
        ("no-such-file.xml", "Cannot read the file: No such file or directory."),
    ],
)
def test_unusable_document_gives_one_error_line(name: str, phrase: str) -> None:
    result = runner.invoke(app, ["parse", str(FEEDS / name)])
    assert result.exit_code == EXIT_UNUSABLE
    assert result.stdout == ""
    (line,) = lines(result.stderr)
    assert line.startswith(f"error: {FEEDS / name}: ") and phrase in line


def test_a_directory_is_an_unreadable_file() -> None:
    result = runner.invoke(app, ["parse", str(FEEDS)])
    assert result.exit_code == EXIT_UNUSABLE and len(lines(result.stderr)) == 1


def test_document_over_the_limit_is_refused_before_parsing() -> None:
    result = runner.invoke(app, ["parse", str(FEEDS / "rss2.xml"), "--max-bytes", "100"])
    assert result.exit_code == EXIT_UNUSABLE
    assert lines(result.stderr) == [
        f"error: {FEEDS / 'rss2.xml'}: The document is larger than the 100-byte limit."
    ]


def test_stdin() -> None:
    body = (FEEDS / "atom.xml").read_bytes()
    out, err = io.StringIO(), io.StringIO()
    code = run_parse(
        "-",
        ParseOptions(base_url="https://veille.example.net/atom.xml"),
        out=out,
        err=err,
        stdin=io.BytesIO(body),
    )
    assert code == 0 and len(lines(out.getvalue())) == 2 and err.getvalue() == ""


def test_a_url_that_cannot_be_fetched_is_one_line() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run_parse("http://", ParseOptions(), out=out, err=err)
    assert code == EXIT_UNUSABLE and lines(err.getvalue())[0].startswith(
        "error: http://: The URL cannot be fetched"
    )


def test_newswatch_command_delegates_to_the_ingest_cli() -> None:
    result = runner.invoke(newswatch_app, ["feeds", "parse", str(FEEDS / "atom.xml")])
    assert result.exit_code == 0, result.output
    assert len(lines(result.stdout)) == 2
    bad = runner.invoke(newswatch_app, ["feeds", "parse", str(FEEDS / "not_a_feed.xml")])
    assert bad.exit_code == EXIT_UNUSABLE and len(lines(bad.stderr)) == 1


def test_newswatch_feeds_help_and_usage_errors() -> None:
    assert "parse" in runner.invoke(newswatch_app, ["feeds", "--help"]).stdout
    usage = runner.invoke(newswatch_app, ["feeds", "parse"])
    assert usage.exit_code == 2 and "Traceback" not in usage.output


def test_as_a_real_process() -> None:
    """The installed `newswatch` script, as a person runs it: exit codes and streams as documented."""
    newswatch = Path(sys.executable).with_name("newswatch")
    ok = subprocess.run(
        [str(newswatch), "feeds", "parse", str(FEEDS / "rdf.xml")], capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0 and len(lines(ok.stdout)) == 2 and ok.stderr == ""
    bad = subprocess.run(
        [str(newswatch), "feeds", "parse", str(FEEDS / "html_page.html")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == EXIT_UNUSABLE and bad.stdout == ""
    assert lines(bad.stderr) == [
        f"error: {FEEDS / 'html_page.html'}: The document is an HTML page, not an RSS or Atom feed."
    ]
