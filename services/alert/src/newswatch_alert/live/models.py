"""Response shapes of the live feed API (articles, stream, trends) and the views built from stored data.

They extend the contract of ``GET /articles`` (``ArticleView``): fields are added,
never removed or renamed. Highlights are offsets into the field they belong to, in characters
(Python ``str`` indices, i.e. code points), end exclusive.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from newswatch_alert.common.text import source_of
from newswatch_alert.live.highlight import Span, highlights
from newswatch_alert.live.stories import StoryFacts
from newswatch_alert.live.trends import Agg, format_duration
from newswatch_shared.schemas import Contribution, EnrichedArticle, Entity, EscalationMatch

__all__ = [
    "ArticleDetail",
    "ArticleView",
    "ArticlePage",
    "FeedArticle",
    "HighlightOut",
    "RisingEntry",
    "RisingNow",
    "StoryDetail",
    "StoryPage",
    "StoryView",
    "TrendBucket",
    "TrendSeries",
    "WindowFigures",
    "detail_of",
    "feed_article",
    "feed_item",
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ArticleView(BaseModel):
    """An enriched article, flattened: the first contract of ``GET /articles``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    title: str
    url: str
    source: str
    published_at: datetime
    summary: str
    language: str | None
    entities: list[Entity]
    escalation: list[EscalationMatch]
    score: float
    contributions: list[Contribution]
    enriched_at: datetime


class HighlightOut(_Out):
    start: int
    end: int
    kind: Literal["term", "entity"]
    label: str = Field(description="The canonical escalation term or entity name.")
    category: str | None = Field(default=None, description="Term category, or the entity label (GPE, ORG…).")
    negated: bool = False
    hedged: bool = False


class FeedArticle(ArticleView):
    """An item of ``GET /articles`` and of the stream: the article view plus where to highlight, and
    its story (the other outlets' copies of the same report)."""

    highlights: dict[str, list[HighlightOut]] = Field(
        default_factory=dict,
        description="Per field (title, summary): escalation terms and entity mentions, by offsets.",
    )
    story_id: str = Field(default="", description="The story: its id, or the article's own when ungrouped.")
    story_sources: list[str] = Field(
        default_factory=list,
        description="Distinct sources carrying the story, in order of appearance (on the stream: as far as "
        "this copy knew).",
    )
    story_copies: int | None = Field(
        default=None, description="Copies of the story stored; null on the stream, which does not look."
    )


class StoryView(_Out):
    """A story of ``GET /stories``: the copies of one report, shown by its newest (filtered) copy."""

    id: str
    first_seen: datetime | None = Field(description="When its first copy came (or was published).")
    sources: list[str] = Field(description="Distinct sources carrying it, in order of appearance.")
    source_count: int
    copies: int = Field(description="Copies stored (each outlet's article).")
    article: FeedArticle = Field(description="Its newest copy passing the filters.")


class StoryPage(_Out):
    stories: list[StoryView]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for older stories; null at the end of the feed."
    )


class StoryDetail(StoryView):
    """One story with its copies, newest first (``article`` is the newest)."""

    articles: list[FeedArticle] = Field(description="Its stored copies, newest first (at most 200).")


class ArticlePage(_Out):
    articles: list[FeedArticle]
    next_cursor: str | None = Field(
        default=None,
        description="Pass as `cursor` for the next (older) page; null at the end of the feed. A page "
        "may hold fewer than `limit` items and still have a cursor when its scan budget ran out.",
    )


class ArticleDetail(FeedArticle):
    """One article with everything enrich found, and the text its offsets refer to."""

    content: str
    authors: list[str]
    text: str = Field(
        description="Title, summary and content as enrich read them: `escalation` offsets index it."
    )
    feed_id: str
    feed_title: str
    feed_url: str
    guid: str | None
    fetched_at: datetime
    published_inferred: bool
    language_detected: bool
    enricher: str


