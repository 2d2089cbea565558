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
4. Each match carries ``concepts``: its term, then every broader concept of the taxonomy's concept
   scheme, nearest first ("energy embargo", "embargo", "sanctions"), so a watchlist on a concept hears
   of everything narrower. Only ``term`` is scored: broader concepts add nothing to the score.
5. Concepts said without a word of the taxonomy (:mod:`newswatch_enrich.concept_rules`): in sentences
   where a rule could hold, the dependency parse finds e.g. "armies rolled into Czechoslovakia"
   (troops, invasion) or "froze the fortunes of" (asset freeze); a sentence naming the Baltic gas
   link to Germany gives Nord Stream 2. Such a match is added only when no match of the sentence
   already names its concept (the rules fill gaps, they do not count a concept twice), and a
   taxonomy match the parse shows in its other sense ("sanctioned the festival") is dropped.
6. Negation and hedging (:mod:`newswatch_enrich.escalation_cues`) set ``negated`` and ``hedged``, and
   the match's ``weight`` is the term's weight times the taxonomy's ``negated_factor`` (negated) or
   ``hedged_factor`` (hedged only): "no plans to invade" weighs a quarter of "invaded".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from newswatch_enrich.concept_rules import (
    RULES,
    SENSE_FILTERS,
    Rule,
    apply_rules,
    nord_stream_spans,
    other_sense,
    worth_parsing,
)
from newswatch_enrich.escalation_cues import Qualifier, token_forms
from newswatch_enrich.lemmas import register_pipeline
from newswatch_enrich.phrases import PhraseIndex
from newswatch_enrich.taxonomy import Taxonomy, Term
from newswatch_shared.schemas import EscalationMatch

__all__ = ["EscalationMatcher", "find_escalation"]


@dataclass
class _Pending:
    """One document between its phrase matches and its concept rules."""

    doc: Doc
    forms: list[tuple[str, str]]
    has_sents: bool
    kept: list[Span]
    inner: dict[tuple[int, int], list[str]]
    banned: list[tuple[int, int]]
    added: list[Span] = field(default_factory=list)
    named: dict[int, set[str]] = field(default_factory=dict)


