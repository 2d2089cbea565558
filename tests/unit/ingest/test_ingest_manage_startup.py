"""The feeds registered at start-up: the settings list and the feeds file (a URL list or OPML)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch_ingest.app import startup_feeds
from newswatch_ingest.opml import ListedFeed
from newswatch_ingest.settings import IngestSettings
from newswatch_shared.errors import ConfigError

TOKEN = "a-long-enough-admin-token"


def settings(**values: object) -> IngestSettings:
    return IngestSettings(admin_token=TOKEN, **values)  # type: ignore[arg-type]


def test_settings_list_and_url_file_are_merged_without_repeats(tmp_path: Path) -> None:
    path = tmp_path / "feeds.txt"
    path.write_text("# wires\nhttps://b.example/rss\nhttps://a.example/rss  # again\n", encoding="utf-8")
    got = startup_feeds(settings(ingest_feeds=["https://a.example/rss"], ingest_feeds_file=path))
    assert got == [ListedFeed("https://a.example/rss"), ListedFeed("https://b.example/rss")]


def test_an_opml_file_brings_titles_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "feeds.opml"
    path.write_bytes(
        b'\n  <?xml version="1.0"?>'
        + b'<opml version="2.0"><body><outline text="Sea">'
        + b'<outline type="rss" text="Gulf Wire" xmlUrl="https://gulf.example/rss"/>'
        + b'<outline type="rss" text="Broken" xmlUrl="file:///etc/hosts"/>'
        + b"</outline></body></opml>"
    )
    assert startup_feeds(settings(ingest_feeds_file=path)) == [
        ListedFeed("https://gulf.example/rss", "Gulf Wire", ("Sea",))
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"https://a.example/rss\nftp://b.example/x\n", "not an http\\(s\\) URL: 'ftp://b.example/x'"),
        (b"<opml><body>", "not well-formed XML"),
        (b"\xff\xfe not text", "cannot read NEWSWATCH_INGEST_FEEDS_FILE"),
    ],
)
def test_a_bad_feeds_file_stops_start_up(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "feeds"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        startup_feeds(settings(ingest_feeds_file=path))


def test_a_missing_feeds_file_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read NEWSWATCH_INGEST_FEEDS_FILE"):
        startup_feeds(settings(ingest_feeds_file=tmp_path / "nope.txt"))
