"""JSON Feed 1.0 and 1.1 → the same ParsedFeed as RSS and Atom, with items validated one by one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch_ingest.errors import FeedParseError
from newswatch_ingest.normalize import feed_context, normalize_entries
from newswatch_ingest.parse import ParsedFeed, parse_feed

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
BASE = "https://strait.example.net/feed.json"
FETCHED = datetime(2024, 5, 17, 12, 0, tzinfo=UTC)


def parse(name: str) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), BASE, "application/feed+json")


def test_json_feed_11_metadata() -> None:
    feed = parse("jsonfeed.json")
    assert feed.format == "json11"
    assert (feed.title, feed.link, feed.language) == (
        "Strait Watch Bulletin",
        "https://strait.example.net/",
        "en-us",
    )


def test_json_feed_item_fields() -> None:
    first = parse("jsonfeed.json").entries[0]
    assert first.guid == "sw-2024-0516-patrols"
    assert first.link == "https://strait.example.net/2024/05/16/patrols-doubled?utm_campaign=json"
    assert first.title.value.startswith("Coast guard doubles") and not first.title.html
    assert first.summary.value.startswith("Two extra cutters") and not first.summary.html
    assert first.content.html and "&amp; asked for radar" in first.content.value  # HTML preferred
    assert first.published == datetime(2024, 5, 16, 19, 30, tzinfo=UTC)
    assert first.updated == datetime(2024, 5, 16, 20, 5, tzinfo=UTC)
    # A nameless author with a mailto: URL is named by the address.
    assert first.authors == ("Ines Harrow", "night.desk@strait.example.net")


def test_json_feed_spec_leniencies() -> None:
    _, second, third = parse("jsonfeed.json").entries
    assert second.guid == "4417"  # a numeric id is read as a string
    assert second.link == "https://strait.example.net/2024/05/15/ferry-schedule"  # resolved
    assert second.authors == ("Bulletin Desk",)  # no authors of its own: the feed's
    assert not second.content.html and second.content.value.startswith("Ferries across")
    assert third.link == "https://elsewhere.example.org/analysis/strait-tensions"  # external_url
    assert third.published is None  # an unreadable date is no date
    assert third.language == "fr"


def test_invalid_item_is_skipped_with_a_warning() -> None:
    feed = parse("jsonfeed.json")
    assert len(feed.entries) == 3
    assert feed.warnings == ("Item 4 skipped: title: Input should be a valid string.",)


def test_json_feed_10_with_single_author() -> None:
    feed = parse("jsonfeed_v1.json")
    assert feed.format == "json1" and feed.warnings == ()
    (entry,) = feed.entries
    assert entry.authors == ("Sam Okafor",)
    assert entry.published == datetime(2024, 5, 10, 15, 0, tzinfo=UTC)


def test_json_feed_normalises_like_any_feed() -> None:
    feed = parse("jsonfeed.json")
    articles, skipped = normalize_entries(feed.entries, feed_context("f", BASE, "", feed), FETCHED)
    assert skipped == []
    first, second, third = articles
    assert first.url == "https://strait.example.net/2024/05/16/patrols-doubled"  # tracking dropped
    assert first.content == (
        "Two extra cutters will cover the narrowest stretch.\n"
        "Harbour pilots welcomed the move & asked for radar support."
    )
    assert first.language == "en-us"
    assert second.title.startswith("Ferries across the strait")  # no title: taken from the text
    assert third.language == "fr" and third.published_inferred


def test_detected_by_leading_brace_whatever_the_content_type() -> None:
    body = (FEEDS / "jsonfeed_v1.json").read_bytes()
    assert parse_feed(b"\xef\xbb\xbf \n" + body, BASE, "text/plain").format == "json1"


def test_surrogate_escapes_become_replacement_characters() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "T",
        "items": [{"id": "a\\ud800", "url": "https://x.example/a", "title": "broken \\udfff escape"}],
    }
    body = json.dumps(doc).replace("\\\\u", "\\u").encode()
    feed = parse_feed(body, BASE)
    articles, _ = normalize_entries(feed.entries, feed_context("f", BASE, "", feed), FETCHED)
    assert articles[0].title == "broken \ufffd escape" and articles[0].guid == "a\ufffd"
    articles[0].model_dump_json()  # encodable: a lone surrogate would raise here


def test_unknown_version_is_read_with_a_warning() -> None:
    body = b'{"version": "https://jsonfeed.org/version/9", "title": "x", "items": []}'
    feed = parse_feed(body, BASE)
    assert feed.format == "json9" and "Unknown JSON Feed version" in feed.warnings[0]


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        (b'{"title": "no version", "items": []}', "not a JSON Feed"),
        (b'{"version": "2", "items": []}', "not a JSON Feed"),
        (b"[1, 2, 3]", "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"}', "items: Field required"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "items: Input should be"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
)
def test_unusable_json_is_a_feed_parse_error(body: bytes, phrase: str) -> None:
    with pytest.raises(FeedParseError, match=phrase) as caught:
        parse_feed(body, BASE)
    assert str(caught.value).endswith(".")
