"""Floors for `newswatch bench feed-yield` over ../shared/corpora (skipped without it).

The figures (docs/reliability.md, "Feed items without a link"): of 306 files where the reference
parser finds entries, 244 gave no article before identities fell back to GUIDs and text, 170 after —
all but one of them test items with nothing to show (only an author, a category, a location…).
The floors sit just below those figures so a change that loses items again fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch_cli.bench import find_bench_dir, run_benchmark


def test_feed_items_without_a_link_are_not_lost(shared_corpora: Path | None) -> None:
    if shared_corpora is None:
        pytest.skip("../shared/corpora is not present")
    figures = run_benchmark("feed-yield", find_bench_dir(), ["--corpora", str(shared_corpora)])
    assert figures["files_with_entries"] >= 300
    assert figures["files_without_articles"] <= 172  # 244 before
    assert figures["files_with_showable_entries"] >= 135
    assert figures["showable_files_without_articles"] <= 2  # 74 before
    assert figures["articles"] >= 145  # 73 before
