"""The rules that say whether an article is a copy of a story member: pure, and the same everywhere.

An article joins a member's story when all of these hold:

1. **Text**: most of the shorter text's shingles are in the longer one (estimated containment at
   least ``min_containment``). Containment, not Jaccard: a copy cut after one paragraph, or an update
   with paragraphs added, is mostly inside the other while their union is much larger.
2. **Marks**: the shorter text's numbers and capitalised names are found in the longer one, but for a
   few (``max_missing``, or ``missing_share`` of them when more): look-alike events written from one
   formula share nearly all their words, and differ exactly there — another town, other figures,
   another day. The shorter text is the one checked, so truncation never counts as a conflict.
3. **Time**: published at most ``max_gap_h`` apart: the same formula a day later is another event.
4. **Window**: the story is still open — the article was published less than ``window_s`` after the
   story's first copy.

Among the members that pass, the most similar wins (ties: the older story), so an article never
bridges two stories by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from newswatch_enrich.stories.signature import Signature

__all__ = ["Candidate", "Comparison", "DecideParams", "choose", "compare", "is_open"]


@dataclass(frozen=True)
class DecideParams:
    min_containment: float = 0.4
    max_missing: int = 1
    missing_share: float = 0.2
    max_gap_h: float = 12.0
    window_s: float = 72 * 3600.0


@dataclass(frozen=True)
class Comparison:
    """The outcome for one pair: ``reason`` is None when the article may join, else which rule failed."""

    containment: float
    missing: frozenset[str]
    reason: str | None


def compare(new: Signature, member: Signature, params: DecideParams) -> Comparison:
    containment = new.containment(member)
    shorter, longer = (new, member) if new.size <= member.size else (member, new)
    missing = shorter.marks - longer.marks
    reason: str | None = None
    gap_h = abs((new.published - member.published).total_seconds()) / 3600
    if containment < params.min_containment:
        reason = "text"
    elif len(missing) > max(params.max_missing, params.missing_share * len(shorter.marks)):
        reason = "marks"
    elif gap_h > params.max_gap_h:
        reason = "time"
    return Comparison(containment, frozenset(missing), reason)


def is_open(first_seen: datetime, published: datetime, params: DecideParams) -> bool:
    """A story takes copies published up to ``window_s`` after its first one."""
    return (published - first_seen).total_seconds() <= params.window_s


@dataclass(frozen=True)
class Candidate:
    """A story member found through a shared LSH band."""

    member_id: str
    story_id: str
    signature: Signature
    story_first_seen: datetime


def choose(new: Signature, candidates: Sequence[Candidate], params: DecideParams) -> Candidate | None:
    """The member whose story the article joins, or None: it starts a story of its own."""
    best: tuple[float, float, str] | None = None
    chosen: Candidate | None = None
    for c in candidates:
        if not is_open(c.story_first_seen, new.published, params):
            continue
        result = compare(new, c.signature, params)
        if result.reason is not None:
            continue
        key = (result.containment, -c.story_first_seen.timestamp(), c.story_id)
        if best is None or key > best:
            best, chosen = key, c
    return chosen
