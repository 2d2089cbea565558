"""Entries → RawArticle: ids, canonical URLs, plain text, inferred dates, feed metadata."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newswatch_ingest.errors import EntryError
from newswatch_ingest.normalize import (
    FUTURE_SKEW,
    FeedContext,
    feed_context,
    normalize_entries,
    normalize_entry,
)
from newswatch_ingest.parse import ParsedEntry, TextPart, parse_feed
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import RawArticle, decode, encode

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
FEED_URL = "https://courier.example.org/feeds/world.xml"
FETCHED = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
CTX = FeedContext(id="feed-1", url=FEED_URL, title="Courier", language="en-gb")


def rss_articles() -> list[RawArticle]:
    parsed = parse_feed((FEEDS / "rss2.xml").read_bytes(), FEED_URL)
    articles, skipped = normalize_entries(
        parsed.entries, feed_context("feed-1", FEED_URL, "", parsed), FETCHED
    )
    assert skipped == []
    return articles


def test_rss_item_with_html_and_tracking_parameters() -> None:
    first = rss_articles()[0]
    assert first.url == "https://courier.example.org/world/ceasefire-monitors?page=2"
    assert first.id == stable_id("url", first.url)
    assert first.title == "Ceasefire monitors report quiet night along the river line"
    assert (
        first.summary
        == "Observers from three countries said the night passed without shelling.\nTalks resume on Thursday."
    )
    assert "trackVisit" not in first.content
    assert first.content.endswith("Talks resume on Thursday in the border town, a spokeswoman said.")
    assert first.authors == ["Mara Quill"]
    assert first.published_at == datetime(2024, 5, 14, 4, 45, tzinfo=UTC)
    assert first.published_inferred is False
    assert first.guid == "courier-2024-0514-ceasefire"


def test_feed_metadata_is_carried() -> None:
    first = rss_articles()[0]
    assert (first.feed_id, first.feed_url, first.feed_title) == (
        "feed-1",
        FEED_URL,
        "Harbour Town Courier & Wire",
    )
    assert first.language == "en-gb"
    assert first.fetched_at == FETCHED


def test_stored_title_wins_over_the_documents() -> None:
    parsed = parse_feed((FEEDS / "rss2.xml").read_bytes(), FEED_URL)
    assert feed_context("f", FEED_URL, "My name for it", parsed).title == "My name for it"


def test_relative_link_becomes_absolute_canonical_url() -> None:
    assert rss_articles()[1].url == "https://courier.example.org/world/fuel-convoy-north"


def test_guid_only_entry_gets_a_feed_scoped_guid_id_the_site_link_and_an_inferred_date() -> None:
    article = rss_articles()[2]
    assert article.url == "https://courier.example.org/"
    assert article.id == stable_id("guid", "feed-1", "urn:courier:item:7781")
    assert article.published_at == FETCHED and article.published_inferred


def test_future_date_is_replaced_by_fetch_time() -> None:
    article = rss_articles()[3]
    assert article.published_at == FETCHED and article.published_inferred


@pytest.mark.parametrize(
    ("published", "updated", "expected", "inferred"),
    [
        (None, None, FETCHED, True),
        (FETCHED - timedelta(days=1), None, FETCHED - timedelta(days=1), False),
        (None, FETCHED - timedelta(hours=2), FETCHED - timedelta(hours=2), False),
        (
            FETCHED + FUTURE_SKEW - timedelta(seconds=1),
            None,
            FETCHED + FUTURE_SKEW - timedelta(seconds=1),
            False,
        ),
        (FETCHED + FUTURE_SKEW + timedelta(seconds=1), None, FETCHED, True),
        (FETCHED + timedelta(days=3650), FETCHED - timedelta(days=1), FETCHED, True),
    ],
)
def test_publication_date_rules(
    published: datetime | None, updated: datetime | None, expected: datetime, inferred: bool
) -> None:
    entry = ParsedEntry(
        link="https://a.example/x", title=TextPart(value="t"), published=published, updated=updated
    )
    article = normalize_entry(entry, CTX, FETCHED)
    assert (article.published_at, article.published_inferred) == (expected, inferred)


def test_atom_entries() -> None:
    url = "https://veille.example.net/atom.xml"
    parsed = parse_feed((FEEDS / "atom.xml").read_bytes(), url)
    first, second = normalize_entries(parsed.entries, feed_context("f", url, "", parsed), FETCHED)[0]
    assert first.language == "fr"
    assert first.feed_title == "Veille Frontières"
    assert first.summary == "Des témoins décrivent des colonnes de camions se dirigeant vers le col."
    assert first.content.splitlines() == [first.summary, "Le ministère n'a pas commenté."]
    assert first.authors == ["Claire Vasseur", "Hugo Lemaire"]
    assert second.summary == "Les ministres se réunissent lundi."
    assert second.published_at == datetime(2024, 5, 13, 17, 15, tzinfo=UTC) and not second.published_inferred


def test_rdf_entries_use_dc_date() -> None:
    url = "https://kurier.example.de/rdf"
    parsed = parse_feed((FEEDS / "rdf.xml").read_bytes(), url)
    articles, _ = normalize_entries(parsed.entries, feed_context("f", url, "", parsed), FETCHED)
    assert [a.published_at for a in articles] == [
        datetime(2024, 5, 12, 13, 0, tzinfo=UTC),
        datetime(2024, 5, 13, 7, 20, tzinfo=UTC),
    ]
    assert {a.language for a in articles} == {"de"}


def test_same_url_with_other_tracking_parameters_has_the_same_id() -> None:
    a = ParsedEntry(link="https://News.example.com/story?utm_source=x#top", title=TextPart(value="a"))
    b = ParsedEntry(link="https://news.example.com/story?fbclid=1", title=TextPart(value="b"))
    assert normalize_entry(a, CTX, FETCHED).id == normalize_entry(b, CTX, FETCHED).id


def test_link_wins_over_guid_for_the_id() -> None:
    entry = ParsedEntry(link="https://a.example/x", guid="g-1", title=TextPart(value="t"))
    assert normalize_entry(entry, CTX, FETCHED).id == stable_id("url", "https://a.example/x")


def test_unusable_link_falls_back_to_guid() -> None:
    entry = ParsedEntry(link="mailto:desk@a.example", guid="g-1", title=TextPart(value="t"))
    article = normalize_entry(entry, CTX, FETCHED)
    assert article.url == "" and article.id == stable_id("guid", "feed-1", "g-1")


def test_entry_with_nothing_to_show_is_skipped_with_a_sentence() -> None:
    entries = [ParsedEntry(guid=None), ParsedEntry(link="https://a.example/1")]
    articles, skipped = normalize_entries(entries, CTX, FETCHED)
    assert [a.url for a in articles] == ["https://a.example/1"]
    assert skipped == [
        "Entry 1 skipped: The entry has no link, GUID, title or text, so there is nothing to publish."
    ]
    with pytest.raises(EntryError):
        normalize_entry(ParsedEntry(), CTX, FETCHED)


def test_duplicate_entries_in_one_document_become_one_article() -> None:
    entries = [
        ParsedEntry(link="https://a.example/1?utm_campaign=x"),
        ParsedEntry(link="https://a.example/1"),
    ]
    assert len(normalize_entries(entries, CTX, FETCHED)[0]) == 1


def test_missing_title_is_taken_from_the_text() -> None:
    long = "Word " * 60
    entry = ParsedEntry(link="https://a.example/1", summary=TextPart(value=f"<p>{long}</p>", html=True))
    title = normalize_entry(entry, CTX, FETCHED).title
    assert title.endswith("…") and len(title) <= 121 and title.startswith("Word Word")


def test_content_equal_to_summary_is_not_repeated() -> None:
    text = TextPart(value="Same words.", html=False)
    article = normalize_entry(
        ParsedEntry(link="https://a.example/1", summary=text, content=text), CTX, FETCHED
    )
    assert (article.summary, article.content) == ("Same words.", "")


def test_article_survives_the_wire() -> None:
    article = rss_articles()[0]
    assert decode(RawArticle, encode(article)) == article
