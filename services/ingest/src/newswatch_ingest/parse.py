"""Bytes → :class:`ParsedFeed`: feedparser does the reading, an adapter makes its loose dict strict.

feedparser handles RSS 0.9x/1.0 (RDF)/2.0 and Atom, repairs common breakage, resolves relative
links against the feed URL and sanitises embedded HTML. What it returns is a dict of whatever the
feed held; :func:`_adapt_entry` turns that into our own frozen model in one place, so nothing past
this module touches feedparser's shapes.

What counts as unreadable (:class:`FeedParseError`): an empty body, JSON, an HTML page, or a document that
yields no entries and is either not well-formed or in no feed format feedparser recognises. A feed
that is malformed but still yields entries is accepted and the problem kept as a warning; a
well-formed feed with no entries is simply empty.
"""

from __future__ import annotations

import calendar
import io
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from pydantic import BaseModel, ConfigDict, Field

from newswatch_ingest.errors import FeedParseError
from newswatch_ingest.text import html_to_text, one_line

__all__ = ["ParsedEntry", "ParsedFeed", "TextPart", "parse_feed"]

# Content types that mean "this is plain text, do not parse it as HTML".
_PLAIN = frozenset({"text/plain"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TextPart(_Frozen):
    """A piece of entry text as the feed gave it; ``html`` says whether it is markup."""

    value: str = ""
    html: bool = False


class ParsedEntry(_Frozen):
    guid: str | None = None
    link: str | None = Field(default=None, description="Absolute URL (resolved against the feed URL).")
    title: TextPart = TextPart()
    summary: TextPart = TextPart()
    content: TextPart = TextPart()
    authors: tuple[str, ...] = ()
    published: datetime | None = Field(default=None, description="UTC; None when absent or unreadable.")
    updated: datetime | None = None


class ParsedFeed(_Frozen):
    format: str = Field(description="feedparser's version key, e.g. 'rss20', 'atom10', 'rss10'.")
    title: str = ""
    link: str | None = None
    language: str | None = None
    entries: tuple[ParsedEntry, ...] = ()
    warnings: tuple[str, ...] = ()


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


def _adapt_entry(entry: Any, base_url: str) -> ParsedEntry:
    link = _str(_get(entry, "link"))
    return ParsedEntry(
        guid=_str(_get(entry, "id")) or None,
        link=urljoin(base_url, link) if link else None,
        title=_text(_get(entry, "title"), _get(entry, "title_detail")),
        summary=_text(_get(entry, "summary"), _get(entry, "summary_detail")),
        content=_content(entry),
        authors=_authors(entry),
        published=_date(_get(entry, "published_parsed")) or _date(_get(entry, "created_parsed")),
        updated=_date(_get(entry, "updated_parsed")),
    )


def _language(value: Any) -> str | None:
    lang = _str(value).replace("_", "-").lower()
    return lang or None


def _problem(exc: Any) -> str:
    return f"{type(exc).__name__}: {exc}" if exc is not None else "unknown problem"


def parse_feed(body: bytes, base_url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a fetched feed; relative links are resolved against ``base_url``.

    ``content_type`` is the server's Content-Type header (charset included); bytes that come with
    no header, such as files, are treated as XML.
    """
    if not body.strip():
        raise FeedParseError("The document is empty.")
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        raise FeedParseError("The document is JSON (a JSON Feed?); only RSS, Atom and RDF feeds are read.")
    headers = {"content-location": base_url, "content-type": content_type or "application/xml"}
    # A BytesIO, never the bytes themselves: feedparser treats a bare string as a URL or file name.
    raw = feedparser.parse(io.BytesIO(body), response_headers=headers)
    version = _str(_get(raw, "version"))
    entries = _get(raw, "entries") or []
    bozo = bool(_get(raw, "bozo"))
    if not version and _looks_like_html(body):
        raise FeedParseError("The document is an HTML page, not an RSS or Atom feed.")
    if not entries and bozo:
        raise FeedParseError(
            f"The document is not a readable feed ({_problem(_get(raw, 'bozo_exception'))})."
        )
    if not entries and not version:
        raise FeedParseError("The document is not in a feed format we know (RSS, Atom or RDF).")
    feed = _get(raw, "feed") or {}
    warnings: tuple[str, ...] = ()
    if bozo:
        warnings = (f"Read despite a problem: {_problem(_get(raw, 'bozo_exception'))}.",)
    title = _text(_get(feed, "title"), _get(feed, "title_detail"))
    link = _str(_get(feed, "link"))
    return ParsedFeed(
        format=version or "unknown",
        title=one_line(html_to_text(title.value) if title.html else title.value),
        link=urljoin(base_url, link) if link else None,
        language=_language(_get(feed, "language")),
        entries=tuple(_adapt_entry(e, base_url) for e in entries),
        warnings=warnings,
    )
