"""Highlight spans: enrich's offsets mapped onto each field, entity mentions found by name (pure)."""

from __future__ import annotations

from newswatch_alert.live.highlight import field_offsets, highlights
from tests.unit.alert.feed_samples import article


def marked(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[s:e] for s, e in spans]


def test_terms_use_enrich_offsets_and_entities_are_found_by_name() -> None:
    a = article(
        "h1",
        title="Troops move toward Kyiv",
        summary="In kyiv, officials expect sanctions soon.",
        content="More troops were seen near Kyiv.",
        entities=[("Kyiv", "GPE", "Kyiv", "UA")],
        terms=[("troops", "military", "Troops"), ("sanctions", "economic", "sanctions")],
    )
    found = highlights(a)
    title = found["title"]
    assert marked(a.article.title, [(s.start, s.end) for s in title]) == ["Troops", "Kyiv"]
    assert [s.kind for s in title] == ["term", "entity"]
    assert title[0].label == "troops" and title[0].category == "military"
    assert title[1].label == "Kyiv" and title[1].category == "GPE"
    summary = found["summary"]
    assert marked(a.article.summary, [(s.start, s.end) for s in summary]) == ["kyiv", "sanctions"]
    # Enrich gave offsets only for the first "troops" (in the title): content shows the entity only.
    assert [s.kind for s in found["content"]] == ["entity"]


def test_a_summary_repeating_the_title_is_searched_instead_of_offset() -> None:
    a = article(
        "h2",
        title="Sanctions widen",
        summary="Sanctions widen",  # left out of RawArticle.text: no offsets point into it
        terms=[("sanctions", "economic", "Sanctions")],
    )
    assert "summary" not in field_offsets(a.article)
    found = highlights(a, ("title", "summary"))
    assert [(s.start, s.end) for s in found["title"]] == [(0, 9)]
    assert [(s.start, s.end) for s in found["summary"]] == [(0, 9)]


def test_spans_never_overlap_and_terms_win() -> None:
    a = article(
        "h3",
        title="Nord Stream 2 sanctions talk",
        entities=[("Nord Stream 2", "FAC", "Nord Stream 2", None), ("Stream", "ORG", "Stream", None)],
        terms=[("nord stream 2", "energy", "Nord Stream 2")],
    )
    spans = highlights(a)["title"]
    assert [(s.start, s.end, s.kind) for s in spans] == [(0, 13, "term")]


def test_field_offsets_mirror_the_text_enrich_reads() -> None:
    a = article("h4", title="One", summary="Two", content="Three")
    offsets = field_offsets(a.article)
    text = a.article.text
    assert {name: text[o : o + len(getattr(a.article, name))] for name, o in offsets.items()} == {
        "title": "One",
        "summary": "Two",
        "content": "Three",
    }
