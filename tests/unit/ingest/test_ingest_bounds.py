"""Cutting an article to the size the pipeline carries (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswatch_ingest.bounds import MAX_AUTHORS, MAX_TITLE_CHARS, bounded, cut
from newswatch_shared.schemas import RawArticle

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def article(**over: object) -> RawArticle:
    values: dict[str, object] = {
        "id": "a",
        "url": "https://x.example/a",
        "title": "Troops gather",
        "summary": "Columns were seen at dawn.",
        "content": "More columns followed at noon.",
        "published_at": NOW,
        "feed_id": "f",
        "fetched_at": NOW,
    }
    return RawArticle.model_validate({**values, **over})


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly ten", 11, "exactly ten"),
        ("one two three four", 12, "one two…"),  # at a word boundary, with an ellipsis
        ("abcdefghijklmnop", 6, "abcde…"),  # no space near: cut inside the word
        ("anything", 0, ""),
    ],
)
def test_cut(text: str, limit: int, expected: str) -> None:
    assert cut(text, limit) == expected
    assert len(cut(text, limit)) <= max(limit, 0)


def test_an_article_that_fits_is_returned_unchanged() -> None:
    small = article()
    assert bounded(small, 1_000) is small


def test_the_budget_goes_to_title_then_summary_then_content() -> None:
    big = article(title="T" * 5_000, summary="s " * 2_000, content="c " * 50_000)
    out = bounded(big, 10_000)
    assert out.truncated
    assert len(out.title) <= MAX_TITLE_CHARS and out.title.endswith("…")
    assert out.summary == big.summary  # 4,000 characters: fits after the title
    assert len(out.title) + len(out.summary) + len(out.content) <= 10_000
    assert out.content.startswith("c c c") and out.content.endswith("…")


def test_authors_are_capped() -> None:
    out = bounded(article(authors=[f"Author {i} " + "x" * 500 for i in range(200)]), 100_000)
    assert out.truncated and len(out.authors) == MAX_AUTHORS
    assert all(len(a) <= 200 for a in out.authors)
