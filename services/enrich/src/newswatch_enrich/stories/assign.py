"""Put an article into a story: signature, candidates through the store, the decision, the commit.

The one code path of the service (Redis store), ``newswatch stories group`` and the bench (in-memory
store). An attempt that loses a race with another replica (:class:`StoreConflict`) is read again and
decided again with what the other replica wrote, so two replicas seeing two copies at once agree on
one story: the second to commit finds the first's member among its candidates.
"""

from __future__ import annotations

from newswatch_enrich.stories.decide import Candidate, DecideParams, choose
from newswatch_enrich.stories.records import Assignment, Member, StoryItem, join, story_id_for
from newswatch_enrich.stories.signature import ShingleParams, make_signature
from newswatch_enrich.stories.store import StoreConflict, StoryStore

__all__ = ["StoryAssigner", "TooManyConflicts"]


class TooManyConflicts(Exception):
    """Other writers kept changing this article's bands: the caller retries later."""


class StoryAssigner:
    def __init__(
        self,
        store: StoryStore,
        shingles: ShingleParams | None = None,
        decide: DecideParams | None = None,
        max_attempts: int = 20,
    ) -> None:
        self.store = store
        self.shingles = shingles or ShingleParams()
        self.decide = decide or DecideParams()
        self.max_attempts = max_attempts
        self.conflicts = 0  # attempts lost to another writer, for metrics and tests

    async def assign(self, item: StoryItem) -> Assignment:
        signature = make_signature(item.title, item.text, item.published, item.source, self.shingles)
        bands = signature.bands(self.shingles)
        for _ in range(self.max_attempts):
            try:
                gap_s = self.decide.max_gap_h * 3600
                async with self.store.attempt(item.id, bands, item.published, gap_s) as attempt:
                    earlier, members = await attempt.read()
                    if earlier is not None:
                        return earlier.assignment  # redelivered: same answer, counted once
                    candidates = [
                        Candidate(m.id, m.assignment.story_id, m.signature, m.assignment.first_seen)
                        for m in members
                    ]
                    chosen = choose(signature, candidates, self.decide)
                    story_id = chosen.story_id if chosen else story_id_for(item.id)
                    record = join(await attempt.story(story_id) if chosen else None, item, story_id)
                    assignment = Assignment(
                        story_id=story_id,
                        sources=tuple(record.sources),
                        first_seen=record.first_seen,
                        is_first=chosen is None,
                    )
                    await attempt.commit(Member(item.id, signature, assignment), bands, record)
                    return assignment
            except StoreConflict:
                self.conflicts += 1
        raise TooManyConflicts(f"story of {item.id}: {self.max_attempts} attempts lost to other writers")
