"""The article ``POST /watchlists/test`` tries a watchlist on: a stored one, or a text, analysed by the
enrich service's ``POST /tag`` when the alert service knows where it is (words only otherwise).

Apart from the route so each stays small; an enrich failure is a 502 naming what went wrong, never a
500, since the caller can do nothing but try again.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
from fastapi import HTTPException, status
from pydantic import ValidationError
from redis.asyncio import Redis

from newswatch_alert.common import keys
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import EnrichedArticle, RawArticle, utcnow

__all__ = ["stored_article", "text_article"]


async def stored_article(article_id: str, redis: Redis) -> EnrichedArticle:
    raw = await redis.get(keys.article(article_id))
    if raw is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "article not found")
    try:
        return EnrichedArticle.model_validate_json(raw)
    except ValidationError as e:  # stored by an incompatible version
        raise HTTPException(status.HTTP_404_NOT_FOUND, "article not found") from e


async def _tag(enrich_url: str, text: str, language: str | None) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(
                enrich_url.rstrip("/") + "/tag", json={"text": text, "language": language}
            )
    except httpx.HTTPError as e:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"enrich service unreachable: {type(e).__name__}"
        ) from e
    if response.status_code != 200:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"enrich service answered HTTP {response.status_code}"
        )
    tagged: dict[str, Any] = response.json()
    return tagged


async def text_article(
    text: str, language: str | None, enrich_url: str | None
) -> tuple[EnrichedArticle, Literal["enrich", "words"]]:
    now = utcnow()
    raw = RawArticle(
        id=stable_id("test", text),
        url="",
        title="",
        content=text,
        published_at=now,
        language=language,
        feed_id="test",
        fetched_at=now,
    )
    if enrich_url is None:
        return EnrichedArticle(article=raw, language=language, enriched_at=now), "words"
    tagged = await _tag(enrich_url, text, language)
    try:
        enriched = EnrichedArticle.model_validate(
            {
                "article": raw,
                "language": language,
                "entities": tagged.get("entities", []),
                "escalation": tagged.get("escalation", []),
                "score": tagged.get("score", 0.0),
                "contributions": tagged.get("contributions", []),
                "enriched_at": now,
            }
        )
    except ValidationError as e:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "enrich service answered an unexpected body") from e
    return enriched, "enrich"
