"""parse_feed on feed files we wrote: RSS 2.0, Atom 1.0, RDF, and documents that are not feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch_ingest.errors import FeedParseError
from newswatch_ingest.normalize import FeedContext, normalize_entry
from newswatch_ingest.parse import ParsedFeed, parse_feed
from newswatch_shared.errors import SchemaError

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
BASE = "https://courier.example.org/feeds/world.xml"


def parse(name: str, base: str = BASE) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), base)


def test_rss2_feed_metadata_and_entries() -> None:
    feed = parse("rss2.xml")
    assert feed.format == "rss20"
    assert feed.title == "Harbour Town Courier & Wire"
    assert feed.language == "en-gb"
    assert feed.link == "https://courier.example.org/"
    assert len(feed.entries) == 4
    assert feed.warnings == ()
    first = feed.entries[0]
    assert first.guid == "courier-2024-0514-ceasefire"
    assert first.title.html and "<em>quiet</em>" in first.title.value
    assert first.authors == ("Mara Quill",)
    assert first.published == datetime(2024, 5, 14, 4, 45, tzinfo=UTC)
    # Embedded HTML is kept as sent (feedparser's sanitiser is off: it cost a third of every parse);
    # the plain text every article carries drops scripts with every other tag.
    assert first.content.html
    fetched = datetime(2024, 5, 15, tzinfo=UTC)
    article = normalize_entry(first, FeedContext(id="f", url="https://courier.example.org/rss"), fetched)
    assert "trackVisit" not in article.content and "trackVisit" not in article.summary


def test_rss2_author_name_is_taken_from_email_form() -> None:
    assert parse("rss2.xml").entries[1].authors == ("Tomas Brennan",)


def test_relative_link_is_resolved_against_the_feed_url() -> None:
    entry = parse("rss2.xml", "https://mirror.example.com/a/feed.xml").entries[1]
    assert entry.link == "https://mirror.example.com/world/fuel-convoy-north"


def test_guid_only_entry_has_no_link_and_no_date() -> None:
    entry = parse("rss2.xml").entries[2]
    assert entry.link is None
    assert entry.guid == "urn:courier:item:7781"
    assert entry.published is None and entry.updated is None


def test_atom_feed_with_xml_base() -> None:
    feed = parse("atom.xml")
    assert feed.format == "atom10"
    assert feed.title == "Veille Frontières"  # type="html" title reduced to text
    assert feed.language == "fr"
    first, second = feed.entries
    assert first.link == "https://veille.example.net/actualites/2024/05/renforts-col"
    assert second.link == "https://veille.example.net/international/sanctions-liste"
    assert first.authors == ("Claire Vasseur", "Hugo Lemaire")
    assert first.published == datetime(2024, 5, 14, 6, 30, tzinfo=UTC)
    assert first.content.html and "Le ministère n'a pas commenté." in first.content.value
    assert second.published is None
    assert second.updated == datetime(2024, 5, 13, 17, 15, tzinfo=UTC)
    assert not second.title.html and second.title.value == "Sanctions : nouvelle liste attendue & débattue"


def test_rdf_feed() -> None:
    feed = parse("rdf.xml")
    assert feed.format == "rss10"
    assert feed.language == "de"
    assert [e.link for e in feed.entries] == [
        "https://kurier.example.de/meldung/1",
        "https://kurier.example.de/meldung/2",
    ]
    assert feed.entries[0].authors == ("Jonas Feld",)
    assert feed.entries[1].updated == datetime(2024, 5, 13, 7, 20, tzinfo=UTC)


def test_well_formed_feed_without_entries_is_empty_not_an_error() -> None:
    feed = parse("empty.xml")
    assert feed.entries == () and feed.title == "Quiet Desk"


def test_malformed_feed_that_still_yields_entries_is_accepted_with_a_warning() -> None:
    feed = parse("bozo_entries.xml")
    assert [e.link for e in feed.entries] == ["https://loose.example.com/crossing-reopens"]
    assert len(feed.warnings) == 1 and "undefined entity" in feed.warnings[0]


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("html_page.html", "HTML page"),
        ("broken.xml", "not a readable feed"),
        ("not_a_feed.xml", "not in a feed format"),
    ],
)
def test_unreadable_documents_raise_feed_parse_error(name: str, phrase: str) -> None:
    with pytest.raises(FeedParseError, match=phrase) as caught:
        parse(name)
    assert isinstance(caught.value, SchemaError)


@pytest.mark.parametrize("body", [b"", b"  \n\t"])
def test_empty_body_is_a_feed_parse_error(body: bytes) -> None:
    with pytest.raises(FeedParseError, match="empty"):
        parse_feed(body, BASE)


def test_body_that_looks_like_a_path_is_parsed_not_opened() -> None:
    # feedparser opens a bare string as a file name; parse_feed must never hand it one.
    with pytest.raises(FeedParseError):
        parse_feed(str(FEEDS / "rss2.xml").encode(), BASE)


def test_server_content_type_problem_is_a_warning() -> None:
    feed = parse_feed((FEEDS / "rss2.xml").read_bytes(), BASE, "text/html; charset=utf-8")
    assert len(feed.entries) == 4
    assert feed.warnings and "text/html" in feed.warnings[0]
