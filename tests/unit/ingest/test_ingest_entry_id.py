"""A poll normalises only the entries it has not published: the cheap id must be the real id.

``entry_id`` skips plain text and language detection when a link or GUID decides the id; if it ever
disagreed with ``normalize_entry``, a new item could be passed over as published (lost) or a published
one normalised again (wasted). Checked on every feed we wrote and, when ../shared is there, on the
public feed-parser test suites.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch_ingest import language
from newswatch_ingest.errors import EntryError, FeedParseError
from newswatch_ingest.normalize import entry_id, feed_context, normalize_entries, normalize_entry
from newswatch_ingest.parse import parse_feed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
AT = datetime(2026, 12, 4, tzinfo=UTC)


def documents(shared_corpora: Path | None) -> list[Path]:
    found = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".xml", ".rss", ".atom", ".json"))
    if shared_corpora is not None:
        found += sorted(p for p in shared_corpora.rglob("*.xml"))[:600]
    return found


def test_the_cheap_id_is_the_id_normalize_entry_gives(shared_corpora: Path | None) -> None:
    compared = 0
    for path in documents(shared_corpora):
        try:
            parsed = parse_feed(path.read_bytes(), "https://feeds.example/" + path.name)
        except FeedParseError:
            continue
        context = feed_context("feed-1", "https://feeds.example/" + path.name, "", parsed)
        for entry in parsed.entries:
            try:
                want: str | None = normalize_entry(entry, context, AT).id
            except EntryError:
                want = None
            assert entry_id(entry, context) == want, f"{path.name}: {entry.link!r} {entry.guid!r}"
            compared += 1
    assert compared >= 10


def test_published_entries_are_passed_over_without_being_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = parse_feed((FIXTURES / "rss2.xml").read_bytes(), "https://courier.example.org/rss")
    context = feed_context("feed-1", "https://courier.example.org/rss", "", parsed)
    everything, _ = normalize_entries(parsed.entries, context, AT)
    detected: list[str] = []
    real = language.detect_language
    monkeypatch.setattr("newswatch_ingest.normalize.detect_language", lambda t: detected.append(t) or real(t))
    published = {a.id for a in everything[1:]}
    fresh, _ = normalize_entries(parsed.entries, context, AT, skip=published)
    assert [a.id for a in fresh] == [everything[0].id]
    assert len(detected) <= 1, "only the new entry's text is examined"
