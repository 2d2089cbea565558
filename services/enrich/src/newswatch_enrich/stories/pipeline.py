"""Stories in the enrich service: each enriched article gets its story before it is published.

Runs after tagging, so a story's peak score is known; in batch order, so copies within one batch
group as they would one by one. Redis briefly away, or other replicas winning every attempt, is a
:class:`RetryableError`: the consume loop retries the batch, and the members already committed
answer the same on the retry (idempotent by article id).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from newswatch_enrich.stories.assign import StoryAssigner, TooManyConflicts
from newswatch_enrich.stories.records import StoryItem
from newswatch_shared.errors import RetryableError
from newswatch_shared.redis_client import TRANSIENT_REDIS_ERRORS
from newswatch_shared.schemas import EnrichedArticle, RawArticle

__all__ = ["assign_stories", "source_name", "story_item"]


def source_name(article: RawArticle) -> str:
    """Who published it, as readers know outlets (alert's ``source_of`` names them the same way): the
    feed's title, else the host of the feed or of the article, else the feed id."""
    if article.feed_title.strip():
        return article.feed_title.strip()
    for url in (article.feed_url, article.url):
        host = urlsplit(url).hostname if url else None
        if host:
            return host.removeprefix("www.")
    return article.feed_id


def story_item(enriched: EnrichedArticle) -> StoryItem:
    a = enriched.article
    text = "\n\n".join(part for part in (a.summary, a.content) if part)
    return StoryItem(a.id, source_name(a), a.title, text, a.published_at, enriched.score, a.url)


async def assign_stories(assigner: StoryAssigner, batch: Sequence[EnrichedArticle]) -> list[EnrichedArticle]:
    out: list[EnrichedArticle] = []
    for enriched in batch:
        try:
            got = await assigner.assign(story_item(enriched))
        except TRANSIENT_REDIS_ERRORS as e:
            raise RetryableError(f"redis unavailable for stories: {e}") from e
        except TooManyConflicts as e:
            raise RetryableError(str(e)) from e
        out.append(
            enriched.model_copy(
                update={
                    "story_id": got.story_id,
                    "story_sources": list(got.sources),
                    "story_first_seen": got.first_seen,
                    "is_first": got.is_first,
                }
            )
        )
    return out
