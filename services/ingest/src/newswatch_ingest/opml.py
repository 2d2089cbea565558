"""OPML 2.0, the feed list format every feed reader imports and exports. Pure: bytes in, bytes out.

Reading: every ``<outline>`` with an ``xmlUrl`` under ``<body>`` is a feed, at any depth. Its tags
are its ``category`` values (comma-separated; the leading and trailing ``/`` of OPML's category
paths dropped) followed by the titles of the folder outlines it sits in, so a reader's folders
become tags. A feed listed several times (one entry per folder, as readers export multi-folder
feeds) is one feed with the union of the tags. ``newswatchInterval`` (seconds) and
``newswatchEnabled`` are our own attributes, written on export so a backup restores them.

Safety: the XML is read with expat directly, and any entity declaration, external entity or
external DTD makes the document unreadable: an OPML list never needs them, and refusing them is
what keeps entity-expansion bombs and external-entity reads (files, URLs) out, the same policy as
defusedxml's default. Size and outline count are capped.

Writing: one folder per tag (sorted), holding the feeds with that tag; untagged feeds at the top.
A feed with two tags appears in two folders, and its ``category`` lists all its tags in order, so
reading the export back gives the same feeds, titles, tags, intervals and enabled flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime
from typing import Any, NoReturn
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from newswatch_ingest.feedfields import MAX_TAG_CHARS, MAX_TAGS, check_interval, clean_tags
from newswatch_ingest.urls import canonical_url
from newswatch_shared.errors import SchemaError

__all__ = [
    "MAX_OPML_BYTES",
    "MAX_OUTLINES",
    "OpmlDocument",
    "OpmlError",
    "ListedFeed",
    "OpmlProblem",
    "build_opml",
    "parse_opml",
]

MAX_OPML_BYTES = 5 * 1024 * 1024
MAX_OUTLINES = 50_000
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class OpmlError(SchemaError):
    """The document cannot be read as OPML at all (one sentence, shown to the person importing)."""


@dataclass(frozen=True)
class ListedFeed:
    """A feed as a list names it (an OPML outline, a line of the feeds file): what to register."""

    url: str
    title: str = ""
    tags: tuple[str, ...] = ()
    interval_s: float | None = None
    enabled: bool | None = None


@dataclass(frozen=True)
class OpmlProblem:
    """An outline that names a feed we cannot register, and why."""

    url: str
    title: str
    reason: str


@dataclass(frozen=True)
class OpmlDocument:
    title: str
    feeds: tuple[ListedFeed, ...]
    problems: tuple[OpmlProblem, ...]


class _Refused(Exception):
    pass


def _refuse(what: str) -> NoReturn:
    raise _Refused(f"The document declares {what}, which an OPML list never needs; it is not read.")


@dataclass
class _Reader:
    stack: list[str] = field(default_factory=list)
    folders: list[str | None] = field(default_factory=list)
    outlines: int = 0
    title_parts: list[str] = field(default_factory=list)
    has_body: bool = False
    feeds: dict[str, ListedFeed] = field(default_factory=dict)
    problems: list[OpmlProblem] = field(default_factory=list)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if not self.stack and name != "opml":
            hint = " It looks like a feed: add it as a feed instead." if name in ("rss", "feed") else ""
            raise _Refused(f"The document is not OPML: its root element is <{name}>.{hint}")
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(name)
        if name == "body" and parent == "opml":
            self.has_body = True
        if name != "outline" or "body" not in self.stack:
            if name == "outline":
                self.folders.append(None)
            return
        self.outlines += 1
        if self.outlines > MAX_OUTLINES:
            raise _Refused(f"The document has more than {MAX_OUTLINES:,} outlines.")
        self.folders.append(self._outline({k.lower(): v for k, v in attrs.items()}))

    def end(self, name: str) -> None:
        self.stack.pop()
        if name == "outline":
            self.folders.pop()

    def text(self, data: str) -> None:
        if self.stack[-2:] == ["head", "title"]:
            self.title_parts.append(data)

    def _outline(self, attrs: dict[str, str]) -> str | None:
        """Record the outline; returns its folder label when it is a folder."""
        label = " ".join((attrs.get("title") or attrs.get("text") or "").split())
        raw_url = (attrs.get("xmlurl") or "").strip()
        if not raw_url:
            if attrs.get("type", "").lower() in ("rss", "atom"):
                self.problems.append(OpmlProblem("", label, "The outline is a feed without an xmlUrl."))
            return label or None
        try:
            url = canonical_url(raw_url)
        except ValueError:
            self.problems.append(OpmlProblem(raw_url, label, f"{raw_url[:200]!r} is not an http(s) URL."))
            return None
        interval: float | None = None
        if attrs.get("newswatchinterval"):
            try:
                interval = check_interval(_number(attrs["newswatchinterval"]))
            except ValueError as e:
                self.problems.append(OpmlProblem(url, label, str(e)))
                return None
        enabled = {"true": True, "1": True, "false": False, "0": False}.get(
            attrs.get("newswatchenabled", "").strip().lower()
        )
        folders = [part for f in self.folders if f for part in f.split(",")]
        tags = _tags([*_categories(attrs.get("category", "")), *folders])
        known = self.feeds.get(url)
        if known is None:
            self.feeds[url] = ListedFeed(url, "" if label == raw_url else label, tags, interval, enabled)
        else:
            self.feeds[url] = replace(known, tags=_tags([*known.tags, *tags]))
        return None


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"newswatchInterval {value[:40]!r} is not a number of seconds.") from None


def _categories(value: str) -> list[str]:
    return [part.strip().strip("/").strip() for part in value.split(",")]


def _tags(values: Iterable[str]) -> tuple[str, ...]:
    # Folder names are not ours to refuse: shorten long ones and keep the first MAX_TAGS.
    return clean_tags([v[:MAX_TAG_CHARS] for v in dict.fromkeys(v for v in values if v)][:MAX_TAGS])


def parse_opml(body: bytes) -> OpmlDocument:
    """The feeds an OPML document lists, and the outlines that could not be used.

    Raises :class:`OpmlError` when the document is not OPML we will read: too large, not
    well-formed XML, another root element, entity declarations, or no ``<body>``.
    """
    if len(body) > MAX_OPML_BYTES:
        raise OpmlError(f"The document is larger than the {MAX_OPML_BYTES:,}-byte limit for OPML.")
    body = body.lstrip()  # expat refuses an XML declaration after a blank line
    if not body:
        raise OpmlError("The document is empty.")
    reader = _Reader()
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text

    def no_entities(*_: Any) -> NoReturn:
        _refuse("entities")

    def no_external(*_: Any) -> NoReturn:
        _refuse("an external entity")

    parser.EntityDeclHandler = no_entities
    parser.UnparsedEntityDeclHandler = no_entities
    parser.ExternalEntityRefHandler = no_external
    try:
        parser.Parse(body, True)
    except _Refused as e:
        raise OpmlError(str(e)) from None
    except expat.ExpatError as e:
        problem = expat.ErrorString(e.code) or "malformed"
        raise OpmlError(
            f"The document is not well-formed XML: {problem} (line {e.lineno}, column {e.offset + 1})."
        ) from None
    if not reader.has_body:
        raise OpmlError("The OPML document has no <body>.")
    return OpmlDocument(
        title=" ".join("".join(reader.title_parts).split()),
        feeds=tuple(reader.feeds.values()),
        problems=tuple(reader.problems),
    )


def _attr(value: str) -> str:
    return quoteattr(_NOT_XML_CHARS.sub("", value))


def _outline(feed: ListedFeed, indent: str) -> str:
    label = feed.title or feed.url
    parts = [f'type="rss" text={_attr(label)}']
    if feed.title:
        parts.append(f"title={_attr(feed.title)}")
    parts.append(f"xmlUrl={_attr(feed.url)}")
    if feed.tags:
        parts.append(f"category={_attr(','.join(feed.tags))}")
    if feed.interval_s is not None:
        parts.append(f'newswatchInterval="{feed.interval_s:g}"')
    if feed.enabled is False:
        parts.append('newswatchEnabled="false"')
    return f"{indent}<outline {' '.join(parts)}/>"


def build_opml(feeds: Iterable[ListedFeed], *, title: str, now: datetime) -> bytes:
    """An OPML 2.0 document of the feeds, one folder per tag (see the module docstring)."""
    listed = sorted(feeds, key=lambda f: (f.title.lower(), f.url))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(_NOT_XML_CHARS.sub('', title))}</title>",
        f"    <dateCreated>{format_datetime(now, usegmt=True)}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    for tag in sorted({t for f in listed for t in f.tags}, key=lambda t: (t.lower(), t)):
        lines.append(f"    <outline text={_attr(tag)} title={_attr(tag)}>")
        lines += [_outline(f, "      ") for f in listed if tag in f.tags]
        lines.append("    </outline>")
    lines += [_outline(f, "    ") for f in listed if not f.tags]
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")
