"""The live feed API as one router: ``/articles`` (list, stream, one article), ``/stories``, ``/trends``."""

from __future__ import annotations

from fastapi import APIRouter

from newswatch_alert.live.articles_api import articles_router
from newswatch_alert.live.stories_api import stories_router
from newswatch_alert.live.trends_api import trends_router

__all__ = ["live_router"]


def live_router() -> APIRouter:
    router = APIRouter()
    router.include_router(articles_router())
    router.include_router(stories_router())
    router.include_router(trends_router())
    return router
