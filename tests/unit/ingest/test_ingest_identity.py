"""Which article an item is: link, then GUID (scoped to the feed unless it is a URL), then title and
text (scoped to the feed); and the ``url`` shown when the item has no link of its own.

Every case goes from bytes through ``parse_feed`` and ``normalize_entries``, the path the poller runs,
because the defects these pin lived in the hand-over between the two (feedparser resolving GUIDs).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswatch_ingest.normalize import FeedContext, feed_context, normalize_entries, normalize_entry
from newswatch_ingest.parse import ParsedEntry, TextPart, parse_feed
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import RawArticle

FETCHED = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
SITE = "https://harbour.example.org"


def rss(items: str, site: str | None = SITE) -> bytes:
    link = f"<link>{site}/</link>" if site else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Harbour</title>{link}'
        f"{items}</channel></rss>"
    ).encode()


def articles(body: bytes, feed_id: str, url: str) -> tuple[list[RawArticle], list[str]]:
    parsed = parse_feed(body, url)
    return normalize_entries(parsed.entries, feed_context(feed_id, url, "", parsed), FETCHED)


def one(body: bytes, feed_id: str = "feed-a", url: str = f"{SITE}/feeds/a.xml") -> RawArticle:
    made, skipped = articles(body, feed_id, url)
    assert skipped == [] and len(made) == 1
    return made[0]


# --- GUIDs that are not URLs ---------------------------------------------------------------------


def test_a_bare_guid_is_scoped_to_its_feed() -> None:
    """Two feeds both numbering their items "1" carry two stories, not one (the second was lost)."""
    body_a = rss("<item><title>Ferry timetable changes</title><guid>1</guid></item>")
    body_b = rss("<item><title>Council meets on Monday</title><guid>1</guid></item>")
    a = one(body_a, "feed-a", f"{SITE}/feeds/a.xml")
    b = one(body_b, "feed-b", f"{SITE}/feeds/b.xml")
    assert a.id != b.id
    assert a.id == stable_id("guid", "feed-a", "1") and a.guid == "1"


def test_a_bare_guid_is_not_made_into_a_link() -> None:
    """feedparser resolved <guid>1</guid> against the feed URL: https://…/feeds/1, a page not there."""
    article = one(rss("<item><title>Ferry timetable changes</title><guid>1</guid></item>"))
    assert article.url == f"{SITE}/"  # the site, not https://harbour.example.org/feeds/1
    assert article.guid == "1"


def test_the_guid_id_does_not_depend_on_where_the_feed_was_fetched_from() -> None:
    """A feed reached through another (temporary) redirect target keeps its ids: nothing is republished."""
    body = rss('<item><title>Ferry timetable changes</title><guid isPermaLink="true">post-77</guid></item>')
    direct = one(body, "feed-a", f"{SITE}/feeds/a.xml")
    via_cdn = one(body, "feed-a", "https://cdn.example.net/mirror/7f3a/a.xml")
    assert direct.id == via_cdn.id


def test_a_guid_marked_not_a_permalink_is_scoped_to_its_feed() -> None:
    body = rss('<item><title>Ferry</title><guid isPermaLink="false">harbour-2024-77</guid></item>')
    assert one(body).id == stable_id("guid", "feed-a", "harbour-2024-77")


def test_atom_ids_are_identifiers_not_links() -> None:
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Veille</title>'
        f'<link rel="alternate" href="{SITE}/veille/"/>'
        "<entry><title>Renforts au col</title><id>tag:veille.example,2024:77</id></entry>"
        "<entry><title>Sanctions</title><id>77</id></entry></feed>"
    ).encode()
    made, skipped = articles(body, "feed-a", f"{SITE}/feeds/atom.xml")
    assert skipped == []
    assert [a.id for a in made] == [
        stable_id("guid", "feed-a", "tag:veille.example,2024:77"),
        stable_id("guid", "feed-a", "77"),
    ]
    assert {a.url for a in made} == {f"{SITE}/veille/"}


# --- GUIDs that are URLs -------------------------------------------------------------------------


def test_a_guid_that_is_a_url_is_the_articles_address() -> None:
    """WordPress-style GUIDs: not marked as permalinks, but http(s) URLs all the same."""
    guid = "https://harbour.example.org/?p=4242&utm_source=rss"
    body = rss(
        f'<item><title>Ferry</title><guid isPermaLink="false">{guid.replace("&", "&amp;")}</guid></item>'
    )
    article = one(body)
    assert article.url == "https://harbour.example.org/?p=4242"
    # Not scoped to the feed: the same address in another feed, as a link, is the same article.
    assert article.id == stable_id("url", article.url)


def test_a_permalink_guid_with_an_absolute_path_is_resolved_against_the_feed_url() -> None:
    article = one(rss("<item><title>Ferry</title><guid>/news/ferry-timetable</guid></item>"))
    assert article.url == f"{SITE}/news/ferry-timetable"
    assert article.id == stable_id("url", article.url)


