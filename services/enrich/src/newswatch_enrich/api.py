"""The enrich HTTP API: ``POST /tag`` runs a text through the same code path as consumed articles."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from newswatch_enrich.enricher import Enricher, TagResult
from newswatch_enrich.metrics import TAG_REQUESTS

__all__ = ["TagRequest", "tag_router"]


class TagRequest(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "Kyiv says more soldiers have gathered near its border as NATO weighs sanctions.",
                    "language": "en",
                }
            ]
        },
    )

    text: str = Field(min_length=1, description="The text to analyse (e.g. a headline and its summary).")
    language: str | None = Field(
        default=None,
        max_length=35,
        description="BCP 47 tag such as 'en' or 'de'. Omitted: English. Not English: no analysis, score 0.",
    )


def tag_router(enricher: Callable[[], Enricher], max_chars: int) -> APIRouter:
    """``enricher`` returns the Enricher the lifespan built (it does not exist before start-up)."""
    router = APIRouter(tags=["enrichment"])

    @router.post(
        "/tag",
        summary="Entities, escalation matches and score of a text",
        description=(
            "Runs the text through the pipeline that enriches articles: named entities (canonical name, "
            "label, ISO country), escalation terms from the taxonomy (with character offsets, sentence "
            "and negation) and the escalation score with its per-term contributions."
        ),
        responses={413: {"description": f"Text longer than {max_chars} characters."}},
    )
    async def tag(body: TagRequest) -> TagResult:
        if len(body.text) > max_chars:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE, f"text is longer than {max_chars} characters"
            )
        result = await asyncio.to_thread(enricher().tag, body.text, body.language)
        TAG_REQUESTS.inc()
        return result

    return router
