"""Where story members and records live, behind a small protocol; the in-memory store.

Assignment is optimistic: an *attempt* reads the article's earlier assignment (a redelivery) and the
members sharing its bands, then the story it chose, then commits — and fails with
:class:`StoreConflict` when another writer changed any of that in between, whereupon the assigner
reads again. The in-memory store (the CLI, the bench) never conflicts; the Redis store
(``redis_store.py``) makes replicas agree this way.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Protocol

from newswatch_enrich.stories.records import Member, StoryRecord

__all__ = ["Attempt", "MemoryStore", "StoreConflict", "StoryStore"]


class StoreConflict(Exception):
    """Another writer changed what the attempt read: read again."""


class Attempt(Protocol):
    async def read(self) -> tuple[Member | None, list[Member]]:
        """This article's member record if it was assigned before, and the members sharing a band."""
        ...

    async def story(self, story_id: str) -> StoryRecord | None: ...

    async def commit(self, member: Member, bands: Sequence[str], record: StoryRecord) -> None:
        """Store the member under its bands and the story record, atomically; or StoreConflict."""
        ...


class StoryStore(Protocol):
    def attempt(
        self, member_id: str, bands: Sequence[str], published: datetime, max_gap_s: float
    ) -> contextlib.AbstractAsyncContextManager[Attempt]:
        """Candidates are the members sharing a band published at most ``max_gap_s`` from ``published``
        (the decision would refuse the others anyway: reading them would only cost)."""
        ...


class _MemoryAttempt:
    def __init__(
        self, store: MemoryStore, member_id: str, bands: Sequence[str], published: datetime, gap_s: float
    ) -> None:
        self._store, self._id, self._bands = store, member_id, bands
        self._published, self._gap_s = published, gap_s

    async def read(self) -> tuple[Member | None, list[Member]]:
        ids: dict[str, None] = {}
        for band in self._bands:
            ids.update(dict.fromkeys(self._store.bands.get(band, ())))
        found = [
            m
            for m in (self._store.members[i] for i in ids if i in self._store.members)
            if abs((m.signature.published - self._published).total_seconds()) <= self._gap_s
        ]
        return self._store.members.get(self._id), found

    async def story(self, story_id: str) -> StoryRecord | None:
        return self._store.stories.get(story_id)

    async def commit(self, member: Member, bands: Sequence[str], record: StoryRecord) -> None:
        self._store.members[member.id] = member
        for band in bands:
            self._store.bands.setdefault(band, []).append(member.id)
        self._store.stories[record.id] = record


class MemoryStore:
    """Everything in dicts, nothing expires: for one run of the CLI or the bench."""

    def __init__(self) -> None:
        self.bands: dict[str, list[str]] = {}
        self.members: dict[str, Member] = {}
        self.stories: dict[str, StoryRecord] = {}

    @contextlib.asynccontextmanager
    async def attempt(
        self, member_id: str, bands: Sequence[str], published: datetime, max_gap_s: float
    ) -> AsyncIterator[Attempt]:
        yield _MemoryAttempt(self, member_id, bands, published, max_gap_s)
