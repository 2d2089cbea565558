"""OPML import and export: what is read from lists readers write, what is refused, and round trips."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch_ingest import opml
from newswatch_ingest.opml import ListedFeed, OpmlError, build_opml, parse_opml

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)

# A list as a feed reader exports it: folders, nested folders, a feed in two folders, categories,
# a feed outline without xmlUrl, an unusable URL, one of our own interval attributes.
READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Desk subscriptions</title></head>
  <body>
    <outline text="Regional">
      <outline text="Border wires" title="Border wires">
        <outline type="rss" text="Frontier Monitor" xmlUrl="https://frontier.example.org/rss?utm_source=opml"
                 category="/conflict/ceasefire,watch"/>
      </outline>
      <outline type="rss" text="Harbour Daily" title="Harbour Daily"
               xmlUrl="http://HARBOUR.example.net/feed.xml" newswatchInterval="600"/>
    </outline>
    <outline text="Morning read">
      <outline type="rss" text="Frontier Monitor" xmlUrl="https://frontier.example.org/rss"/>
    </outline>
    <outline type="rss" text="Untitled wire" xmlUrl="https://plain.example.com/atom"
             newswatchEnabled="false"/>
    <outline type="rss" text="Lost feed"/>
    <outline type="rss" text="Mail list" xmlUrl="mailto:desk@example.org"/>
    <outline type="rss" text="Too eager" xmlUrl="https://eager.example.org/rss" newswatchInterval="5"/>
    <outline type="link" text="A web page" url="https://www.example.org/"/>
  </body>
</opml>
"""


def test_feeds_are_read_at_any_depth_with_folders_and_categories_as_tags() -> None:
    document = parse_opml(READER_EXPORT)
    assert document.title == "Desk subscriptions"
    by_url = {f.url: f for f in document.feeds}
    assert list(by_url) == [
        "https://frontier.example.org/rss",
        "http://harbour.example.net/feed.xml",
        "https://plain.example.com/atom",
    ]
    frontier = by_url["https://frontier.example.org/rss"]
    # Listed twice: one feed with the tags of both places, categories first.
    assert frontier.tags == ("conflict/ceasefire", "watch", "Regional", "Border wires", "Morning read")
    assert frontier.title == "Frontier Monitor" and frontier.interval_s is None
    harbour = by_url["http://harbour.example.net/feed.xml"]
    assert (harbour.title, harbour.tags, harbour.interval_s) == ("Harbour Daily", ("Regional",), 600.0)
    plain = by_url["https://plain.example.com/atom"]
    assert (plain.tags, plain.enabled) == ((), False)


def test_unusable_outlines_are_reported_with_a_reason() -> None:
    problems = {p.title: p for p in parse_opml(READER_EXPORT).problems}
    assert set(problems) == {"Lost feed", "Mail list", "Too eager"}
    assert problems["Lost feed"].reason == "The outline is a feed without an xmlUrl."
    assert problems["Mail list"].reason == "'mailto:desk@example.org' is not an http(s) URL."
    assert problems["Too eager"].url == "https://eager.example.org/rss"
    assert "between 30 and 604800 seconds" in problems["Too eager"].reason


def test_a_bad_interval_value_is_a_problem_not_a_crash() -> None:
    doc = (
        b'<opml version="2.0"><body><outline xmlUrl="https://a.example/rss" text="A"'
        b' newswatchInterval="often"/></body></opml>'
    )
    (problem,) = parse_opml(doc).problems
    assert problem.reason == "newswatchInterval 'often' is not a number of seconds."


def test_attribute_names_are_read_case_insensitively_and_folder_commas_split() -> None:
    doc = (
        b'<opml version="1.0"><body><outline text="Europe, Africa">'
        b'<outline XMLURL="https://a.example/rss" TEXT="A"/></outline></body></opml>'
    )
    (feed,) = parse_opml(doc).feeds
    assert (feed.url, feed.title, feed.tags) == ("https://a.example/rss", "A", ("Europe", "Africa"))


