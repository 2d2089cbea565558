"""POST /watchlists/test: run a watchlist — saved or not — against a text or a stored article, and say
clause by clause why it matches or not, before it ever alerts anyone.

The watchlist is either a body (``watchlist``, validated like POST /watchlists, never saved) or one of
the caller's (``watchlist_id``; another user's is a 404). The article is either a stored one
(``article_id``: exactly what the matcher saw) or a ``text``. The alert service has no NLP of its own,
so a text is sent to the enrich service's ``POST /tag`` when ``NEWSWATCH_ALERT_ENRICH_URL`` is set —
the same entities, terms and score an article would get — and is otherwise matched on its words only,
which the response says (``analysis: "words"``) together with the clauses that cannot hold without
enrichment. The answer is what the matcher would decide (:func:`newswatch_alert.watchlists.match.is_match`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from redis.asyncio import Redis

from newswatch_alert.common.openapi import ErrorOut, errors, example
from newswatch_alert.common.parts import part
from newswatch_alert.users.auth import current_user
from newswatch_alert.watchlists.api import checked_concepts
from newswatch_alert.watchlists.explain import explain
from newswatch_alert.watchlists.match import compile_watchlist, condition_holds, filter_failures, is_match
from newswatch_alert.watchlists.models import Watchlist, WatchlistIn
from newswatch_alert.watchlists.prepared import PreparedArticle
from newswatch_alert.watchlists.query import QueryError, leaves
from newswatch_alert.watchlists.store import WatchlistStore
from newswatch_alert.watchlists.tried import stored_article, text_article
from newswatch_shared.concepts import ConceptScheme
from newswatch_shared.schemas import ClauseResult, utcnow

__all__ = ["WatchlistTestIn", "WatchlistTestOut", "watchlist_test_router"]

MAX_TEXT_CHARS = 100_000
_NEEDS_ENRICHMENT = ("entity", "country", "term", "category")


class WatchlistTestIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "watchlist": {
                        "name": "try",
                        "query": 'country:UA AND term:troops NOT source:"Example Wire"',
                    },
                    "text": "Kyiv says more soldiers have gathered near the border.",
                },
                {"watchlist_id": "0a4e6f1c2b3d5e7f", "article_id": "e3b0c44298fc1c149afbf4c8"},
            ]
        },
    )

    watchlist: WatchlistIn | None = Field(default=None, description="An unsaved watchlist to try.")
    watchlist_id: str | None = Field(
        default=None, max_length=64, description="One of the caller's watchlists."
    )
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_CHARS, description="Any text.")
    language: str | None = Field(default=None, max_length=35, description="The text's language (BCP 47).")
    article_id: str | None = Field(default=None, max_length=64, description="A stored article's id.")

    @model_validator(mode="after")
    def _one_of_each(self) -> WatchlistTestIn:
        if (self.watchlist is None) == (self.watchlist_id is None):
            raise ValueError("give exactly one of watchlist and watchlist_id")
        if (self.text is None) == (self.article_id is None):
            raise ValueError("give exactly one of text and article_id")
        return self


class TestedArticle(BaseModel):
    id: str
    title: str
    source: str
    language: str | None
    score: float
    entities: list[str] = Field(description="Canonical names of every entity of the article.")
    terms: list[str] = Field(description="Every escalation term of the article.")


class WatchlistTestOut(BaseModel):
    matches: bool = Field(description="Whether the matcher would alert on this article now.")
    condition_matched: bool = Field(description="Whether entities, keywords and query hold (filters aside).")
    clauses: list[ClauseResult]
    entities: list[str] = Field(description="Entities behind the clauses that held.")
    terms: list[str] = Field(description="Escalation terms behind the clauses that held.")
    sentences: list[str]
    reasons: list[str] = Field(description="Why it matches, one line per clause that held.")
    reasons_not: list[str] = Field(description="Why not: failed clauses, disabled, min_score, language.")
    analysis: Literal["article", "enrich", "words"] = Field(
        description="article: a stored article; enrich: the text went through enrich; words: words only."
    )
    notes: list[str] = Field(default_factory=list)
    article: TestedArticle


Watchlists = Annotated[WatchlistStore, Depends(part(WatchlistStore))]
RedisDep = Annotated[Redis, Depends(part(Redis))]
UserId = Annotated[str, Depends(current_user)]
Scheme = Annotated[ConceptScheme, Depends(part(ConceptScheme))]


async def _watchlist(
    body: WatchlistTestIn, user_id: str, watchlists: WatchlistStore, scheme: ConceptScheme, notes: list[str]
) -> Watchlist:
    if body.watchlist_id is not None:
        stored = await watchlists.get(user_id, body.watchlist_id)
        if stored is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "watchlist not found")
        return stored
    assert body.watchlist is not None
    data = body.watchlist.model_dump(exclude={"channels"})
    checked = checked_concepts(data, scheme, ("body", "watchlist"))  # the rules of POST /watchlists
    data.update(checked.values)
    notes += checked.notes
    return Watchlist.model_validate(
        {**data, "id": "unsaved", "user_id": user_id, "channels": [], "created_at": utcnow()}
    )


def watchlist_test_router(enrich_url: str | None) -> APIRouter:
    router = APIRouter(tags=["watchlists"])

    @router.post(
        "/watchlists/test",
        summary="Try a watchlist on a text or a stored article, and see why it matches or not",
        description=(
            "Give `watchlist` (unsaved) or `watchlist_id`, and `text` or `article_id`. Nothing is "
            "stored and nobody is alerted."
        ),
        responses={
            **errors(401, 404, e404="The watchlist (among the caller's) or the article does not exist."),
            502: {"model": ErrorOut, "description": "The enrich service could not analyse the text."},
            **example(
                {
                    "matches": True,
                    "condition_matched": True,
                    "clauses": [
                        {
                            "clause": "country:UA",
                            "matched": True,
                            "detail": 'matched Kyiv (GPE, "Kyiv")',
                            "entities": ["Kyiv"],
                            "terms": [],
                        },
                        {
                            "clause": "term:troops",
                            "matched": True,
                            "detail": 'matched escalation term troops (military): "soldiers"',
                            "entities": [],
                            "terms": ["troops"],
                        },
                    ],
                    "entities": ["Kyiv"],
                    "terms": ["troops"],
                    "sentences": ["Kyiv says more soldiers have gathered near the border."],
                    "reasons": ['country:UA matched Kyiv (GPE, "Kyiv")'],
                    "reasons_not": [],
                    "analysis": "enrich",
                    "notes": [],
                    "article": {
                        "id": "3f2a9c0d1e4b5a6f7c8d9e0f",
                        "title": "",
                        "source": "",
                        "language": "en",
                        "score": 27.1,
                        "entities": ["Kyiv"],
                        "terms": ["troops"],
                    },
                }
            ),
        },
    )
    async def test_watchlist(
        body: Annotated[WatchlistTestIn, Body()],
        user_id: UserId,
        watchlists: Watchlists,
        redis: RedisDep,
        scheme: Scheme,
    ) -> WatchlistTestOut:
        notes: list[str] = []
        watchlist = await _watchlist(body, user_id, watchlists, scheme, notes)
        analysis: Literal["article", "enrich", "words"]
        if body.article_id is not None:
            enriched, analysis = await stored_article(body.article_id, redis), "article"
        else:
            assert body.text is not None
            enriched, analysis = await text_article(body.text, body.language, enrich_url)
        try:
            compiled = compile_watchlist(watchlist)
        except QueryError as e:  # a stored query the grammar no longer accepts
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(e)) from e
        article = PreparedArticle(enriched, scheme)
        found = explain(compiled.condition, article, compiled.min_score, compiled.languages)
        terms = leaves(compiled.condition) if compiled.condition is not None else []
        condition_matched = condition_holds(compiled, article)
        reasons_not = filter_failures(compiled, article)
        if not condition_matched:
            reasons_not += [
                f"{c.clause}: {c.detail}" for c in found.explanation.clauses[: len(terms)] if not c.matched
            ]
        if analysis == "words":
            blind = sorted({t.field for t, _ in terms} & set(_NEEDS_ENRICHMENT))
            notes.append(
                "the text was matched on its words only (NEWSWATCH_ALERT_ENRICH_URL is not set)"
                + (f"; {', '.join(f + ':' for f in blind)} clauses cannot hold" if blind else "")
            )
        return WatchlistTestOut(
            matches=is_match(compiled, article),
            condition_matched=condition_matched,
            clauses=found.explanation.clauses,
            entities=found.explanation.entities,
            terms=found.explanation.terms,
            sentences=found.explanation.sentences,
            reasons=list(found.reasons),
            reasons_not=reasons_not,
            analysis=analysis,
            notes=notes,
            article=TestedArticle(
                id=enriched.id,
                title=enriched.article.title,
                source=article.source,
                language=article.language,
                score=enriched.score,
                entities=list(dict.fromkeys(e.canonical for e in enriched.entities)),
                terms=list(dict.fromkeys(o.term for o in enriched.escalation)),
            ),
        )

    return router
