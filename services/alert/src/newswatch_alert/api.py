"""The user-facing HTTP API: users (admin), watchlists and alerts (per user), articles (public).

Everything a user owns is scoped to the caller: another user's watchlist answers 404, exactly as a
missing one, so ids reveal nothing. GET /articles needs no key: it lists public news, and a reader
opens it in a browser.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import SecretStr

from newswatch_alert.auth import admin_guard, current_user
from newswatch_alert.match import source_of
from newswatch_alert.models import (
    AlertList,
    ArticleList,
    ArticleView,
    UserCreated,
    UserIn,
    Watchlist,
    WatchlistIn,
    WatchlistList,
)
from newswatch_alert.services import Services, get_services
from newswatch_alert.watchlists import TooManyWatchlists
from newswatch_shared.schemas import EnrichedArticle, utcnow

__all__ = ["api_router", "article_view"]

ServicesDep = Annotated[Services, Depends(get_services)]
UserId = Annotated[str, Depends(current_user)]
Limit = Annotated[int, Query(ge=1, le=200, description="How many, newest first.")]

_NOT_FOUND = "watchlist not found"


def article_view(enriched: EnrichedArticle) -> ArticleView:
    raw = enriched.article
    return ArticleView(
        id=raw.id,
        title=raw.title,
        url=raw.url,
        source=source_of(raw),
        published_at=raw.published_at,
        summary=raw.summary,
        language=enriched.language or raw.language,
        entities=enriched.entities,
        escalation=enriched.escalation,
        score=enriched.score,
        contributions=enriched.contributions,
        enriched_at=enriched.enriched_at,
    )


def api_router(admin_token: SecretStr) -> APIRouter:
    router = APIRouter()

    @router.post(
        "/users",
        status_code=status.HTTP_201_CREATED,
        tags=["users"],
        summary="Create a user and its API key (admin only; the key is shown only here)",
        dependencies=[Depends(admin_guard(admin_token))],
    )
    async def create_user(body: UserIn, services: ServicesDep) -> UserCreated:
        return await services.users.create(body.name, utcnow())

    @router.post(
        "/watchlists",
        status_code=status.HTTP_201_CREATED,
        tags=["watchlists"],
        summary="Create a watchlist; webhook secrets are generated when not given",
        responses={409: {"description": "The user owns the most watchlists allowed."}},
    )
    async def create_watchlist(body: WatchlistIn, user_id: UserId, services: ServicesDep) -> Watchlist:
        try:
            return await services.watchlists.create(user_id, body, utcnow())
        except TooManyWatchlists as e:
            raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from e

    @router.get("/watchlists", tags=["watchlists"], summary="The caller's watchlists, oldest first")
    async def list_watchlists(user_id: UserId, services: ServicesDep) -> WatchlistList:
        return WatchlistList(watchlists=await services.watchlists.list_for(user_id))

    @router.get(
        "/watchlists/{watchlist_id}",
        tags=["watchlists"],
        summary="One of the caller's watchlists",
        responses={404: {"description": _NOT_FOUND}},
    )
    async def get_watchlist(watchlist_id: str, user_id: UserId, services: ServicesDep) -> Watchlist:
        watchlist = await services.watchlists.get(user_id, watchlist_id)
        if watchlist is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, _NOT_FOUND)
        return watchlist

    @router.delete(
        "/watchlists/{watchlist_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["watchlists"],
        summary="Delete one of the caller's watchlists (alerts already made stay)",
        responses={404: {"description": _NOT_FOUND}},
    )
    async def delete_watchlist(watchlist_id: str, user_id: UserId, services: ServicesDep) -> Response:
        if not await services.watchlists.delete(user_id, watchlist_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, _NOT_FOUND)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get(
        "/articles",
        tags=["articles"],
        summary="Newest enriched articles by published time (public: no key needed)",
    )
    async def list_articles(services: ServicesDep, limit: Limit = 20) -> ArticleList:
        return ArticleList(articles=[article_view(a) for a in await services.articles.newest(limit)])

    @router.get(
        "/alerts",
        tags=["alerts"],
        summary="The caller's alerts, newest first, with explanation and delivery status",
    )
    async def list_alerts(user_id: UserId, services: ServicesDep, limit: Limit = 20) -> AlertList:
        return AlertList(alerts=await services.alerts.list_for(user_id, limit))

    return router
