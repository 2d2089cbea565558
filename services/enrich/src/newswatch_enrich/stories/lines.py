"""JSON lines in, stories out: what ``newswatch stories group`` and the bench share.

Each input line is ``{"id", "source", "title", "summary", "published"?}``; ``published`` is an ISO 8601
time with a zone (default: the time of the run, so lines without one are taken as published together).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from newswatch_enrich.stories.assign import StoryAssigner
from newswatch_enrich.stories.records import Assignment, StoryItem
from newswatch_shared.schemas import UtcDatetime, utcnow

__all__ = ["BadLine", "InputLine", "group_items", "parse_lines"]


class BadLine(ValueError):
    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"line {number}: {reason}")
        self.number = number


class InputLine(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    source: str = ""
    title: str = ""
    summary: str = ""
    published: UtcDatetime | None = None


def parse_lines(lines: Iterable[str], now: datetime | None = None) -> list[StoryItem]:
    """Every non-blank line as a StoryItem; :class:`BadLine` names the first that is not one."""
    now = now or utcnow()
    items: list[StoryItem] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = InputLine.model_validate(json.loads(line))
        except json.JSONDecodeError as e:
            raise BadLine(number, f"not JSON: {e.msg}") from e
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            raise BadLine(number, f"{where}: {first['msg']}") from e
        if not row.title.strip() and not row.summary.strip():
            raise BadLine(number, "needs a title or a summary")
        if row.id in seen:
            raise BadLine(number, f"id {row.id!r} repeats an earlier line")
        seen.add(row.id)
        items.append(StoryItem(row.id, row.source, row.title, row.summary, row.published or now))
    return items


async def group_items(assigner: StoryAssigner, items: Iterable[StoryItem]) -> list[Assignment]:
    """Assign each item in order (order matters: a story is named after its first copy)."""
    return [await assigner.assign(item) for item in items]
