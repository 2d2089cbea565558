"""GET /concepts: the concept scheme watchlists are checked against, so clients can offer its names.

Public, like the articles and trends: it is reference data (the taxonomy enrich tags with, whose names
every public article already shows), it holds nothing of any user, and a form can complete ``term:``
and keywords from it before the user has a key. It changes only when the service restarts with another
taxonomy, so clients may cache it for a few minutes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from newswatch_alert.common.openapi import example
from newswatch_alert.common.parts import part
from newswatch_shared.concepts import ConceptScheme

__all__ = ["CategoryOut", "ConceptOut", "ConceptsOut", "concepts_out", "concepts_router"]

CACHE_CONTROL = "public, max-age=300"


class CategoryOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(description="What `category:` takes.")
    description: str


class ConceptOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(description="The preferred label: what `term:` and keywords store.")
    category: str
    variants: list[str] = Field(description="Other labels; a watchlist naming one stores the concept.")
    broader: list[str] = Field(description="The concepts this one is a kind of, nearest first.")
    narrower: list[str] = Field(
        description="The concepts directly narrower than this one; a watchlist on it hears of them all, "
        "at any depth."
    )
    top: bool = Field(description="Whether it has no broader concept.")
    description: str = ""


class ConceptsOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str = Field(description="The taxonomy's version.")
    categories: list[CategoryOut]
    concepts: list[ConceptOut] = Field(description="In the taxonomy's order.")


def concepts_out(scheme: ConceptScheme) -> ConceptsOut:
    narrower: dict[str, list[str]] = {name: [] for name in scheme.concepts}
    for concept in scheme.concepts.values():
        for broader in concept.broader:
            narrower[broader].append(concept.name)
    return ConceptsOut(
        version=scheme.version,
        categories=[CategoryOut(name=n, description=d) for n, d in scheme.categories.items()],
        concepts=[
            ConceptOut(
                name=c.name,
                category=c.category,
                variants=list(c.variants),
                broader=list(c.broader),
                narrower=narrower[c.name],
                top=not c.broader,
                description=c.description,
            )
            for c in scheme.concepts.values()
        ],
    )


_EXAMPLE = {
    "version": "2025.2",
    "categories": [{"name": "economic", "description": "Sanctions, embargoes and other economic pressure."}],
    "concepts": [
        {
            "name": "sanctions",
            "category": "economic",
            "variants": ["sanction", "punitive measures"],
            "broader": [],
            "narrower": ["asset freeze", "embargo"],
            "top": True,
            "description": "",
        },
        {
            "name": "asset freeze",
            "category": "economic",
            "variants": ["frozen assets", "freeze assets"],
            "broader": ["sanctions"],
            "narrower": [],
            "top": False,
            "description": "",
        },
    ],
}


def concepts_router() -> APIRouter:
    router = APIRouter(tags=["concepts"])

    @router.get(
        "/concepts",
        summary="The escalation concept scheme: categories, concepts, their variants and hierarchy",
        description=(
            "What `term:`, `category:` and keywords of a watchlist may name. A watchlist on a concept "
            "matches it and everything narrower. Public (no credential); cacheable for five minutes."
        ),
        responses=example(ConceptsOut.model_validate(_EXAMPLE).model_dump(mode="json")),
    )
    async def list_concepts(
        scheme: Annotated[ConceptScheme, Depends(part(ConceptScheme))], response: Response
    ) -> ConceptsOut:
        response.headers["Cache-Control"] = CACHE_CONTROL
        return concepts_out(scheme)

    return router
