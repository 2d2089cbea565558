"""Named entities of a parsed document, canonicalised and counted once per article.

Each entity span is resolved in the gazetteer; a known name takes the gazetteer's canonical name,
label and country ("Kiev" → Kyiv / GPE / UA; "Russian" → Russia / GPE / RU, a nationality naming its
country), so that spellings, nationalities and the model's label mistakes do not split one real thing
into several entities. An ambiguous (``model_only``) name is taken only when the
model's label fits it: "Victoria" as a GPE is the city, as a PERSON a person
(:meth:`Gazetteer.resolve`). Unknown names keep the model's label, and their canonical form is the
text without a leading "the" or a trailing possessive.

Mentions are then merged by (canonical, label): ``text`` is the first mention's surface form, ``forms``
every distinct surface form (so highlights and filters still find "Russian" in a Russia entity) and
``count`` the number of mentions. The label stays in the key because unknown names may share a
canonical name and not be one thing ("Washington" the person and the city). Numeric labels (dates,
money, quantities...) are left out: no watchlist asks for "Monday".
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc

from newswatch_enrich.gazetteer import Gazetteer, plain_name
from newswatch_shared.schemas import Entity

__all__ = ["NAME_LABELS", "extract_entities"]

#: Labels of the OntoNotes scheme that name things; the rest (DATE, MONEY, CARDINAL...) are dropped.
NAME_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)


def extract_entities(doc: Doc, gazetteer: Gazetteer, labels: Iterable[str] = NAME_LABELS) -> list[Entity]:
    """Entities of ``doc``, most mentioned first (ties in order of first mention)."""
    wanted = frozenset(labels)
    merged: dict[tuple[str, str], Entity] = {}
    for span in doc.ents:
        text = " ".join(span.text.split())
        place = gazetteer.resolve(text, span.label_)
        if place is not None:
            canonical, label, country = place
        else:
            canonical, label, country = plain_name(text), span.label_, None
        if label not in wanted or not canonical:
            continue
        key = (canonical, label)
        seen = merged.get(key)
        if seen is None:
            merged[key] = Entity(
                text=text,
                label=label,
                canonical=canonical,
                country=country,
                country_name=gazetteer.country_names.get(country) if country else None,
                forms=[text],
            )
        else:
            forms = seen.forms if text in seen.forms else [*seen.forms, text]
            merged[key] = seen.model_copy(update={"count": seen.count + 1, "forms": forms})
    order = {key: i for i, key in enumerate(merged)}
    return sorted(merged.values(), key=lambda e: (-e.count, order[(e.canonical, e.label)]))
