"""Which article a feed item is (its id), and the address shown for it (its ``url``).

The rules, first match wins:

1. **A link** that is an http(s) URL once canonicalised: id ``stable_id("url", url)``. Not scoped to
   the feed, on purpose: the same story in two feeds, or with other tracking parameters, is one
   article (docs/architecture.md).
2. **A GUID that is an absolute http(s) URL** (WordPress's ``?p=123``, Atom ids that are permalinks):
   it is the article's address as far as anyone can tell, so it is treated exactly as a link.
3. **Any other GUID**, as the feed wrote it: id ``stable_id("guid", feed id, guid)``. Scoped to the
   feed, because GUIDs such as ``1`` or ``post-42`` are unique only within their feed.
4. **The item's title and text** (plain, after normalisation, so a change of layout or whitespace
   is not a new item): id ``stable_id("text", feed id, title, summary, content)``, scoped to the
   feed. This is miniflux's last resort too; its price is that an edited item is a new article.
   The date is left out: feeds that stamp every item with the time of the request would otherwise
   publish everything again on every poll.
5. Nothing at all (no link, GUID, title or text): there is nothing to publish (:class:`EntryError`).

The feed id is the registry's (``stable_id`` of the URL first registered), which survives moves, so
ids 3 and 4 stay the same across polls, redirects and restarts.

For 3 and 4 the ``url`` is the feed's site link (RSS ``<channel><link>``, Atom's alternate link, JSON
Feed ``home_page_url``) when it is http(s) — something to click that leads to the item — else empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from newswatch_ingest.errors import EntryError
from newswatch_ingest.urls import canonical_url
from newswatch_shared.ids import stable_id

__all__ = ["Identity", "canonical_link", "identify"]

_HTTP = ("http://", "https://")


@dataclass(frozen=True)
class Identity:
    id: str
    url: str


def canonical_link(link: str | None, base: str | None = None) -> str:
    """The canonical http(s) URL of ``link``, or "" for anything else (mailto:, a tag: URI, a bare word)."""
    if not link:
        return ""
    try:
        return canonical_url(link, base)
    except ValueError:
        return ""


def identify(
    *, link: str | None, guid: str | None, text: tuple[str, ...], feed_id: str, base: str, site_url: str
) -> Identity:
    """The item's id and address; ``text`` is its plain title, summary and content."""
    url = canonical_link(link, base)
    if url:
        return Identity(stable_id("url", url), url)
    if guid:
        as_url = canonical_link(guid) if guid.strip().lower().startswith(_HTTP) else ""
        if as_url:
            return Identity(stable_id("url", as_url), as_url)
        return Identity(stable_id("guid", feed_id, guid), site_url)
    if any(text):
        return Identity(stable_id("text", feed_id, *text), site_url)
    raise EntryError("The entry has no link, GUID, title or text, so there is nothing to publish.")
