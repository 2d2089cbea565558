"""Finding escalation language: taxonomy terms matched in a parsed document.

Rules, in the order they apply:

1. Each phrase of a term (its name and variants) is matched word by word, each word against a token's
   lower-case text or lower-case lemma (:mod:`newswatch_enrich.phrases`). So "invade" matches
   invades/invaded/invading, "soldier" matches soldiers, "impose sanction" matches "imposed sanctions",
   and an inflected variant ("troops") still matches its own form.
   Headline words the tagger calls proper nouns are re-lemmatised (:mod:`newswatch_enrich.lemmas`), so
   "Russia Invades Ukraine" and "EU Sanctions Banks" match too. Inside a phrase, ``the`` matches any
   article or possessive or none ("violate the ceasefire": "violated a ceasefire", "violate its
   ceasefire"), and ``...`` up to three words that are not punctuation ("expel ... diplomat":
   "expelled 20 Russian diplomats").
2. A match inside one of the term's ``exclude`` phrases is a false friend and is dropped
   ("scout troop", "invasion of privacy", "sanctioned by the league").
3. Overlapping matches keep the longest (then the earliest): "troop build-up" is one military-buildup
   match, not also "troops"; "withdraw troops" is a withdrawal; "lift sanctions" is sanctions relief.
   The terms of the shorter matches inside it are kept in ``also`` (unscored), so a watchlist on
   ``troops`` still finds a troop build-up.
4. Negation and hedging (:mod:`newswatch_enrich.escalation_cues`) set ``negated`` and ``hedged``, and
   the match's ``weight`` is the term's weight times the taxonomy's ``negated_factor`` (negated) or
   ``hedged_factor`` (hedged only): "no plans to invade" weighs a quarter of "invaded".
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from newswatch_enrich.escalation_cues import Qualifier, token_forms
from newswatch_enrich.lemmas import register_pipeline
from newswatch_enrich.phrases import PhraseIndex
from newswatch_enrich.taxonomy import Taxonomy, Term
from newswatch_shared.schemas import EscalationMatch

__all__ = ["EscalationMatcher", "find_escalation"]


class EscalationMatcher:
    """A taxonomy compiled for one pipeline (its tokenizer and lemmatizer). Build once, call per document."""

    def __init__(self, taxonomy: Taxonomy, nlp: Language) -> None:
        register_pipeline(nlp)
        self.taxonomy = taxonomy
        self._terms: dict[str, Term] = {t.term: t for t in taxonomy.terms}

        def tokenize(phrase: str) -> list[str]:
            return [t.lower_ for t in nlp.make_doc(phrase) if not t.is_space]

        self._phrases = PhraseIndex(tokenize)
        self._excludes = PhraseIndex(tokenize)
        for term in taxonomy.terms:
            self._phrases.add(term.term, term.phrases)
            self._excludes.add(term.term, term.exclude)
        self._qualifier = Qualifier(taxonomy.negation, taxonomy.hedging)
        self._negated_factor = taxonomy.scoring.negated_factor
        self._hedged_factor = taxonomy.scoring.hedged_factor

    def __call__(self, doc: Doc) -> list[EscalationMatch]:
        forms = [token_forms(t) for t in doc]
        breaks = [t.is_punct or t.is_space for t in doc]
        excluded: dict[str, list[tuple[int, int]]] = {}
        for key, start, end in self._excludes.find(forms, breaks):
            excluded.setdefault(key, []).append((start, end))
        spans = [
            Span(doc, start, end, label=key)
            for key, start, end in self._phrases.find(forms, breaks)
            if not any(start < e_end and e_start < end for e_start, e_end in excluded.get(key, ()))
        ]
        has_sents = doc.has_annotation("SENT_START")
        matches: list[EscalationMatch] = []
        for span in sorted(filter_spans(spans), key=lambda s: s.start):
            term = self._terms[span.label_]
            inner = {self._terms[s.label_].term for s in spans if span.start <= s.start and s.end <= span.end}
            negated, hedged = self._qualifier.qualify(doc, span, has_sents, forms)
            factor = self._negated_factor if negated else self._hedged_factor if hedged else 1.0
            matches.append(
                EscalationMatch(
                    term=term.term,
                    category=term.category,
                    weight=round(term.weight * factor, 4),
                    text=span.text,
                    start=span.start_char,
                    end=span.end_char,
                    sentence=span.sent.text.strip() if has_sents else "",
                    negated=negated,
                    hedged=hedged,
                    also=sorted(inner - {term.term}),
                )
            )
        return matches


def find_escalation(doc: Doc, matcher: EscalationMatcher) -> list[EscalationMatch]:
    """Escalation matches in ``doc``, in text order (see the module docs for the rules)."""
    return matcher(doc)
