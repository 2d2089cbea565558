"""Where to highlight escalation terms and entities in an article's title, summary and content.

Pure. Escalation matches come from enrich with character offsets into ``RawArticle.text`` (title,
summary and content joined by blank lines, a part left out when an earlier one already contains
it); they are mapped back onto each field. A field left out of that text (a summary repeating the
title) gets its terms by searching the matched words instead. Entities carry no offsets (enrich
de-duplicates them with a count), so their mentions are found as whole words, case-insensitively,
by their text and canonical name. Terms win over entities where they overlap; spans never overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newswatch_shared.schemas import EnrichedArticle, RawArticle

__all__ = ["FIELDS", "Span", "field_offsets", "highlights"]

FIELDS = ("title", "summary", "content")
_MAX_SPANS = 300


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # "term" | "entity"
    label: str  # canonical term or entity name
    category: str | None = None  # term category, or entity label (GPE, ORG, …)
    negated: bool = False
    hedged: bool = False


def field_offsets(raw: RawArticle) -> dict[str, int]:
    """Offset of each field within ``raw.text``, for the fields that text includes.

    Mirrors ``RawArticle.text``: parts joined by a blank line, a part skipped when empty or when an
    earlier part already contains it.
    """
    offsets: dict[str, int] = {}
    parts: list[str] = []
    position = 0
    for name in FIELDS:
        part: str = getattr(raw, name)
        if part and not any(part in seen for seen in parts):
            if parts:
                position += 2  # the "\n\n" separator
            offsets[name] = position
            parts.append(part)
            position += len(part)
    return offsets


def _word_spans(text: str, needle: str) -> list[tuple[int, int]]:
    if not needle.strip():
        return []
    pattern = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


class _Layer:
    """The spans of one field, refusing overlaps (first come, first kept)."""

    def __init__(self) -> None:
        self.spans: list[Span] = []

    def add(self, span: Span) -> None:
        if len(self.spans) < _MAX_SPANS and all(
            span.end <= s.start or span.start >= s.end for s in self.spans
        ):
            self.spans.append(span)


def _term_places(enriched: EnrichedArticle, name: str, offsets: dict[str, int]) -> list[tuple[int, int, int]]:
    """(start, end, index of the escalation match) for each term occurrence inside field ``name``."""
    raw = enriched.article
    text = raw.text
    value: str = getattr(raw, name)
    base = offsets.get(name)
    places: list[tuple[int, int, int]] = []
    for i, m in enumerate(enriched.escalation):
        if base is not None and text[m.start : m.end] == m.text:
            if base <= m.start and m.end <= base + len(value):
                places.append((m.start - base, m.end - base, i))
        elif m.text:  # the field is not in the text enrich read, or the offsets are off: search
            places += [(s, e, i) for s, e in _word_spans(value, m.text)]
    return places


def highlights(enriched: EnrichedArticle, fields: tuple[str, ...] = FIELDS) -> dict[str, list[Span]]:
    """Non-overlapping spans per field, sorted by start."""
    raw = enriched.article
    offsets = field_offsets(raw)
    out: dict[str, list[Span]] = {}
    for name in fields:
        layer = _Layer()
        for start, end, i in _term_places(enriched, name, offsets):
            m = enriched.escalation[i]
            layer.add(Span(start, end, "term", m.term, m.category, negated=m.negated, hedged=m.hedged))
        value: str = getattr(raw, name)
        for entity in enriched.entities:
            for needle in dict.fromkeys((entity.text, *entity.forms, entity.canonical)):
                for start, end in _word_spans(value, needle):
                    layer.add(Span(start, end, "entity", entity.canonical, entity.label))
        out[name] = sorted(layer.spans, key=lambda s: s.start)
    return out
