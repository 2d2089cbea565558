"""``GET /stories`` and ``GET /stories/{id}``: the live feed read as stories (public, like articles).

A story is every outlet's copy of one report (``live.stories`` says how they are kept and collapsed);
the filters are those of ``GET /articles``, and a story passes them when one of its copies does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from newswatch_alert.common.openapi import errors, example
from newswatch_alert.live.articles_api import ARTICLE_EXAMPLE, FilterDep, LiveDep, read_cursor
from newswatch_alert.live.models import StoryDetail, StoryPage, StoryView, feed_item
from newswatch_alert.live.stories import StoryFacts
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["stories_router"]

_NOT_FOUND = "story not found"
_STORY_EXAMPLE: dict[str, Any] = {
    "id": "9d2c4e6f8a0b1c3d",
    "first_seen": "2026-11-27T08:02:00Z",
    "sources": ["Example Wire", "Other Daily", "news.example"],
    "source_count": 3,
    "copies": 3,
}


def _view(article: EnrichedArticle, facts: dict[str, StoryFacts]) -> dict[str, Any]:
    found = facts.get(article.story) or StoryFacts(None, [], 1)
    item = feed_item(article, facts)
    first = datetime.fromtimestamp(found.first_seen_ms / 1000, UTC) if found.first_seen_ms else None
    return {
        "id": article.story,
        "first_seen": first,
        "sources": item.story_sources,
        "source_count": len(item.story_sources),
        "copies": found.copies,
        "article": item,
    }


def stories_router() -> APIRouter:
    router = APIRouter(tags=["articles"])

    @router.get(
        "/stories",
        summary="Newest stories: each report once, with its sources and copies (public)",
        description="The filters of GET /articles; a story passes when one of its copies does, and is "
        "listed at that copy (its newest passing one), newest first. Pass `next_cursor` back as `cursor`.",
        responses={
            **errors(),
            **example({"stories": [{**_STORY_EXAMPLE, "article": ARTICLE_EXAMPLE}], "next_cursor": None}),
        },
    )
    async def list_stories(
        live: LiveDep,
        flt: FilterDep,
        limit: Annotated[int, Query(ge=1, le=200, description="Most stories in the page.")] = 20,
        cursor: Annotated[
            str | None, Query(max_length=400, description="`next_cursor` of the previous page.")
        ] = None,
    ) -> StoryPage:
        after = read_cursor(live, cursor)
        rows, end = await live.stories.collapsed(flt, after, limit, live.config.text_scan_limit)
        facts = await live.stories.facts([a.story for a in rows])
        return StoryPage(
            stories=[StoryView.model_validate(_view(a, facts)) for a in rows],
            next_cursor=end.encode(live.config.cursor_key) if end else None,
        )

    @router.get(
        "/stories/{story_id}",
        summary="One story with its copies, newest first (public)",
        description="An article id that was never grouped is a story of its own: the article alone.",
        responses={
            **errors(404, e404=_NOT_FOUND),
            **example({**_STORY_EXAMPLE, "article": ARTICLE_EXAMPLE, "articles": [ARTICLE_EXAMPLE]}),
        },
    )
    async def get_story(story_id: str, live: LiveDep) -> StoryDetail:
        copies = await live.stories.copies(story_id)
        if not copies:
            raise HTTPException(status.HTTP_404_NOT_FOUND, _NOT_FOUND)
        facts = await live.stories.facts([story_id])
        return StoryDetail.model_validate(
            {**_view(copies[0], facts), "articles": [feed_item(a, facts) for a in copies]}
        )

    return router
