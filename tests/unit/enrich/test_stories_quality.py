"""Floors on the story grouping's DEV figures (tests/data/stories_dev.jsonl; bench/stories).

Only the dev half: the test half is what docs/benchmarks.md quotes, and nothing is tuned or held on it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from newswatch_enrich.stories import MemoryStore, StoryAssigner
from newswatch_enrich.stories.evaluate import bcubed, pairwise
from newswatch_enrich.stories.lines import group_items, parse_lines

DEV = Path(__file__).resolve().parents[2] / "data" / "stories_dev.jsonl"


def test_dev_figures_hold() -> None:
    lines = DEV.read_text().splitlines()
    gold = {json.loads(line)["id"]: json.loads(line)["story"] for line in lines}
    items = parse_lines(lines)
    assigned = asyncio.run(group_items(StoryAssigner(MemoryStore()), items))
    predicted = {i.id: a.story_id for i, a in zip(items, assigned, strict=True)}
    pw, b3 = pairwise(gold, predicted), bcubed(gold, predicted)
    assert pw["precision"] >= 0.99 and pw["recall"] >= 0.95, pw
    assert b3["precision"] >= 0.99 and b3["recall"] >= 0.95, b3


def test_metrics_on_a_known_case() -> None:
    gold = {"a": "1", "b": "1", "c": "2", "d": "2"}
    predicted = {"a": "x", "b": "x", "c": "x", "d": "y"}
    assert pairwise(gold, predicted) == {"precision": 1 / 3, "recall": 1 / 2, "f1": 0.4}
    b3 = bcubed(gold, predicted)
    assert round(b3["precision"], 4) == round((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4, 4)
