"""Bytes → :class:`ParsedFeed`: feedparser does the reading, an adapter makes its loose dict strict.

feedparser handles RSS 0.9x/1.0 (RDF)/2.0 and Atom 0.3/1.0, repairs common breakage, resolves
relative links against the feed URL and sanitises embedded HTML. What it returns is a dict of
whatever the feed held; :func:`_adapt_entry` turns that into our own frozen model in one place, so
nothing past this module touches feedparser's shapes. JSON Feed goes to :mod:`jsonfeed` instead.

Before feedparser sees a document, :mod:`encoding` settles its character encoding (feedparser then
reads clean UTF-8) and :mod:`xmlguard` refuses entity-expansion bombs.

What counts as unreadable (:class:`FeedParseError`): an empty body, JSON that is not a JSON Feed, an
HTML page, an entity bomb, or a document that yields no entries and is either not well-formed or in
no feed format feedparser recognises. A feed that is malformed but still yields entries is accepted
and the problem kept as a warning; a well-formed feed with no entries is simply empty.
"""

from __future__ import annotations

import calendar
import io
import re
import time
import xml.sax
from datetime import UTC, datetime
from typing import Any

import feedparser

from newswatch_ingest.encoding import media_type, to_utf8
from newswatch_ingest.errors import FeedParseError
from newswatch_ingest.jsonfeed import is_json, parse_json_feed
from newswatch_ingest.parsed import ParsedEntry, ParsedFeed, TextPart
from newswatch_ingest.text import html_to_text, one_line
from newswatch_ingest.urls import absolute_url
from newswatch_ingest.xmlguard import check_entities

__all__ = ["ParsedEntry", "ParsedFeed", "TextPart", "parse_feed"]

# Content types that mean "this is plain text, do not parse it as HTML".
_PLAIN = frozenset({"text/plain"})
# Numeric character references; feedparser's lenient parser crashes on ones that name no character.
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
# A feed's markup starts near the top (a few lines of junk before it are tolerated).
_MARKUP_WITHIN = 1024
# feedparser's complaint about the charset we already settled (we hand it UTF-8 labelled as such).
_ENCODING_NOISE = ("CharacterEncodingOverride", "CharacterEncodingUnknown")


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]


def _get(obj: Any, key: str) -> Any:
    """A plain lookup: FeedParserDict's own aliases (e.g. updated→published) warn and blur fields."""
    return dict.get(obj, key) if isinstance(obj, dict) else None


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _text(value: Any, detail: Any) -> TextPart:
    text = value if isinstance(value, str) else ""
    kind = _get(detail, "type") or "text/html"
    return TextPart(value=text, html=kind not in _PLAIN)


def _content(entry: Any) -> TextPart:
    parts = [c for c in _get(entry, "content") or [] if isinstance(c, dict) and _str(_get(c, "value"))]
    if not parts:
        return TextPart()
    # Prefer markup over a plain variant: it keeps paragraph breaks.
    best = next((c for c in parts if _get(c, "type") not in _PLAIN), parts[0])
    return _text(_get(best, "value"), best)


def _authors(entry: Any) -> tuple[str, ...]:
    names: list[str] = []
    for author in _get(entry, "authors") or []:
        if isinstance(author, dict):
            name = one_line(_str(_get(author, "name")) or _str(_get(author, "email")))
            if name and name not in names:
                names.append(name)
    if not names and _str(_get(entry, "author")):
        names.append(one_line(_str(_get(entry, "author"))))
    return tuple(names)


