"""Versioned message schemas: the contract on every topic.

Each message carries ``schema_version``. A consumer accepts the versions it knows and sends anything
else to the dead-letter topic with the validation error, so a bad producer never crashes a consumer.
Add fields with defaults to stay compatible; bump the version for anything else.

Models are frozen: a message is a fact, not a mutable record.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from newswatch_shared.errors import SchemaError

__all__ = [
    "AlertEvent",
    "ClauseResult",
    "Contribution",
    "EnrichedArticle",
    "Entity",
    "EscalationMatch",
    "Explanation",
    "NotifyReason",
    "RawArticle",
    "decode",
    "encode",
    "utcnow",
]


def _as_utc(value: datetime) -> datetime:
    """Naive datetimes are ambiguous on the wire; refuse them rather than guess."""
    if value.tzinfo is None:
        raise ValueError("datetime must carry a timezone")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class RawArticle(_Message):
    """One normalised feed item, as ingest publishes it to ``articles.raw``."""

    schema_version: Literal[1] = 1
    id: str = Field(
        description="Stable hash of the canonical URL; for an item without one, of its feed and its GUID,"
        " else of its feed, title and text."
    )
    url: str = Field(
        description="Canonical URL of the article. An item without a link: its GUID when that is an"
        " http(s) URL, else the feed's site link; empty when there is neither."
    )
    title: str
    summary: str = ""
    content: str = ""
    authors: list[str] = Field(default_factory=list)
    published_at: UtcDatetime
    published_inferred: bool = Field(
        default=False, description="True when the feed gave no usable date and fetched_at was used."
    )
    language: str | None = Field(default=None, description="ISO 639-1 code, from the feed or detected.")
    language_detected: bool = Field(
        default=False, description="True when the feed declared no language and it was detected."
    )
    feed_id: str
    feed_title: str = ""
    feed_url: str = ""
    guid: str | None = None
    fetched_at: UtcDatetime
    truncated: bool = Field(
        default=False,
        description="True when ingest cut the text to its size limit (NEWSWATCH_INGEST_MAX_ARTICLE_CHARS).",
    )

    @property
    def text(self) -> str:
        """The text enrichment reads: title, summary and content, without repeats."""
        parts: list[str] = []
        for part in (self.title, self.summary, self.content):
            if part and not any(part in seen for seen in parts):
                parts.append(part)
        return "\n\n".join(parts)


class Entity(_Message):
    """A named entity found in an article, de-duplicated with a mention count.

    ``canonical`` names the real thing, whatever the mention: "Russian" and "Russia" are one entity
    Russia / GPE / RU, whose ``text`` is the first mention as written and ``forms`` every mention.
    """

    text: str
    label: str
    canonical: str
    country: str | None = Field(
        default=None, description="ISO 3166 alpha-2 code for places and nationalities."
    )
    country_name: str | None = Field(
        default=None, description='That country\'s canonical name ("Ukraine" for Kyiv or Ukrainian).'
    )
    count: int = 1
    forms: list[str] = Field(
        default_factory=list,
        description='Every way the article wrote it, first mention first ("Russian", "Russia", "Russians"'
        " for Russia), so each can be highlighted and found. Empty from enrichers older than this field:"
        " readers then use text.",
    )


class EscalationMatch(_Message):
    """One occurrence of escalation language, with where and why it matched."""

    term: str = Field(description="Canonical taxonomy term, e.g. 'troops'.")
    concepts: list[str] = Field(
        default_factory=list,
        description="The term's concept, then every broader concept, nearest first ('asset freeze', "
        "'sanctions'): a watchlist on a concept hears of everything narrower. Empty from enrichers older "
        "than the concept scheme; readers then use the term alone.",
    )
    category: str
    weight: float = Field(description="The term's weight, lowered when the match is negated or hedged.")
    text: str = Field(description="The text as it appears in the article.")
    start: int
    end: int
    sentence: str = ""
    negated: bool = Field(default=False, description="Denied or ruled out ('no plans to invade').")
    hedged: bool = Field(
        default=False, description="Speculated, not reported ('may invade', 'rumours of an invasion')."
    )
    also: list[str] = Field(
        default_factory=list,
        description="Terms of shorter matches inside this one, left out of the score ('troop build-up'"
        " is military buildup, also troops), so a watchlist on those terms still finds the article.",
    )


class Contribution(_Message):
    """How much one canonical term added to the escalation score."""

    term: str
    category: str
    weight: float
    count: int
    points: float


class EnrichedArticle(_Message):
    """An article with entities, escalation matches and score: the value on ``articles.enriched``."""

    schema_version: Literal[1] = 1
    article: RawArticle
    language: str | None = None
    entities: list[Entity] = Field(default_factory=list)
    escalation: list[EscalationMatch] = Field(default_factory=list)
    score: float = Field(default=0.0, ge=0, le=100)
    contributions: list[Contribution] = Field(default_factory=list)
    enriched_at: UtcDatetime
    enricher: str = Field(default="", description="Pipeline name and version, for tracing regressions.")
    story_id: str = Field(
        default="",
        description="The story this article is a copy of: every outlet's copy of one report has the same "
        "id. Empty from enrichers without story grouping; readers then treat the article as its own story.",
    )
    story_sources: list[str] = Field(
        default_factory=list, description="Distinct sources carrying the story so far, this copy's included."
    )
    story_first_seen: UtcDatetime | None = Field(
        default=None, description="When the story's first copy came."
    )
    is_first: bool = Field(default=True, description="This is the story's first copy.")

    @property
    def story(self) -> str:
        """The story id, or the article's own id when the article was not grouped."""
        return self.story_id or self.article.id

    @property
    def id(self) -> str:
        return self.article.id


