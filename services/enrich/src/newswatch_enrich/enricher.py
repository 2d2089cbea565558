"""The Enricher: one code path from text to entities, escalation matches and score.

Kafka batches (:meth:`Enricher.enrich`) and ``POST /tag`` (:meth:`Enricher.tag`) both go through
``_tag_many``, so what the API shows for a text is exactly what the pipeline publishes for it.

Text that is declared to be in another language than English keeps its language and gets no entities,
no matches and score 0: the English model would only produce noise on it. Text without a declared
language is treated as English, since most feeds we watch do not declare one.

spaCy pipelines are not documented as thread-safe, and callers run the Enricher in worker threads (so
the event loop keeps answering /health), so one lock serialises the use of the pipeline.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from importlib import metadata

from pydantic import BaseModel, ConfigDict, Field
from spacy.language import Language
from spacy.tokens import Doc

from newswatch_enrich.entities import NAME_LABELS, extract_entities
from newswatch_enrich.escalation import EscalationMatcher
from newswatch_enrich.gazetteer import Gazetteer
from newswatch_enrich.nlp import pipeline_name
from newswatch_enrich.score import score_matches
from newswatch_enrich.taxonomy import Taxonomy
from newswatch_shared.schemas import (
    Contribution,
    EnrichedArticle,
    Entity,
    EscalationMatch,
    RawArticle,
    utcnow,
)

__all__ = ["Enricher", "TagResult", "is_english"]

_ENGLISH = frozenset({"en", "eng", "english"})


def is_english(language: str | None) -> bool:
    """True for None/blank and for English tags in any region or spelling ("en", "en-GB", "EN_us")."""
    if language is None or not language.strip():
        return True
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] in _ENGLISH


class TagResult(BaseModel):
    """What enrichment found in one text; the body of ``POST /tag``."""

    model_config = ConfigDict(frozen=True)

    language: str | None = Field(default=None, description="The language as given (None: assumed English).")
    score: float = Field(default=0.0, ge=0, le=100, description="Escalation score, 0-100.")
    entities: list[Entity] = Field(default_factory=list)
    escalation: list[EscalationMatch] = Field(
        default_factory=list, description="Matches in text order; start/end are character offsets."
    )
    contributions: list[Contribution] = Field(
        default_factory=list, description="Points per matched term, heaviest first; they sum to the score."
    )


def _package_version() -> str:
    try:
        return metadata.version("newswatch-enrich")
    except metadata.PackageNotFoundError:
        return "0"


class Enricher:
    """Holds the pipeline and the compiled taxonomy; build once at start-up."""

    def __init__(
        self,
        nlp: Language,
        taxonomy: Taxonomy,
        gazetteer: Gazetteer,
        *,
        batch_size: int = 32,
        max_chars: int = 100_000,
        entity_labels: Iterable[str] = NAME_LABELS,
    ) -> None:
        self.nlp = nlp
        self.taxonomy = taxonomy
        self.gazetteer = gazetteer
        self.batch_size = batch_size
        self.max_chars = max_chars
        self.entity_labels = frozenset(entity_labels)
        self.matcher = EscalationMatcher(taxonomy, nlp)
        #: Written into every EnrichedArticle, to trace a change in results to what caused it.
        self.name = (
            f"newswatch-enrich/{_package_version()} {pipeline_name(nlp)} "
            f"taxonomy/{taxonomy.version} gazetteer/{gazetteer.version}"
        )
        self._lock = threading.Lock()

    def tag(self, text: str, language: str | None = None) -> TagResult:
        """Entities, escalation matches and score of one text."""
        return self._tag_many([(text, language)])[0]

    def enrich(self, articles: Sequence[RawArticle], now: datetime | None = None) -> list[EnrichedArticle]:
        """Enrich a batch in one ``nlp.pipe`` pass; the output is in input order."""
        results = self._tag_many([(a.text, a.language) for a in articles])
        enriched_at = now or utcnow()
        return [
            EnrichedArticle(
                article=article,
                language=result.language,
                entities=result.entities,
                escalation=result.escalation,
                score=result.score,
                contributions=result.contributions,
                enriched_at=enriched_at,
                enricher=self.name,
            )
            for article, result in zip(articles, results, strict=True)
        ]

    def _tag_many(self, items: Sequence[tuple[str, str | None]]) -> list[TagResult]:
        results = [TagResult(language=language) for _, language in items]
        english = [i for i, (_, language) in enumerate(items) if is_english(language)]
        if not english:
            return results
        texts = (items[i][0][: self.max_chars] for i in english)
        with self._lock:
            docs = list(self.nlp.pipe(texts, batch_size=self.batch_size))
            # one call for the batch: the concept rules parse their sentences of all documents together
            found = self.matcher.match_many(docs)
            for i, doc, matches in zip(english, docs, found, strict=True):
                results[i] = self._analyse(doc, matches, items[i][1])
        return results

    def _analyse(self, doc: Doc, matches: list[EscalationMatch], language: str | None) -> TagResult:
        scored = score_matches(matches, self.taxonomy.scoring)
        return TagResult(
            language=language,
            score=scored.score,
            entities=extract_entities(doc, self.gazetteer, self.entity_labels),
            escalation=matches,
            contributions=scored.contributions,
        )