def _date(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _keep_guids_as_written() -> None:
    """feedparser resolves permalink GUIDs and Atom ids against the document's URL as if they were
    links: ``<guid>1</guid>`` in https://host/feeds/a.xml came out as https://host/feeds/1, a page that
    does not exist, shared by every feed in that folder, and different whenever the feed was fetched
    through another URL (so its items were published again). A GUID is an identifier;
    :func:`_link` decides whether it is also an address. Only ``id`` is taken out of feedparser's
    set of relative-URI elements: links, logos and the rest are still resolved (xml:base included)."""
    mixin = feedparser.mixin._FeedParserMixin
    mixin.can_be_relative_uri = set(mixin.can_be_relative_uri) - {"id"}


_keep_guids_as_written()


def _link(entry: Any, guid: str, base_url: str) -> str | None:
    """The entry's link, absolute. feedparser copies a permalink GUID into ``link`` when there is no
    link element; that copy counts only when the GUID looks like an address (http(s), or a path
    starting with ``/``), not for ``1`` or ``tag:…``, which are identifiers."""
    link = _str(_get(entry, "link"))
    if link and link == guid and _get(entry, "guidislink"):
        looks_like_address = guid.lower().startswith(("http://", "https://", "/"))
        link = link if looks_like_address else ""
    return absolute_url(link, base_url) if link else None


def _adapt_entry(entry: Any, base_url: str) -> ParsedEntry:
    guid = _str(_get(entry, "id"))
    return ParsedEntry(
        guid=guid or None,
        link=_link(entry, guid, base_url),
        title=_text(_get(entry, "title"), _get(entry, "title_detail")),
        summary=_text(_get(entry, "summary"), _get(entry, "summary_detail")),
        content=_content(entry),
        authors=_authors(entry),
        published=_date(_get(entry, "published_parsed")) or _date(_get(entry, "created_parsed")),
        updated=_date(_get(entry, "updated_parsed")),
        language=_entry_language(entry),
    )


def _language(value: Any) -> str | None:
    lang = _str(value).replace("_", "-").lower()
    return lang or None


def _entry_language(entry: Any) -> str | None:
    """An entry's xml:lang, which feedparser keeps on its text parts (inherited from the feed)."""
    for key in ("title_detail", "summary_detail"):
        lang = _language(_get(_get(entry, key), "language"))
        if lang:
            return lang
    return None


def _websub_links(feed: Any, base_url: str) -> tuple[tuple[str, ...], str | None]:
    """``<atom:link rel="hub">`` and ``rel="self"`` (Atom, and RSS with the Atom namespace)."""
    hubs: list[str] = []
    self_url: str | None = None
    for link in _get(feed, "links") or []:
        href = _str(_get(link, "href"))
        rel = _str(_get(link, "rel")).lower()
        if not href:
            continue
        url = absolute_url(href, base_url)
        if rel == "hub" and url:
            hubs.append(url)
        elif rel == "self" and self_url is None:
            self_url = url
    return tuple(dict.fromkeys(hubs)), self_url


def _problem(exc: Any) -> str:
    if exc is None:
        return "unknown problem"
    if isinstance(exc, xml.sax.SAXParseException):  # its str() starts with "<unknown>:line:col"
        return f"line {exc.getLineNumber()}, column {exc.getColumnNumber()}: {exc.getMessage()}"
    return f"{type(exc).__name__}: {exc}"


def _valid_char_ref(match: re.Match[bytes]) -> bytes:
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return b"&#xFFFD;"  # a surrogate or no code point at all: the replacement character
    return match.group(0)


def _read_xml(body: bytes, base_url: str, media: str) -> Any:
    headers = {"content-location": base_url, "content-type": f"{media}; charset=utf-8"}
    try:
        # A BytesIO, never the bytes themselves: feedparser treats a bare string as a URL or file name.
        # No HTML sanitising and no rewriting of links inside content: every text field becomes plain
        # text (text.html_to_text drops scripts, styles and every tag) and the entry's own link is
        # resolved by _link. Both passes cost half of feedparser's time on every poll.
        return feedparser.parse(
            io.BytesIO(_CHAR_REF.sub(_valid_char_ref, body)),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except (RecursionError, MemoryError):
        raise FeedParseError("The document is nested too deeply to be read.") from None
    except Exception as e:
        # feedparser's lenient parser has corner cases that raise instead of reporting "bozo".
        raise FeedParseError(f"The document could not be read ({type(e).__name__}: {e}).") from e


def parse_feed(body: bytes, base_url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a fetched feed; relative links are resolved against ``base_url``.

    ``content_type`` is the server's Content-Type header (charset included); bytes that come with
    no header, such as files, are treated as XML (or JSON, when they start like JSON).
    """
    if not body.strip():
        raise FeedParseError("The document is empty.")
    if is_json(body):
        return parse_json_feed(body, base_url)
    decoded = to_utf8(body, content_type)
    if b"<" not in decoded.body[:_MARKUP_WITHIN]:
        raise FeedParseError("The document is neither XML nor JSON, so it is not a feed.")
    entities = check_entities(decoded.body)
    raw = _read_xml(decoded.body, base_url, media_type(content_type) or "application/xml")
    version = _str(_get(raw, "version"))
    entries = _get(raw, "entries") or []
    problem = _get(raw, "bozo_exception") if _get(raw, "bozo") else None
    if problem is not None and type(problem).__name__ in _ENCODING_NOISE:
        problem = None
    if not version and _looks_like_html(decoded.body):
        raise FeedParseError("The document is an HTML page, not an RSS or Atom feed.")
    if not entries and problem is not None:
        raise FeedParseError(f"The document is not a readable feed ({_problem(problem)}).")
    if not entries and not version:
        raise FeedParseError("The document is not in a feed format we know (RSS, Atom, RDF or JSON Feed).")
    feed = _get(raw, "feed") or {}
    warnings = list(decoded.warnings)
    if problem is not None:
        warnings.append(f"Read despite a problem: {_problem(problem)}.")
    if entities.external:
        names = ", ".join(f"&{name};" for name in entities.external[:5])
        warnings.append(f"External XML entities ({names}) were not loaded.")
    title = _text(_get(feed, "title"), _get(feed, "title_detail"))
    link = _str(_get(feed, "link"))
    hubs, self_url = _websub_links(feed, base_url)
    return ParsedFeed(
        format=version or "unknown",
        title=one_line(html_to_text(title.value) if title.html else title.value),
        link=absolute_url(link, base_url) if link else None,
        language=_language(_get(feed, "language")),
        entries=tuple(_adapt_entry(e, base_url) for e in entries),
        warnings=tuple(warnings),
        hubs=hubs,
        self_url=self_url,
    )