def test_a_real_link_wins_over_a_guid_that_comes_first() -> None:
    body = rss("<item><title>Ferry</title><guid>1</guid><link>/news/ferry</link></item>")
    article = one(body)
    assert article.url == f"{SITE}/news/ferry" and article.id == stable_id("url", article.url)
    assert article.guid == "1"


# --- neither link nor GUID -----------------------------------------------------------------------


ORPHANS = (
    "<item><title>Ferry timetable changes</title><description>Boats leave at 7.</description></item>"
    "<item><title>Council meets</title><description>The agenda is published.</description></item>"
)


def test_items_without_link_or_guid_become_articles() -> None:
    made, skipped = articles(rss(ORPHANS), "feed-a", f"{SITE}/feeds/a.xml")
    assert skipped == []
    assert [a.title for a in made] == ["Ferry timetable changes", "Council meets"]
    assert len({a.id for a in made}) == 2
    assert {a.url for a in made} == {f"{SITE}/"} and {a.guid for a in made} == {None}


def test_their_ids_are_stable_across_polls_and_scoped_to_the_feed() -> None:
    first, _ = articles(rss(ORPHANS), "feed-a", f"{SITE}/feeds/a.xml")
    # The next poll: the same items, laid out differently, behind a new one.
    relaid = ORPHANS.replace("<title>", "<title>\n   ").replace("Boats leave", "Boats  leave")
    new = "<item><title>Pier closed</title></item>"
    again, _ = articles(rss(new + relaid), "feed-a", f"{SITE}/feeds/a.xml")
    assert [a.id for a in again][1:] == [a.id for a in first]
    elsewhere, _ = articles(rss(ORPHANS), "feed-b", f"{SITE}/feeds/b.xml")
    assert not {a.id for a in first} & {a.id for a in elsewhere}


def test_an_edited_item_is_a_new_article() -> None:
    """The price of hashing the text: a correction is published again (the same in miniflux)."""
    before = one(rss("<item><title>Ferry timetable changes</title></item>"))
    after = one(rss("<item><title>Ferry timetable changed</title></item>"))
    assert before.id != after.id


def test_without_a_site_link_the_url_is_empty() -> None:
    article = one(rss("<item><title>Ferry</title><guid>1</guid></item>", site=None))
    assert article.url == ""


def test_a_site_link_that_is_not_http_is_not_used() -> None:
    ctx = FeedContext(id="f", url=f"{SITE}/feeds/a.xml", site_url="")
    article = normalize_entry(ParsedEntry(title=TextPart(value="Ferry"), guid="1"), ctx, FETCHED)
    assert article.url == ""
    parsed = parse_feed(rss("<item><title>Ferry</title></item>", site="ftp://files.example.org"), SITE)
    assert feed_context("f", SITE, "", parsed).site_url == ""


def test_an_item_with_nothing_at_all_is_skipped_with_a_sentence() -> None:
    made, skipped = articles(rss("<item></item><item><title>Ferry</title></item>"), "feed-a", SITE)
    assert [a.title for a in made] == ["Ferry"]
    assert skipped == [
        "Entry 1 skipped: The entry has no link, GUID, title or text, so there is nothing to publish."
    ]


@pytest.mark.parametrize(
    "entry",
    [
        ParsedEntry(title=TextPart(value="Only a title")),
        ParsedEntry(summary=TextPart(value="<p>Only a summary</p>", html=True)),
        ParsedEntry(content=TextPart(value="Only content")),
    ],
    ids=["title", "summary", "content"],
)
def test_any_text_is_enough(entry: ParsedEntry) -> None:
    ctx = FeedContext(id="f", url=f"{SITE}/feeds/a.xml", site_url=f"{SITE}/")
    article = normalize_entry(entry, ctx, FETCHED)
    assert article.title and article.url == f"{SITE}/"


def test_json_feed_items_follow_the_same_rules() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "Harbour", '
        b'"home_page_url": "https://harbour.example.org/", "items": ['
        b'{"id": "1", "title": "Ferry"}, {"id": "https://harbour.example.org/p/2", "title": "Council"},'
        b'{"id": "3", "url": "/p/3", "title": "Pier"}]}'
    )
    made, skipped = articles(body, "feed-a", f"{SITE}/feed.json")
    assert skipped == []
    assert [(a.id, a.url) for a in made] == [
        (stable_id("guid", "feed-a", "1"), f"{SITE}/"),
        (stable_id("url", f"{SITE}/p/2"), f"{SITE}/p/2"),
        (stable_id("url", f"{SITE}/p/3"), f"{SITE}/p/3"),
    ]


def test_an_address_that_cannot_be_resolved_loses_only_that_items_link() -> None:
    """urljoin raises on an unbalanced IPv6 bracket: that took the whole feed down (kind ``internal``)."""
    json_body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "Harbour", "home_page_url": "http://[x/",'
        b' "items": [{"id": "1", "url": "http://[oops/a", "title": "Ferry"}]}'
    )
    xml_body = rss("<item><title>Ferry</title><guid>http://[oops/a</guid></item>")
    for body in (json_body, xml_body):
        article = one(body)
        assert article.title == "Ferry" and article.id == stable_id("guid", "feed-a", article.guid or "")
