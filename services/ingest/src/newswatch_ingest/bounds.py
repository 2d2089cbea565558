"""Every article within a size that the whole pipeline can carry.

A feed item can be any size: a full book in ``content:encoded``, a title pasted a thousand times, an
endless author list. Kafka refuses messages over its limit, and a refused message must never stall
a feed (or, downstream, a consumer). So before publishing, the text is cut to ``max_chars`` —
enrich reads only its first 100,000 characters anyway (``NEWSWATCH_ENRICH_MAX_CHARS``) — and the
article says so (``truncated``). The budget goes to the title first (up to :data:`MAX_TITLE_CHARS`),
then the summary, then the content; authors are capped too. What is cut is cut at a word boundary
where one is near, with an ellipsis, so a reader sees that it was.

Pure: takes and returns models.
"""

from __future__ import annotations

from newswatch_shared.schemas import RawArticle

__all__ = ["MAX_AUTHORS", "MAX_AUTHOR_CHARS", "MAX_TITLE_CHARS", "bounded", "cut"]

MAX_TITLE_CHARS = 1_000
MAX_AUTHORS = 50
MAX_AUTHOR_CHARS = 200
_ELLIPSIS = "…"
_WORD_BOUNDARY_WINDOW = 200


def cut(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start ending in an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    head = text[: limit - 1]
    space = head.rfind(" ", max(0, len(head) - _WORD_BOUNDARY_WINDOW))
    if space > 0:
        head = head[:space]
    return head.rstrip() + _ELLIPSIS


def bounded(article: RawArticle, max_chars: int) -> RawArticle:
    """The article with title + summary + content within ``max_chars`` (and ``truncated`` set if cut)."""
    title = cut(article.title, min(MAX_TITLE_CHARS, max_chars))
    summary = cut(article.summary, max_chars - len(title))
    content = cut(article.content, max_chars - len(title) - len(summary))
    authors = [cut(a, MAX_AUTHOR_CHARS) for a in article.authors[:MAX_AUTHORS]]
    changed = (title, summary, content, authors) != (
        article.title,
        article.summary,
        article.content,
        article.authors,
    )
    if not changed:
        return article
    return article.model_copy(
        update={"title": title, "summary": summary, "content": content, "authors": authors, "truncated": True}
    )