class ClauseResult(_Message):
    """One condition of a watchlist and whether it held for the article, with the evidence."""

    clause: str = Field(
        description='As the user wrote it: country:UA, NOT source:"Example Wire", term:troops.'
    )
    matched: bool = Field(description="Whether the clause, as written (NOT included), holds.")
    detail: str = Field(default="", description="Why, in words: what was found where, or what was missing.")
    entities: list[str] = Field(default_factory=list, description="Canonical names of the entities found.")
    terms: list[str] = Field(default_factory=list, description="Canonical escalation terms found.")


class Explanation(_Message):
    """Why a watchlist matched an article: every clause with its outcome, and what made it match."""

    clauses: list[ClauseResult] = Field(default_factory=list)
    entities: list[str] = Field(default_factory=list, description="Entities behind the matched clauses.")
    terms: list[str] = Field(default_factory=list, description="Escalation terms behind the matched clauses.")
    sentences: list[str] = Field(default_factory=list, description="Sentences holding what matched.")


NotifyReason = Literal["first", "every", "escalation", "corroborated"]


class AlertEvent(_Message):
    """A watchlist matched a story: the value on ``alerts`` and what channels deliver.

    ``id`` is derived from (watchlist id, story), the story being the article's ``story_id`` or, for an
    ungrouped article, its own id: every outlet's copy of one report updates one alert rather than
    making another. The article fields (``article_id``, ``title``, ``url``, …) are the newest copy's.
    Each notification a channel gets is a snapshot of the alert at that moment, with the idempotency
    key ``id`` for the first and ``<id>-<n>`` for the n-th.
    """

    schema_version: Literal[1] = 1
    id: str
    user_id: str
    watchlist_id: str
    watchlist_name: str
    article_id: str
    title: str
    url: str
    source: str = ""
    published_at: UtcDatetime
    score: float = Field(description="The escalation score: the highest of the story's copies so far.")
    matched_entities: list[str] = Field(default_factory=list)
    matched_keywords: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="Human-readable clauses that matched.")
    sentences: list[str] = Field(default_factory=list, description="Sentences holding the matched terms.")
    created_at: UtcDatetime
    explanation: Explanation | None = Field(
        default=None, description="Clause by clause: why the watchlist matched (absent on older alerts)."
    )
    story_id: str = Field(default="", description="The story: its id, or the article's own when ungrouped.")
    sources: list[str] = Field(
        default_factory=list, description="Distinct sources carrying the story, in order of appearance."
    )
    copies: int = Field(default=1, description="Copies (articles) of the story this watchlist matched.")
    notification: int = Field(
        default=1,
        description="Notifications made so far (0: none yet, the alert is pending); in a delivered "
        "payload, which notification this is.",
    )
    reason: NotifyReason | None = Field(
        default=None,
        description="Why the last notification was made: first, every (copy), escalation, corroborated "
        "(min_sources reached); null while pending and on older alerts.",
    )
    pending: bool = Field(
        default=False, description="Waiting for the watchlist's min_sources: stored, nothing sent yet."
    )
    notified_score: float | None = Field(
        default=None, description="The story's score at the last notification (what escalation compares)."
    )
    updated_at: UtcDatetime | None = Field(default=None, description="When the last copy updated it.")


M = TypeVar("M", bound=BaseModel)


def encode(message: BaseModel) -> bytes:
    """Serialise a message for Kafka (UTF-8 JSON)."""
    return message.model_dump_json().encode("utf-8")


def decode(model: type[M], payload: bytes | None) -> M:
    """Parse bytes into ``model`` or raise :class:`SchemaError` with a readable reason."""
    if payload is None:
        raise SchemaError(f"{model.__name__}: empty message (tombstone)")
    try:
        return model.model_validate_json(payload)
    except ValidationError as e:
        raise SchemaError(f"{model.__name__}: {e.error_count()} validation error(s): {e}") from e
