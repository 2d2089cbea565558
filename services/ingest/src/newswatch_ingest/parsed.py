"""The strict shape every feed format is read into: what parse.py and jsonfeed.py return.

Kept apart from the parsers so each format's adapter can build it without importing another
parser, and so later stages depend on this model, never on feedparser's or JSON Feed's shapes.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ParsedEntry", "ParsedFeed", "TextPart"]


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
    language: str | None = Field(
        default=None, description="The entry's own declared language (Atom xml:lang, JSON Feed item)."
    )


class ParsedFeed(_Frozen):
    format: str = Field(description="Format key, e.g. 'rss20', 'atom10', 'rss10', 'json11'.")
    title: str = ""
    link: str | None = None
    language: str | None = None
    entries: tuple[ParsedEntry, ...] = ()
    warnings: tuple[str, ...] = ()
    hubs: tuple[str, ...] = Field(
        default=(), description="WebSub hubs the document names (rel=hub), absolute."
    )
    self_url: str | None = Field(
        default=None, description="The document's own URL (rel=self): the WebSub topic."
    )
