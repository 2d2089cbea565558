"""The real pipeline and data, loaded once per test session (loading spaCy takes about a second)."""

from __future__ import annotations

import pytest
from spacy.language import Language

from newswatch_enrich.enricher import Enricher
from newswatch_enrich.escalation import EscalationMatcher
from newswatch_enrich.gazetteer import Gazetteer, load_gazetteer
from newswatch_enrich.nlp import load_pipeline
from newswatch_enrich.settings import EnrichSettings
from newswatch_enrich.taxonomy import Taxonomy, load_taxonomy


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="session")
def nlp(gazetteer: Gazetteer) -> Language:
    return load_pipeline(EnrichSettings.model_fields["enrich_spacy_model"].default, gazetteer)


@pytest.fixture(scope="session")
def matcher(taxonomy: Taxonomy, nlp: Language) -> EscalationMatcher:
    return EscalationMatcher(taxonomy, nlp)


@pytest.fixture(scope="session")
def enricher(nlp: Language, taxonomy: Taxonomy, gazetteer: Gazetteer) -> Enricher:
    return Enricher(nlp, taxonomy, gazetteer)
