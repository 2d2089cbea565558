"""A parsed entry → :class:`RawArticle`, the shape every later stage relies on.

Rules:

- id and url: :mod:`identity` — the canonical link, else a GUID that is a URL (both global, so the
  same story in two feeds is one article), else the GUID or the title and text, scoped to the feed;
  an item without a link shows the feed's site link. An entry with nothing at all is refused
  (:class:`EntryError`).
- text: title, summary and content become plain text; a missing title is taken from the start of
  the summary or content, since every article needs something to show.
- date: the entry's published (else updated) time in UTC. A missing date, or one more than
  ``FUTURE_SKEW`` ahead of the fetch (a wrong clock or a placeholder), is replaced by the fetch time
  and flagged ``published_inferred``.
- language: the entry's declared language (Atom ``xml:lang``, a JSON Feed item's ``language``), else
  the feed's, else detected from the article's text (:mod:`language`), else None.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from newswatch_ingest.errors import EntryError
from newswatch_ingest.identity import canonical_link, identify
from newswatch_ingest.language import detect_language
from newswatch_ingest.parsed import ParsedEntry, ParsedFeed, TextPart
from newswatch_ingest.text import html_to_text, normalize_whitespace, one_line
from newswatch_shared.schemas import RawArticle

__all__ = ["FUTURE_SKEW", "FeedContext", "entry_id", "feed_context", "normalize_entries", "normalize_entry"]

#: How far ahead of our clock a publication date may be before we stop believing it.
FUTURE_SKEW = timedelta(minutes=5)
_TITLE_FROM_TEXT_CHARS = 120


@dataclass(frozen=True)
class FeedContext:
    """What an article carries about the feed it came from."""

    id: str
    url: str
    title: str = ""
    language: str | None = None
    #: The feed's own site (canonical http(s) URL, or ""): what an item without a link points to.
    site_url: str = ""


def _plain(part: TextPart) -> str:
    return html_to_text(part.value) if part.html else normalize_whitespace(part.value)


def _shorten(text: str, limit: int) -> str:
    text = one_line(text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:.-") + "…"


def _published(entry: ParsedEntry, fetched_at: datetime) -> tuple[datetime, bool]:
    when = entry.published or entry.updated
    if when is None or when > fetched_at + FUTURE_SKEW:
        return fetched_at, True
    return when, False


def normalize_entry(entry: ParsedEntry, feed: FeedContext, fetched_at: datetime) -> RawArticle:
    summary = _plain(entry.summary)
    content = _plain(entry.content)
    own_title = one_line(_plain(entry.title))
    ident = identify(
        link=entry.link,
        guid=entry.guid,
        text=(own_title, summary, content),
        feed_id=feed.id,
        base=feed.url,
        site_url=feed.site_url,
    )
    title = own_title or _shorten(summary or content, _TITLE_FROM_TEXT_CHARS)
    published_at, inferred = _published(entry, fetched_at)
    declared = entry.language or feed.language
    language = declared or detect_language(f"{title}\n{summary}\n{content}")
    return RawArticle(
        id=ident.id,
        url=ident.url,
        title=title,
        summary=summary,
        content=content if content != summary else "",
        authors=list(entry.authors),
        published_at=published_at,
        published_inferred=inferred,
        language=language,
        language_detected=declared is None and language is not None,
        feed_id=feed.id,
        feed_title=feed.title,
        feed_url=feed.url,
        guid=entry.guid,
        fetched_at=fetched_at,
    )


def entry_id(entry: ParsedEntry, feed: FeedContext) -> str | None:
    """The id :func:`normalize_entry` gives the entry (None: it would be refused), without the costly
    part — plain text and language detection — unless the id is the text's hash. A feed shows mostly
    items already published; a poll asks which ids are new first and normalises only those (in the
    end-to-end benchmark normalising every entry of every poll was a third of ingest's CPU)."""
    needs_text = not canonical_link(entry.link, feed.url) and not entry.guid
    text = (one_line(_plain(entry.title)), _plain(entry.summary), _plain(entry.content)) if needs_text else ()
    try:
        ident = identify(
            link=entry.link,
            guid=entry.guid,
            text=text,
            feed_id=feed.id,
            base=feed.url,
            site_url=feed.site_url,
        )
    except EntryError:
        return None
    return ident.id


def normalize_entries(
    entries: Iterable[ParsedEntry], feed: FeedContext, fetched_at: datetime, skip: Collection[str] = ()
) -> tuple[list[RawArticle], list[str]]:
    """Articles in feed order, one per id, and a sentence for each entry that was skipped; entries
    whose id is in ``skip`` (already published) are passed over without being normalised."""
    articles: dict[str, RawArticle] = {}
    skipped: list[str] = []
    for position, entry in enumerate(entries, start=1):
        if skip and entry_id(entry, feed) in skip:
            continue
        try:
            article = normalize_entry(entry, feed, fetched_at)
        except EntryError as e:
            skipped.append(f"Entry {position} skipped: {e}")
            continue
        articles.setdefault(article.id, article)
    return list(articles.values()), skipped


def feed_context(feed_id: str, feed_url: str, title: str, parsed: ParsedFeed) -> FeedContext:
    """The context for a feed's articles: our stored title wins over the document's."""
    return FeedContext(
        id=feed_id,
        url=feed_url,
        title=title or parsed.title,
        language=parsed.language,
        site_url=canonical_link(parsed.link),
    )