def _spans(spans: list[Span]) -> list[HighlightOut]:
    return [
        HighlightOut(
            start=s.start,
            end=s.end,
            kind="term" if s.kind == "term" else "entity",
            label=s.label,
            category=s.category,
            negated=s.negated,
            hedged=s.hedged,
        )
        for s in spans
    ]


def _view_fields(enriched: EnrichedArticle) -> dict[str, object]:
    raw = enriched.article
    return {
        "id": raw.id,
        "title": raw.title,
        "url": raw.url,
        "source": source_of(raw),
        "published_at": raw.published_at,
        "summary": raw.summary,
        "language": enriched.language or raw.language,
        "entities": enriched.entities,
        "escalation": enriched.escalation,
        "score": enriched.score,
        "contributions": enriched.contributions,
        "enriched_at": enriched.enriched_at,
    }


def feed_article(
    enriched: EnrichedArticle, sources: list[str] | None = None, copies: int | None = None
) -> FeedArticle:
    """The feed item; ``sources`` and ``copies`` from the story read model when the caller has them."""
    found = highlights(enriched, ("title", "summary"))
    source = source_of(enriched.article)
    return FeedArticle.model_validate(
        {
            **_view_fields(enriched),
            "highlights": {name: _spans(spans) for name, spans in found.items()},
            "story_id": enriched.story,
            "story_sources": sources or list(enriched.story_sources) or ([source] if source else []),
            "story_copies": copies,
        }
    )


def feed_item(article: EnrichedArticle, facts: dict[str, StoryFacts]) -> FeedArticle:
    """The feed item with its story's sources and copies from the read model (``facts``)."""
    found = facts.get(article.story)
    return feed_article(article, found.sources if found else None, found.copies if found else None)


def detail_of(enriched: EnrichedArticle) -> ArticleDetail:
    raw = enriched.article
    found = highlights(enriched)
    return ArticleDetail.model_validate(
        {
            **_view_fields(enriched),
            "highlights": {name: _spans(spans) for name, spans in found.items()},
            "story_id": enriched.story,
            "story_sources": list(enriched.story_sources),
            "content": raw.content,
            "authors": raw.authors,
            "text": raw.text,
            "feed_id": raw.feed_id,
            "feed_title": raw.feed_title,
            "feed_url": raw.feed_url,
            "guid": raw.guid,
            "fetched_at": raw.fetched_at,
            "published_inferred": raw.published_inferred,
            "language_detected": raw.language_detected,
            "enricher": enriched.enricher,
        }
    )


# -- trends ------------------------------------------------------------------------------------------


class TrendBucket(_Out):
    start: datetime
    count: int
    mean_score: float | None = Field(description="Mean escalation score; null when the bucket is empty.")
    max_score: float | None = Field(description="Highest escalation score; null when the bucket is empty.")

    @classmethod
    def of(cls, start: datetime, agg: Agg) -> TrendBucket:
        mean = agg.mean
        return cls(
            start=start,
            count=agg.count,
            mean_score=None if mean is None else round(mean, 2),
            max_score=agg.peak,
        )


class TrendSeries(_Out):
    kind: Literal["all", "country", "entity"]
    key: str = Field(description="The country code, the normalised entity name, or `all`.")
    bucket: str = Field(description="Bucket size, e.g. `1h`.")
    bucket_seconds: int
    since: datetime
    until: datetime
    buckets: list[TrendBucket]

    @staticmethod
    def label(bucket_s: int) -> str:
        return format_duration(bucket_s)


class WindowFigures(_Out):
    count: int
    escalation: float = Field(description="Sum of the articles' escalation scores in the window.")
    mean_score: float | None


class RisingEntry(_Out):
    kind: Literal["country", "entity"]
    key: str
    name: str
    rise: float = Field(description="`current.escalation - previous.escalation`; always positive here.")
    current: WindowFigures
    previous: WindowFigures


class RisingNow(_Out):
    window: str
    now: datetime
    countries: list[RisingEntry]
    entities: list[RisingEntry]
