"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org) → :class:`ParsedFeed`; feedparser does not read it.

The document is validated with pydantic in two steps: the feed's own fields first (a document that
is not a JSON Feed at all is refused with one sentence), then each item on its own, so one malformed
item is skipped with a warning instead of losing the feed. The spec's own leniencies are applied:
an ``id`` given as a number is read as a string, and items without authors take the feed's.
Titles and summaries are plain text by the spec; ``content_html`` is preferred to ``content_text``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from newswatch_ingest.errors import FeedParseError
from newswatch_ingest.parsed import ParsedEntry, ParsedFeed, TextPart
from newswatch_ingest.text import one_line
from newswatch_ingest.urls import absolute_url

__all__ = ["is_json", "parse_json_feed"]

_VERSION_PREFIX = "https://jsonfeed.org/version/"
_KNOWN_VERSIONS = frozenset({"1", "1.1"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    """JSON may escape lone surrogates (``"\\ud800"``), which no UTF-8 encoder accepts later."""
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def _number_as_text(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return _clean(value)


Str = Annotated[str | None, BeforeValidator(_clean)]
Text = Annotated[str | None, BeforeValidator(_number_as_text)]
Required = Annotated[str, BeforeValidator(_clean)]


class _Lenient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _Author(_Lenient):
    name: Str = None
    url: Str = None


class _Item(_Lenient):
    id: Text = None
    url: Str = None
    external_url: Str = None
    title: Str = None
    content_html: Str = None
    content_text: Str = None
    summary: Str = None
    date_published: Str = None
    date_modified: Str = None
    authors: list[_Author] = Field(default_factory=list)
    author: _Author | None = None  # JSON Feed 1.0
    language: Str = None


class _Hub(_Lenient):
    type: Str = None
    url: Str = None


class _Feed(_Lenient):
    version: Required
    title: Required = ""
    home_page_url: Str = None
    feed_url: Str = None
    hubs: list[_Hub] = Field(default_factory=list)
    language: Str = None
    authors: list[_Author] = Field(default_factory=list)
    author: _Author | None = None
    items: list[Any]


def is_json(body: bytes) -> bool:
    """A JSON document starts with ``{`` or ``[`` (after a BOM and whitespace); XML never does."""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _names(authors: list[_Author], single: _Author | None) -> tuple[str, ...]:
    names: list[str] = []
    for author in [*authors, *([single] if single else [])]:
        url = (author.url or "").strip()
        name = (author.name or "").strip() or (
            url.removeprefix("mailto:") if url.startswith("mailto:") else ""
        )
        if name:
            names.append(one_line(name))
    return tuple(dict.fromkeys(names))


def _language(value: str | None) -> str | None:
    lang = (value or "").strip().replace("_", "-").lower()
    return lang or None


def _entry(item: _Item, base_url: str, feed_authors: tuple[str, ...]) -> ParsedEntry:
    link = (item.url or item.external_url or "").strip()
    if item.content_html and item.content_html.strip():
        content = TextPart(value=item.content_html, html=True)
    else:
        content = TextPart(value=item.content_text or "", html=False)
    return ParsedEntry(
        guid=(item.id or "").strip() or None,
        link=absolute_url(link, base_url) if link else None,
        title=TextPart(value=item.title or ""),
        summary=TextPart(value=item.summary or ""),
        content=content,
        # The spec: an item that names no authors has the feed's.
        authors=_names(item.authors, item.author) if item.authors or item.author else feed_authors,
        published=_date(item.date_published),
        updated=_date(item.date_modified),
        language=_language(item.language),
    )


def _problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the document"
    return f"{where}: {first['msg']}"


def parse_json_feed(body: bytes, base_url: str) -> ParsedFeed:
    """Parse a JSON Feed; relative item URLs are resolved against ``base_url``."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as e:
        raise FeedParseError(f"The document looks like JSON but is not valid JSON ({e}).") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.startswith(_VERSION_PREFIX):
        raise FeedParseError("The document is JSON but not a JSON Feed (no jsonfeed.org version).")
    try:
        feed = _Feed.model_validate(data)
    except ValidationError as e:
        raise FeedParseError(f"The JSON Feed is not valid ({_problem(e)}).") from None
    feed_authors = _names(feed.authors, feed.author)
    entries: list[ParsedEntry] = []
    warnings: list[str] = []
    if version.removeprefix(_VERSION_PREFIX) not in _KNOWN_VERSIONS:
        warnings.append(f"Unknown JSON Feed version {version!r}; read as 1.1.")
    for position, raw in enumerate(feed.items, start=1):
        try:
            item = _Item.model_validate(raw)
        except ValidationError as e:
            warnings.append(f"Item {position} skipped: {_problem(e)}.")
            continue
        entries.append(_entry(item, base_url, feed_authors))
    link = (feed.home_page_url or "").strip()
    own = (feed.feed_url or "").strip()
    hubs = [
        url
        for h in feed.hubs
        if h.url and (h.type or "").strip().lower() in ("websub", "pubsubhubbub")
        if (url := absolute_url(h.url.strip(), base_url))
    ]
    return ParsedFeed(
        format="json" + "".join(c for c in version.removeprefix(_VERSION_PREFIX) if c.isalnum())[:8],
        title=one_line(feed.title),
        link=absolute_url(link, base_url) if link else None,
        language=_language(feed.language),
        entries=tuple(entries),
        warnings=tuple(warnings),
        hubs=tuple(dict.fromkeys(hubs)),
        self_url=absolute_url(own, base_url) if own else None,
    )