def test_long_folder_names_are_shortened_and_tags_capped() -> None:
    folders = "".join(f'<outline text="f{i}{"x" * 60}">' for i in range(25))
    closing = "</outline>" * 25
    doc = f'<opml><body>{folders}<outline xmlUrl="https://a.example/rss"/>{closing}</body></opml>'
    (feed,) = parse_opml(doc.encode()).feeds
    assert len(feed.tags) == 20 and all(len(t) == 50 for t in feed.tags)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "The document is empty."),
        (b"<opml><body>", "not well-formed XML: no element found (line 1, column 13)."),
        (b"<rss version='2.0'><channel/></rss>", "root element is <rss>. It looks like a feed"),
        (b"<opml version='2.0'><head/></opml>", "The OPML document has no <body>."),
        (b"<html><body>hi</body></html>", "root element is <html>."),
    ],
)
def test_documents_that_are_not_opml_are_refused_with_a_sentence(body: bytes, message: str) -> None:
    with pytest.raises(OpmlError, match=message.replace(".", r"\.").replace("(", r"\(").replace(")", r"\)")):
        parse_opml(body)


def test_entity_bombs_are_refused_before_any_expansion() -> None:
    levels = ['<!ENTITY lol0 "lollollollollollollollollollol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    doc = f"<?xml version='1.0'?><!DOCTYPE opml [{''.join(levels)}]>"
    doc += "<opml><body><outline text='&lol9;' xmlUrl='https://a.example/rss'/></body></opml>"
    with pytest.raises(OpmlError, match="declares entities"):
        parse_opml(doc.encode())


def test_external_entities_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-leak", encoding="utf-8")
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>'
        '<opml><body><outline text="&leak;" xmlUrl="https://a.example/rss"/></body></opml>'
    )
    with pytest.raises(OpmlError, match="declares entities") as caught:
        parse_opml(doc.encode())
    assert "do-not-leak" not in str(caught.value)


def test_an_external_dtd_is_not_loaded_and_undeclared_entities_fail() -> None:
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "http://127.0.0.1:9/opml.dtd">'
        b'<opml><body><outline text="A" xmlUrl="https://a.example/rss"/></body></opml>'
    )
    assert [f.url for f in parse_opml(doc).feeds] == ["https://a.example/rss"]
    with pytest.raises(OpmlError):
        parse_opml(b"<opml><body><outline text='&nope;' xmlUrl='https://a.example/rss'/></body></opml>")


def test_size_and_outline_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(OpmlError, match="larger than the 5,242,880-byte limit"):
        parse_opml(b" " * (opml.MAX_OPML_BYTES + 1))
    monkeypatch.setattr(opml, "MAX_OUTLINES", 3)
    doc = "<opml><body>" + '<outline text="x"/>' * 4 + "</body></opml>"
    with pytest.raises(OpmlError, match="more than 3 outlines"):
        parse_opml(doc.encode())


FEEDS = [
    ListedFeed("https://frontier.example.org/rss", "Frontier Monitor", ("watch", "Border wires")),
    ListedFeed("http://harbour.example.net/feed.xml", "Harbour & Sons <Daily>", ("Regional",), 600.0),
    ListedFeed("https://plain.example.com/atom", "", (), None, False),
    ListedFeed("https://quotes.example.org/rss?a=1&b=2", 'The "Quoted" one', ("watch",)),
]


def test_export_reads_back_as_the_same_feeds() -> None:
    exported = build_opml(FEEDS, title="newswatch feeds", now=NOW)
    assert exported.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert b"<dateCreated>Wed, 15 May 2024 12:00:00 GMT</dateCreated>" in exported
    document = parse_opml(exported)
    assert document.title == "newswatch feeds" and document.problems == ()
    got = {f.url: f for f in document.feeds}
    assert got.keys() == {f.url for f in FEEDS}
    for feed in FEEDS:
        back = got[feed.url]
        assert (back.title, back.tags, back.interval_s) == (feed.title, feed.tags, feed.interval_s)
        assert back.enabled is (False if feed.enabled is False else None)


def test_export_groups_feeds_into_a_folder_per_tag() -> None:
    text = build_opml(FEEDS, title="t", now=NOW).decode()
    folders = [line.strip() for line in text.splitlines() if line.strip().startswith('<outline text="')]
    assert folders == [
        '<outline text="Border wires" title="Border wires">',
        '<outline text="Regional" title="Regional">',
        '<outline text="watch" title="watch">',
    ]
    assert text.count('xmlUrl="https://frontier.example.org/rss"') == 2  # in both of its folders
    assert 'xmlUrl="https://plain.example.com/atom"' in text and 'newswatchEnabled="false"' in text


def test_export_stays_well_formed_whatever_the_titles_hold() -> None:
    odd = ListedFeed("https://odd.example.org/rss", "Line\none\x01\x0b and ]]> & \ufffe end", ("a\tb",))
    back = parse_opml(build_opml([odd], title="t\x00", now=NOW))
    (feed,) = back.feeds
    assert feed.title == "Line one and ]]> & end" and feed.tags == ("a b",)
