"""Stories: copies of one report, from however many outlets, grouped under one story id.

Pure rules (``normalise``, ``signature``, ``decide``, ``records``) apart from where members live
(``store``: the protocol and the in-memory store; ``redis_store``: shared by all enrich replicas);
``assign`` wires them; ``pipeline`` applies it to enriched articles. docs/enrich.md, "Stories".
"""

from newswatch_enrich.stories.assign import StoryAssigner, TooManyConflicts
from newswatch_enrich.stories.decide import DecideParams
from newswatch_enrich.stories.records import Assignment, StoryItem, StoryRecord
from newswatch_enrich.stories.signature import ShingleParams
from newswatch_enrich.stories.store import MemoryStore, StoryStore

__all__ = [
    "Assignment",
    "DecideParams",
    "MemoryStore",
    "ShingleParams",
    "StoryAssigner",
    "StoryItem",
    "StoryRecord",
    "StoryStore",
    "TooManyConflicts",
]
