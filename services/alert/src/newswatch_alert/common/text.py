"""Text normalisation shared by watchlist validation, matching, the live feed and its index.

Terms are compared as sequences of case-folded words (runs of letters and digits): punctuation and
spacing never decide a match, and a term matches only whole words. An article's language and source
are read the same way by the matcher and the live feed's filters, so they are defined here once.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newswatch_shared.schemas import RawArticle

__all__ = ["norm", "primary_language", "sentences", "source_of", "words"]

_WORD = re.compile(r"\w+")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")


def words(text: str) -> tuple[str, ...]:
    """``"Nord-Stream 2's"`` → ``("nord", "stream", "2", "s")``."""
    return tuple(w.casefold() for w in _WORD.findall(text))


def norm(text: str) -> str:
    """The words of ``text`` joined by single spaces: the key terms are indexed and compared by."""
    return " ".join(words(text))


def sentences(text: str) -> list[str]:
    """A rough split on sentence punctuation and line breaks; good enough to quote context."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if s.strip()]


def primary_language(tag: str | None) -> str | None:
    """``"en-GB"`` → ``"en"``; None or blank → None."""
    if not tag or not tag.strip():
        return None
    return re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0] or None


def source_of(article: RawArticle) -> str:
    """The name a reader knows the source by: the feed's title, else the host it came from."""
    if article.feed_title:
        return article.feed_title
    for url in (article.feed_url, article.url):
        host = urlsplit(url).hostname if url else None
        if host:
            return host.removeprefix("www.")
    return ""
