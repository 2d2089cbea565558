"""Story grouping's pure parts: normalisation, signatures, the decision rules, the record."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from newswatch_enrich.stories import DecideParams, MemoryStore, ShingleParams, StoryAssigner, StoryItem
from newswatch_enrich.stories.decide import compare
from newswatch_enrich.stories.normalise import clean_text, clean_title, marks, words
from newswatch_enrich.stories.records import join
from newswatch_enrich.stories.signature import make_signature

T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)

WIRE = (
    "Artillery fire struck the border town of Velykopil on Tuesday, killing at least 12 people and "
    "wounding 30, the regional governor Olena Melnyk said.\n\n"
    "Rescue teams worked through the night to pull survivors from damaged apartment blocks. The strikes "
    "hit a school, a bakery and a power substation, leaving 400 homes without electricity.\n\n"
    "Melnyk said the shells were fired from positions across the river and called for more air defence "
    "systems. Hospital staff said several of the wounded were in serious condition."
)
# The same formula, another town and other figures: a different event.
OTHER_TOWN = (
    WIRE.replace("Velykopil", "Marenivka").replace("12", "7").replace("30", "19").replace("400", "250")
)


@pytest.mark.parametrize(
    ("title", "source", "expected"),
    [
        ("UPDATE 2-Shelling kills 12 in Velykopil", "", "Shelling kills 12 in Velykopil"),
        ("WATCH: Shelling kills 12 in Velykopil", "", "Shelling kills 12 in Velykopil"),
        ("BREAKING: Shelling kills 12 - Harbor Post", "Harbor Post", "Shelling kills 12"),
        ("Shelling kills 12 | Harbor Post News", "", "Shelling kills 12"),
        ("Shelling kills 12 — Eastline Daily", "Eastline Daily", "Shelling kills 12"),
        (
            "Troops mass near border - what we know so far",
            "",
            "Troops mass near border - what we know so far",
        ),
    ],
)
def test_clean_title_strips_outlet_wrapping(title: str, source: str, expected: str) -> None:
    assert clean_title(title, source) == expected


@pytest.mark.parametrize(
    "wrapped",
    [
        "VELYKOPIL (Harbor Post) — Artillery fire struck the town.",
        "Velykopil, Ukraine (AP) — Artillery fire struck the town.",
        "By Jane Doe\n\nArtillery fire struck the town.\n\nReporting by A B; Editing by C D",
        "Artillery fire struck the town.\n\nThe post Shelling appeared first on Harbor Post.",
        "Artillery fire struck the town.\n\n© 2026 Harbor Post. All rights reserved.",
        "Artillery fire struck the town. Rescuers ar...",
    ],
)
def test_clean_text_strips_datelines_bylines_trailers_and_cut_words(wrapped: str) -> None:
    assert clean_text(wrapped).startswith("Artillery fire struck the town.")
    assert words(clean_text(wrapped))[:5] == ["artillery", "fire", "struck", "the", "town"]
    assert "ar" not in words(clean_text(wrapped))


def test_marks_are_numbers_and_names_inside_sentences() -> None:
    found = marks("Police said 1,200 people marched. The Velykopil mayor Olena Melnyk spoke on Tuesday.")
    assert found == ["1200", "velykopil", "olena", "melnyk", "tuesday"]


def test_signature_sees_a_truncated_copy_inside_the_wire() -> None:
    wire = make_signature("Shelling kills 12", WIRE, T0)
    cut = make_signature("12 dead in Velykopil", WIRE.split("\n\n")[0] + " ...", T0)
    assert cut.size < wire.size
    assert wire.containment(cut) > 0.6
    assert cut.marks <= wire.marks


def test_signature_survives_encoding() -> None:
    sig = make_signature("t", WIRE, T0)
    assert (type(sig).decode_values(sig.encode_values()) == sig.hashvalues).all()
    assert len(sig.bands(ShingleParams())) == 64


@pytest.mark.parametrize(
    ("title", "text", "published", "reason"),
    [
        ("Shelling kills 12 in Velykopil - Harbor Post", "VELYKOPIL (Harbor Post) — " + WIRE, T0, None),
        ("12 dead after strikes hit Velykopil", WIRE.split("\n\n")[0], T0 + timedelta(minutes=40), None),
        ("Shelling kills 12", WIRE.replace("killing", "leaving dead"), T0, None),
        ("Shelling kills 7 in Marenivka", OTHER_TOWN, T0 + timedelta(hours=2), "marks"),
        ("Shelling kills 12 in Velykopil", WIRE, T0 + timedelta(hours=30), "time"),
        ("Grain shipments resume", "Ukraine loaded three vessels with wheat on Thursday.", T0, "text"),
    ],
)
def test_decision_rules(title: str, text: str, published: datetime, reason: str | None) -> None:
    wire = make_signature("Shelling kills 12 in Velykopil", WIRE, T0)
    assert compare(make_signature(title, text, published), wire, DecideParams()).reason == reason


def _group(items: list[StoryItem]) -> list[str]:
    assigner = StoryAssigner(MemoryStore())
    return [asyncio.run(assigner.assign(i)).story_id for i in items]


def test_copies_join_and_look_alike_events_do_not() -> None:
    items = [
        StoryItem("w", "Meridian Wire", "Shelling kills 12 in Velykopil", WIRE, T0),
        StoryItem(
            "c1", "Harbor Post", "UPDATE 1-Velykopil shelled", WIRE.split("\n\n")[0], T0 + timedelta(hours=1)
        ),
        StoryItem("o", "Meridian Wire", "Shelling kills 7 in Marenivka", OTHER_TOWN, T0 + timedelta(hours=2)),
        StoryItem("d", "Meridian Wire", "Shelling kills 12 in Velykopil", WIRE, T0 + timedelta(days=2)),
    ]
    assert _group(items) == ["s-w", "s-w", "s-o", "s-d"]


def test_join_keeps_first_title_distinct_sources_newest_copies_and_peak() -> None:
    a = StoryItem("a", "Wire", "First title", WIRE, T0, score=20)
    b = StoryItem("b", "Post", "Other title", WIRE, T0 + timedelta(hours=1), score=55)
    c = StoryItem("c", "Wire", "Third", WIRE, T0 - timedelta(minutes=5), score=10)
    record = join(join(join(None, a, "s-a"), b, "s-a"), c, "s-a")
    assert (record.title, record.first_article, record.count) == ("First title", "a", 3)
    assert record.sources == ["Wire", "Post"]
    assert [c.id for c in record.copies] == ["b", "a", "c"]
    assert (record.first_seen, record.last_seen, record.peak_score) == (c.published, b.published, 55)


def test_same_article_twice_gets_the_same_story_and_counts_once() -> None:
    store = MemoryStore()
    assigner = StoryAssigner(store)
    item = StoryItem("w", "Wire", "Shelling kills 12", WIRE, T0)
    first = asyncio.run(assigner.assign(item))
    again = asyncio.run(assigner.assign(item))
    assert first == again and first.is_first
    assert store.stories["s-w"].count == 1
