"""Finding escalation language: taxonomy terms matched in a parsed document.

Rules, in the order they apply:

1. Each phrase of a term (its name and variants) becomes two token patterns of spaCy's Matcher: one on
   the lower-case text and one on the lower-case lemma. So "invade" matches invades/invaded/invading,
   "soldier" matches soldiers, and an inflected variant ("troops") still matches its own form.
   The lemma is lower-cased because the tagger calls headline words proper nouns, whose lemma keeps
   its capital ("Invasion").
2. A match inside one of the term's ``exclude`` phrases is a false friend and is dropped
   ("scout troop", "invasion of privacy").
3. Overlapping matches keep the longest (then the earliest): "troop build-up" is one military-buildup
   match, not also "troops"; "withdraw troops" is a withdrawal.
4. A match is negated when a negation cue ends within ``window`` tokens before it, in the same sentence
   and clause: punctuation and clause words ("as", "but", "and"...) stop the look-back. So "no plans to
   invade" and "denied it would send troops" are negated, "rules out talks as troops gather" is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from newswatch_enrich.taxonomy import Taxonomy, Term
from newswatch_shared.schemas import EscalationMatch

__all__ = ["LEMMA_ATTR", "EscalationMatcher", "find_escalation"]

#: Custom token attribute: the lemma in lower case (the text, when a pipeline has no lemmatizer).
LEMMA_ATTR = "nw_lemma_lower"


def _lemma_lower(token: Token) -> str:
    return (token.lemma_ or token.text).lower()


def _register_extension() -> None:
    if not Token.has_extension(LEMMA_ATTR):
        Token.set_extension(LEMMA_ATTR, getter=_lemma_lower)


def _forms(token: Token) -> tuple[str, str]:
    return token.lower_, _lemma_lower(token)


class EscalationMatcher:
    """A taxonomy compiled for one pipeline (its tokenizer and vocabulary). Build once, call per document."""

    def __init__(self, taxonomy: Taxonomy, nlp: Language) -> None:
        _register_extension()
        self.taxonomy = taxonomy
        self._terms: dict[str, Term] = {}
        self._matcher = Matcher(nlp.vocab)
        self._excludes = Matcher(nlp.vocab)
        for term in taxonomy.terms:
            key = term.term
            self._terms[key] = term
            self._matcher.add(key, _patterns(term.phrases, nlp))
            if term.exclude:
                self._excludes.add(key, _patterns(term.exclude, nlp))
        self._cues = [tuple(cue.lower().split()) for cue in taxonomy.negation.cues]
        self._window = taxonomy.negation.window
        self._boundaries = frozenset(b.lower() for b in taxonomy.negation.boundaries)

    def __call__(self, doc: Doc) -> list[EscalationMatch]:
        strings = doc.vocab.strings
        excluded: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in self._excludes(doc) if len(self._excludes) else ():
            excluded.setdefault(strings[match_id], []).append((start, end))
        spans: list[Span] = []
        for match_id, start, end in self._matcher(doc):
            key = strings[match_id]
            if any(start < e_end and s < end for s, e_end in excluded.get(key, ())):
                continue
            spans.append(Span(doc, start, end, label=key))
        has_sents = doc.has_annotation("SENT_START")
        matches: list[EscalationMatch] = []
        for span in sorted(filter_spans(spans), key=lambda s: s.start):
            term = self._terms[span.label_]
            matches.append(
                EscalationMatch(
                    term=term.term,
                    category=term.category,
                    weight=term.weight,
                    text=span.text,
                    start=span.start_char,
                    end=span.end_char,
                    sentence=span.sent.text.strip() if has_sents else "",
                    negated=self._negated(doc, span, has_sents),
                )
            )
        return matches

    def _negated(self, doc: Doc, span: Span, has_sents: bool) -> bool:
        floor = span.sent.start if has_sents else 0
        window: list[Token] = []
        for i in range(span.start - 1, max(floor, span.start - self._window) - 1, -1):
            if doc[i].is_punct or doc[i].lower_ in self._boundaries:
                break
            window.append(doc[i])
        window.reverse()
        forms = [_forms(t) for t in window]
        for cue in self._cues:
            for i in range(len(forms) - len(cue) + 1):
                if all(word in forms[i + j] for j, word in enumerate(cue)):
                    return True
        return False


def _patterns(phrases: Iterable[str], nlp: Language) -> list[list[dict[str, Any]]]:
    """Two token patterns per phrase (lower-case text, lower-case lemma), tokenised as documents are,
    so "build-up" matches as build / - / up."""
    patterns: list[list[dict[str, Any]]] = []
    for phrase in phrases:
        words = [t.lower_ for t in nlp.make_doc(phrase) if not t.is_space]
        patterns.append([{"LOWER": w} for w in words])
        patterns.append([{"_": {LEMMA_ATTR: w}} for w in words])
    return patterns


def find_escalation(doc: Doc, matcher: EscalationMatcher) -> list[EscalationMatch]:
    """Escalation matches in ``doc``, in text order (see the module docs for the rules)."""
    return matcher(doc)
