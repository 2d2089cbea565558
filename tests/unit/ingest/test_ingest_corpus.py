"""Robustness over feeds written by others (../shared/corpora, present in CI; skipped without it).

Every document either parses or raises FeedParseError — never anything else — and every parsed entry
either normalises into a valid article or is skipped with a sentence.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch_ingest.errors import FeedParseError
from newswatch_ingest.normalize import feed_context, normalize_entries
from newswatch_ingest.parse import parse_feed

FETCHED = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
BASE = "https://corpus.example.org/feeds/feed.xml"


def _documents(root: Path) -> list[Path]:
    fp = root / "feedparser-tests" / "tests"
    paths = [p for sub in ("wellformed", "illformed") for p in (fp / sub).rglob("*.xml")]
    paths += sorted((root / "reader-tests" / "tests" / "data").glob("*.rss"))
    paths += sorted((root / "reader-tests" / "tests" / "data").glob("*.atom"))
    return sorted(paths)


def test_every_corpus_document_parses_or_is_refused_cleanly(shared_corpora: Path | None) -> None:
    if shared_corpora is None:
        pytest.skip("../shared/corpora is not present")
    documents = _documents(shared_corpora)
    assert len(documents) > 200
    parsed = refused = articles = 0
    for path in documents:
        try:
            feed = parse_feed(path.read_bytes(), BASE)
        except FeedParseError as e:
            assert str(e).endswith("."), path
            refused += 1
            continue
        parsed += 1
        made, skipped = normalize_entries(feed.entries, feed_context("f", BASE, "", feed), FETCHED)
        articles += len(made)
        assert len(made) + len(skipped) <= len(feed.entries), path
        for article in made:
            assert article.url == "" or article.url.startswith(("http://", "https://")), path
            assert "\n\n" not in article.summary and article.title == article.title.strip(), path
    assert parsed > refused and articles > 140  # many test items have nothing to show at all


def test_reader_relative_links_are_resolved(shared_corpora: Path | None) -> None:
    if shared_corpora is None:
        pytest.skip("../shared/corpora is not present")
    body = (shared_corpora / "reader-tests" / "tests" / "data" / "relative.rss").read_bytes()
    feed = parse_feed(body, "https://blog.example.com/dir/relative.rss")
    articles, _ = normalize_entries(feed.entries, feed_context("f", BASE, "", feed), FETCHED)
    assert [a.url for a in articles] == ["https://blog.example.com/dir/blog/post/1"]
    assert articles[0].content == "content"  # the HTML variant wins, and its script is gone
