"""Language: declared by the entry, else by the feed, else detected; short text is never guessed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswatch_ingest.language import detect_language, normalize_tag
from newswatch_ingest.normalize import FeedContext, normalize_entry
from newswatch_ingest.parse import ParsedEntry, TextPart, parse_feed

FETCHED = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
FEED = "https://desk.example.org/feed.xml"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Troops moved closer to the northern border overnight while negotiators met again.", "en"),
        ("Les négociations ont repris mardi soir dans la capitale, sans accord sur la trêve.", "fr"),
        ("Die Regierung kündigte am Montag neue Sanktionen gegen mehrere Reedereien an.", "de"),
        ("Министерство обороны сообщило о переброске дополнительных подразделений к границе.", "ru"),
        ("Уряд оголосив про нові заходи безпеки в прикордонних районах країни.", "uk"),
        ("أعلنت الحكومة عن إجراءات أمنية جديدة على طول الحدود الشمالية للبلاد.", "ar"),
        ("政府周一宣布对边境地区实施新的安全措施并加强巡逻", "zh"),
        ("הממשלה הודיעה על צעדי ביטחון חדשים לאורך הגבול הצפוני", "he"),  # CLD2 says "iw"
    ],
)
def test_detects_common_languages(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text",
    ["", "Ceasefire holds", "12:00 GMT — 14:30 GMT", "https://a.example/b?c=d", "\ud800" * 50],
)
def test_short_or_letterless_text_is_not_guessed(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("tag", "normal"), [("en_GB", "en-gb"), (" FR ", "fr"), ("", None), (None, None), ("zh-Hant", "zh-hant")]
)
def test_normalize_tag(tag: str | None, normal: str | None) -> None:
    assert normalize_tag(tag) == normal


def _entry(text: str, language: str | None = None) -> ParsedEntry:
    return ParsedEntry(link="https://desk.example.org/a", title=TextPart(value=text), language=language)


SPANISH = "El ministerio de defensa confirmó el despliegue de nuevas unidades en la frontera sur."


def test_declared_entry_language_wins() -> None:
    ctx = FeedContext(id="f", url=FEED, language="en")
    article = normalize_entry(_entry(SPANISH, "es-mx"), ctx, FETCHED)
    assert (article.language, article.language_detected) == ("es-mx", False)


def test_feed_language_comes_next() -> None:
    ctx = FeedContext(id="f", url=FEED, language="en")
    assert normalize_entry(_entry(SPANISH), ctx, FETCHED).language == "en"  # declared, not second-guessed


def test_detected_when_nothing_is_declared() -> None:
    ctx = FeedContext(id="f", url=FEED)
    article = normalize_entry(_entry(SPANISH), ctx, FETCHED)
    assert (article.language, article.language_detected) == ("es", True)
    unknown = normalize_entry(_entry("Short title"), ctx, FETCHED)
    assert (unknown.language, unknown.language_detected) == (None, False)


def test_atom_entry_xml_lang_is_the_entry_language() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Two Desks</title><id>urn:two-desks</id><updated>2024-05-14T08:00:00Z</updated>
  <entry xml:lang="de"><id>urn:1</id><title>Grenze bleibt geschlossen</title>
    <link href="https://two.example.org/1"/><updated>2024-05-14T08:00:00Z</updated></entry>
  <entry><id>urn:2</id><title>Border stays closed</title>
    <link href="https://two.example.org/2"/><updated>2024-05-14T08:00:00Z</updated></entry>
</feed>"""
    feed = parse_feed(body, "https://two.example.org/atom.xml")
    assert [e.language for e in feed.entries] == ["de", "en"]