class EscalationMatcher:
    """A taxonomy compiled for one pipeline (its tokenizer and lemmatizer). Build once, call per document."""

    def __init__(self, taxonomy: Taxonomy, nlp: Language, *, concept_rules: bool = True) -> None:
        """``concept_rules=False`` matches the taxonomy's phrases only (to measure what the rules add)."""
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
        scheme = taxonomy.scheme()
        #: term → its concept and every broader one, nearest first; computed once, read per match
        self._concepts: dict[str, list[str]] = {
            t.term: list(scheme.broader_chain(t.term)) for t in taxonomy.terms
        }
        #: how many sentences the concept rules have had parsed (benchmarks report it)
        self.sentences_parsed = 0
        #: the parser, when the pipeline has one: run only on sentences a concept rule may need
        self._parser: Any = (
            nlp.get_pipe("parser") if concept_rules and "parser" in nlp.component_names else None
        )
        self._negated_factor = taxonomy.scoring.negated_factor
        self._hedged_factor = taxonomy.scoring.hedged_factor

    def __call__(self, doc: Doc) -> list[EscalationMatch]:
        return self.match_many([doc])[0]

    def match_many(self, docs: Sequence[Doc]) -> list[list[EscalationMatch]]:
        """Matches of each document, in text order; the sentences the concept rules need are parsed in
        one pass over all of them (a parser call per document of two or three sentences cost twice
        as much)."""
        pending = [self._phrase_matches(doc) for doc in docs]
        if self._parser is not None:
            plans = [self._plan(p) if p.has_sents else [] for p in pending]
            subdocs = [sent.as_doc() for plan in plans for sent, _ in plan]
            self.sentences_parsed += len(subdocs)
            parsed = iter(self._parse(subdocs))
            for p, plan in zip(pending, plans, strict=True):
                if p.has_sents:
                    self._apply_rules(p, [(sent, rules, next(parsed)) for sent, rules in plan])
        return [
            [
                self._match(p.doc, span, p.forms, p.has_sents, p.inner.get((span.start, span.end), []))
                for span in p.kept
            ]
            for p in pending
        ]

    def _parse(self, subdocs: list[Doc]) -> list[Doc]:
        if not subdocs or subdocs[0].has_annotation("DEP"):  # a pipeline that keeps its parser
            return subdocs
        return list(self._parser.pipe(subdocs, batch_size=64))

    def _phrase_matches(self, doc: Doc) -> _Pending:
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
        kept = filter_spans(spans)
        inner = {
            (k.start, k.end): sorted(
                {s.label_ for s in spans if k.start <= s.start and s.end <= k.end} - {k.label_}
            )
            for k in kept
        }
        # a word inside any false friend ("a troop of monkeys raided") is no evidence for a rule either
        banned = [r for regions in excluded.values() for r in regions]
        return _Pending(doc, forms, doc.has_annotation("SENT_START"), kept, inner, banned)

    def _match(
        self, doc: Doc, span: Span, forms: Sequence[tuple[str, str]], has_sents: bool, also: list[str]
    ) -> EscalationMatch:
        term = self._terms[span.label_]
        negated, hedged = self._qualifier.qualify(doc, span, has_sents, forms)
        factor = self._negated_factor if negated else self._hedged_factor if hedged else 1.0
        return EscalationMatch(
            term=term.term,
            concepts=list(self._concepts[term.term]),
            category=term.category,
            weight=round(term.weight * factor, 4),
            text=span.text,
            start=span.start_char,
            end=span.end_char,
            sentence=span.sent.text.strip() if has_sents else "",
            negated=negated,
            hedged=hedged,
            also=also,
        )

    def _plan(self, p: _Pending) -> list[tuple[Span, list[Rule]]]:
        """The sentences to parse, with the rules to try there; Nord Stream 2 needs no parse.

        A sentence is parsed only when a rule whose concept its matches do not already name could
        hold there, or a sense filter applies to one of its matches: most sentences of an article about
        a crisis name their concepts in words, and the parse costs as much as the tagger."""
        p.named = self._named(p.kept, p.inner)
        plan: list[tuple[Span, list[Rule]]] = []
        for sent in p.doc.sents:
            said = p.named.get(sent.start, set())
            words = p.forms[sent.start : sent.end]
            if "Nord Stream 2" not in said:
                p.added += [
                    Span(p.doc, sent.start + a, sent.start + b, label="Nord Stream 2")
                    for a, b in nord_stream_spans(words)
                ]
            rules = [r for r in RULES if r.concept not in said and r.concept in self._terms]
            filters = [f for f in SENSE_FILTERS if f.term in said]
            lemmas = {f[1] for f in words}
            if worth_parsing(lemmas, {t.ent_type_ for t in sent if t.ent_type_}, rules, filters):
                plan.append((sent, rules))
        return plan

    def _apply_rules(self, p: _Pending, parsed: list[tuple[Span, list[Rule], Doc]]) -> None:
        """Drop the other-sense matches, add the rules' matches where their concept is not yet named."""
        dropped: set[tuple[int, int]] = set()
        for sent, rules, sub in parsed:
            for span in p.kept:
                if sent.start <= span.start < sent.end and other_sense(
                    sub, span.start - sent.start, span.end - sent.start, span.label_
                ):
                    dropped.add((span.start, span.end))
            for hit in apply_rules(sub, p.forms, sent.start, rules):
                p.added.append(Span(p.doc, sent.start + hit.start, sent.start + hit.end, label=hit.concept))
        if dropped:
            p.kept = [k for k in p.kept if (k.start, k.end) not in dropped]
            p.named = self._named(p.kept, p.inner)
        for span in p.added:
            if any(span.start < end and start < span.end for start, end in p.banned):
                continue
            said = p.named.setdefault(span.sent.start, set())
            if span.label_ in said:
                continue
            said.update(self._concepts[span.label_])
            p.kept.append(span)
        p.kept.sort(key=lambda s: s.start)

    def _named(self, kept: list[Span], inner: dict[tuple[int, int], list[str]]) -> dict[int, set[str]]:
        """Sentence start → every concept its matches name (with their ``also`` terms)."""
        named: dict[int, set[str]] = {}
        for span in kept:
            terms = [span.label_, *inner.get((span.start, span.end), [])]
            named.setdefault(span.sent.start, set()).update(c for t in terms for c in self._concepts[t])
        return named


def find_escalation(doc: Doc, matcher: EscalationMatcher) -> list[EscalationMatch]:
    """Escalation matches in ``doc``, in text order (see the module docs for the rules)."""
    return matcher(doc)
