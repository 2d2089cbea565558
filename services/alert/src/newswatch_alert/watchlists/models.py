"""Watchlists as users send them (``WatchlistIn``) and as they are stored (``Watchlist``).

Request models validate what users send (422 on problems); stored models are frozen facts. The
response shapes are a public contract: later versions add fields, never remove or rename them; lists
come wrapped in an object (``{"watchlists": [...]}``) so they can gain fields such as a cursor.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator
from pydantic_core import PydanticCustomError

from newswatch_alert.common.text import norm
from newswatch_alert.delivery.channels import Channel, ChannelIn
from newswatch_alert.watchlists.query import MAX_CHARS as QUERY_MAX_CHARS
from newswatch_alert.watchlists.query import QueryError, parse
from newswatch_shared.http_api import JsonNumber
from newswatch_shared.schemas import UtcDatetime

__all__ = ["NotifyMode", "Watchlist", "WatchlistIn", "WatchlistList", "WatchlistMode", "WatchlistOut"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def _terms(values: list[str]) -> list[str]:
    """Collapse spaces, refuse terms that can never match, drop repeats (as the matcher compares them)."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in values:
        value = " ".join(raw.split())
        key = norm(value)
        if not key:
            raise ValueError("entries must contain a letter or digit")
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


Term = Annotated[str, Field(max_length=200)]


# -- watchlists --------------------------------------------------------------------------------------


WatchlistMode = Literal["immediate", "hourly", "daily"]
NotifyMode = Literal["first", "every", "escalation"]


def _languages(values: list[str]) -> list[str]:
    """ISO 639-1 primary subtags, lower case, without repeats: "en-GB" and "EN" are both "en"."""
    out: list[str] = []
    for raw in values:
        code = re.split(r"[-_]", raw.strip().lower(), maxsplit=1)[0]
        if not re.fullmatch(r"[a-z]{2}", code):
            raise ValueError(f"{raw!r} is not an ISO 639-1 language code such as en, de or uk")
        if code not in out:
            out.append(code)
    return out


def _query(value: str | None) -> str | None:
    """A blank query is no query; anything else must parse (the error points at the column)."""
    if value is None or not value.strip():
        return None
    try:
        parse(value)
    except QueryError as e:
        raise PydanticCustomError("query_syntax", "{message}", {"message": str(e), "column": e.column}) from e
    return value.strip()


class WatchlistIn(BaseModel):
    """What a user sends. Every condition given must hold: entities ANY-of AND keywords ANY-of AND the
    query AND score ≥ min_score AND (languages empty or the article's language among them).

    Unknown fields are refused: ``{"keyword": [...]}`` (a typo of ``keywords``) must not become a
    watchlist on everything its entities name."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    entities: list[Term] = Field(
        default_factory=list,
        max_length=100,
        description="ANY of these: an entity's canonical name or text, or an ISO country code (UA).",
    )
    keywords: list[Term] = Field(
        default_factory=list,
        max_length=100,
        description="ANY of these: an escalation concept (and everything narrower; a variant is stored "
        "as its concept), or a word/phrase of the text.",
    )
    query: str | None = Field(
        default=None,
        max_length=QUERY_MAX_CHARS,
        description="Boolean query (AND, OR, NOT, parentheses, quoted phrases, entity:, country:, term:, "
        'category:, source:), e.g. country:UA AND (term:troops OR term:invasion) NOT source:"Example Wire".',
    )
    min_score: JsonNumber = Field(
        default=0.0, ge=0, le=100, description="Lowest escalation score (0-100) to alert on."
    )
    languages: list[str] = Field(
        default_factory=list, max_length=20, description="ISO 639-1 codes; empty: any language."
    )
    mode: WatchlistMode = Field(
        default="immediate",
        description="Deliver each alert at once, or collect them in an hourly/daily digest.",
    )
    # StrictBool: JSON true or false only (pydantic would also take 0, 1, "yes", which the schema refuses).
    enabled: StrictBool = Field(default=True, description="A disabled watchlist is kept but matches nothing.")
    channels: list[ChannelIn] = Field(default_factory=list, max_length=10)
    # Stories (issue 14): one alert per story; these say when its later copies notify again.
    notify: NotifyMode = Field(
        default="first",
        description="When a story notifies: its first matching copy only (first), every copy (every), or "
        "again when its escalation score rose by notify_escalation_points since the last notification.",
    )
    notify_escalation_points: JsonNumber = Field(
        default=15.0, gt=0, le=100, description="With notify=escalation: the rise that notifies again."
    )
    min_sources: int = Field(
        default=1, ge=1, le=100, description="Notify once this many distinct sources carry the story."
    )

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()

    @field_validator("min_sources", mode="before")
    @classmethod
    def _sources_not_bool(cls, value: object) -> object:
        if isinstance(value, bool):  # JSON true would pass as 1
            raise ValueError("expected an integer, not true or false")
        return value

    @field_validator("entities", "keywords")
    @classmethod
    def _clean_terms(cls, values: list[str]) -> list[str]:
        return _terms(values)

    @field_validator("query")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        return _query(value)

    @field_validator("languages")
    @classmethod
    def _clean_languages(cls, values: list[str]) -> list[str]:
        return _languages(values)

    @model_validator(mode="after")
    def _something_to_match(self) -> WatchlistIn:
        # A min_score alone is a real watchlist ("anything above 80"); a language alone is a firehose.
        if not (self.entities or self.keywords or self.query or self.min_score > 0):
            raise ValueError(
                "a watchlist needs at least one entity or keyword, a query, or a min_score above 0"
            )
        return self


class Watchlist(_Frozen):
    """Stored and returned as is: the owner sees the channel secrets (they need them to verify)."""

    id: str
    user_id: str
    name: str
    entities: list[str]
    keywords: list[str]
    # Matching fields added with issue 5: the defaults are what a watchlist stored before them meant.
    query: str | None = None
    min_score: float = 0.0
    languages: list[str] = Field(default_factory=list)
    mode: WatchlistMode = "immediate"
    enabled: bool = True
    channels: list[Channel]
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = None  # set by PATCH (F); None until the first change
    notify: NotifyMode = "first"  # story fields (issue 14); the defaults are what older ones meant
    notify_escalation_points: float = 15.0
    min_sources: int = 1


class WatchlistOut(Watchlist):
    """A watchlist as the API shows it: what is stored and, after a write (POST, PATCH), what the
    service stored otherwise than sent. One shape for every answer, so a GET equals the PATCH before it."""

    notes: list[str] = Field(
        default_factory=list,
        description='What was stored otherwise than sent: a variant stored as its concept (term "blockade" '
        'is stored as "siege"), a keyword that is no concept. Only a write has any; never stored.',
    )


class WatchlistList(_Frozen):
    watchlists: list[WatchlistOut]
