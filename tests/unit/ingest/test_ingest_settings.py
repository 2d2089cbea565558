"""IngestSettings from the environment, and the feeds file format."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from newswatch_ingest.settings import IngestSettings, parse_feed_list

TOKEN = "a-long-enough-admin-token"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("NEWSWATCH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSWATCH_ADMIN_TOKEN", TOKEN)


def test_defaults() -> None:
    s = IngestSettings()
    assert s.ingest_port == 8001
    assert s.ingest_feeds == []
    assert s.ingest_feeds_file is None
    assert s.ingest_poll_interval_s == 300
    assert s.ingest_max_bytes == 10 * 1024 * 1024
    assert s.ingest_seen_ttl_days == 30 and s.seen_ttl_s == 30 * 86_400


def test_feeds_from_a_comma_separated_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_INGEST_FEEDS", " https://a.example/rss , https://b.example/atom.xml,, ")
    assert IngestSettings().ingest_feeds == ["https://a.example/rss", "https://b.example/atom.xml"]


def test_feeds_from_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_INGEST_FEEDS", '["https://a.example/rss"]')
    assert IngestSettings().ingest_feeds == ["https://a.example/rss"]


def test_bad_feed_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_INGEST_FEEDS", "https://a.example/rss,ftp://b.example/x")
    with pytest.raises(ValidationError, match="ftp://b.example/x"):
        IngestSettings()


@pytest.mark.parametrize(
    ("name", "value"), [("NEWSWATCH_INGEST_POLL_INTERVAL_S", "0.5"), ("NEWSWATCH_ADMIN_TOKEN", "changeme")]
)
def test_unsafe_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        IngestSettings()


def test_admin_token_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWATCH_ADMIN_TOKEN")
    with pytest.raises(ValidationError, match="admin_token"):
        IngestSettings()


def test_short_poll_interval_for_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_INGEST_POLL_INTERVAL_S", "1")
    assert IngestSettings().ingest_poll_interval_s == 1


def test_parse_feed_list() -> None:
    text = """
# regional wires
https://a.example/rss
   https://b.example/atom.xml   # trailing comment

https://c.example/feed#not-a-comment
"""
    assert parse_feed_list(text) == [
        "https://a.example/rss",
        "https://b.example/atom.xml",
        "https://c.example/feed#not-a-comment",
    ]
