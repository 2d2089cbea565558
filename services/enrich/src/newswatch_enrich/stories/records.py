"""What grouping reads and writes: the article in, its assignment out, members and story records.

``StoryRecord`` is the story as the alert service reads it from Redis (docs/enrich.md, "Stories");
``join`` is the one place that says how a copy changes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from newswatch_enrich.stories.signature import Signature
from newswatch_shared.schemas import UtcDatetime

__all__ = ["Assignment", "Copy", "Member", "StoryItem", "StoryRecord", "join", "story_id_for"]

#: Copies listed in a story record (newest first); ``count`` keeps counting past it.
COPIES_CAP = 50


@dataclass(frozen=True)
class StoryItem:
    """One article as grouping sees it. ``text`` is its summary and content, without the title."""

    id: str
    source: str
    title: str
    text: str
    published: datetime
    score: float = 0.0
    url: str = ""


@dataclass(frozen=True)
class Assignment:
    """The article's story, as it was when the article joined (a redelivery gets the same answer)."""

    story_id: str
    sources: tuple[str, ...]
    first_seen: datetime
    is_first: bool


@dataclass(frozen=True)
class Member:
    """An article that joined a story, with its signature: what later articles are compared with."""

    id: str
    signature: Signature
    assignment: Assignment

    def to_json(self) -> str:
        a, s = self.assignment, self.signature
        return json.dumps(
            {
                "story_id": a.story_id,
                "sources": list(a.sources),
                "first_seen": a.first_seen.isoformat(),
                "is_first": a.is_first,
                "published": s.published.isoformat(),
                "size": s.size,
                "marks": sorted(s.marks),
                "minhash": s.encode_values(),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, member_id: str, text: str) -> Member:
        d = json.loads(text)
        signature = Signature(
            hashvalues=Signature.decode_values(d["minhash"]),
            size=int(d["size"]),
            marks=frozenset(d["marks"]),
            published=datetime.fromisoformat(d["published"]),
        )
        assignment = Assignment(
            story_id=d["story_id"],
            sources=tuple(d["sources"]),
            first_seen=datetime.fromisoformat(d["first_seen"]),
            is_first=bool(d["is_first"]),
        )
        return cls(member_id, signature, assignment)


class Copy(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    published: UtcDatetime


class StoryRecord(BaseModel):
    """A story: its first copy's title, when it was first seen, who carries it, its peak score."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str = Field(description="Title of the copy that opened the story, as its outlet wrote it.")
    url: str = ""
    first_article: str = Field(description="Id of the copy that opened the story.")
    first_seen: UtcDatetime = Field(description="Earliest publication time among its copies.")
    last_seen: UtcDatetime = Field(description="Latest publication time among its copies.")
    count: int = Field(default=1, description="Copies so far (not capped).")
    sources: list[str] = Field(default_factory=list, description="Distinct sources, in order of arrival.")
    copies: list[Copy] = Field(default_factory=list, description=f"Newest first, at most {COPIES_CAP}.")
    peak_score: float = Field(default=0.0, description="Highest escalation score among its copies.")


def story_id_for(first_article_id: str) -> str:
    """A story is named after the copy that opened it: stable, so a retried opening names it the same."""
    return f"s-{first_article_id}"


def join(record: StoryRecord | None, item: StoryItem, story_id: str) -> StoryRecord:
    """The story after ``item`` joined it (or opened it, when ``record`` is None)."""
    copy = Copy(id=item.id, source=item.source, published=item.published)
    if record is None:
        return StoryRecord(
            id=story_id,
            title=item.title,
            url=item.url,
            first_article=item.id,
            first_seen=item.published,
            last_seen=item.published,
            count=1,
            sources=[item.source] if item.source else [],
            copies=[copy],
            peak_score=item.score,
        )
    sources = (
        record.sources
        if not item.source or item.source in record.sources
        else [
            *record.sources,
            item.source,
        ]
    )
    copies = sorted([*record.copies, copy], key=lambda c: (c.published, c.id), reverse=True)[:COPIES_CAP]
    return record.model_copy(
        update={
            "first_seen": min(record.first_seen, item.published),
            "last_seen": max(record.last_seen, item.published),
            "count": record.count + 1,
            "sources": sources,
            "copies": copies,
            "peak_score": max(record.peak_score, item.score),
        }
    )
