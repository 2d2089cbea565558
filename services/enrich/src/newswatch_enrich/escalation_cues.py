"""Negation and hedging around an escalation match: is it denied, or only possible?

A wire story that says "Moscow has no plans to invade" or "an invasion is unlikely" still mentions an
invasion, but does not report one. Both are recorded on the match (``negated``, ``hedged``) and lower
its weight. The rules are a deliberately simple window heuristic, in this order:

1. **The clause.** We look at most ``window`` tokens back and ``after_window`` tokens ahead of the match,
   inside its sentence. Punctuation stops the look-around; a clause word from ``boundaries`` ("but",
   "as", "if"...) stops it too, but is itself looked at, since it opens the match's own clause ("if"
   is a hedging cue).
2. **Cues.** Cue phrases match token by token on lower-case text or lemma ("denied" is "deny",
   "rumours" is "rumour", "n't" is "not"). Before the match, negation cues ("no", "not", "deny", "rule
   out"...) and hedging cues ("may", "unlikely", "rumour of", "reportedly", "if"...) count; after it,
   only the ``after`` predicates do ("... is not", "... was ruled out"; "... is unlikely", "... is
   feared"), which must begin within ``after_window`` tokens.
3. **What does not negate.** Negation cues inside a hedging cue ("refuse to rule out") or inside an
   ``ignore`` phrase ("not only", "no doubt") do not count.
4. **Double negation.** An odd number of negation cues negates; an even number (two or more: "did not
   rule out an invasion", "never denied") leaves the match possible, so it is hedged instead.

A negated match may also be hedged ("may not invade"); the score applies the lower factor (negation).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from spacy.tokens import Doc, Span, Token

from newswatch_enrich.lemmas import lemma_lower
from newswatch_enrich.taxonomy import HedgingRules, NegationRules

__all__ = ["CueSet", "Qualifier", "token_forms"]

Forms = tuple[str, str]


def token_forms(token: Token) -> Forms:
    """The two forms a cue or phrase word may match: lower-case text and lower-case lemma."""
    return token.lower_, lemma_lower(token)


class CueSet:
    """Cue phrases indexed by first word, found left to right, longest first, without overlaps."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            words = tuple(phrase.lower().split())
            if words:
                self._by_first.setdefault(words[0], []).append(words)
        for cues in self._by_first.values():
            cues.sort(key=len, reverse=True)

    def find(self, forms: Sequence[Forms], starts: range | None = None) -> list[tuple[int, int]]:
        """(start, end) of each cue occurrence in ``forms``; with ``starts``, only cues starting there."""
        found: list[tuple[int, int]] = []
        i = 0
        while i < len(forms):
            hit = None
            if starts is None or i in starts:
                hit = self._match_at(forms, i)
            if hit:
                found.append((i, i + hit))
                i += hit
            else:
                i += 1
        return found

    def _match_at(self, forms: Sequence[Forms], i: int) -> int:
        """Length of the longest cue starting at ``i`` (0: none)."""
        best = 0
        for first in dict.fromkeys(forms[i]):
            for cue in self._by_first.get(first, ()):
                fits = i + len(cue) <= len(forms)
                if fits and len(cue) > best and all(w in forms[i + j] for j, w in enumerate(cue)):
                    best = len(cue)
        return best


def _inside(occurrence: tuple[int, int], others: Sequence[tuple[int, int]]) -> bool:
    start, end = occurrence
    return any(s <= start and end <= e for s, e in others)


class Qualifier:
    """Negation and hedging rules compiled once; ``qualify`` runs per match."""

    def __init__(self, negation: NegationRules, hedging: HedgingRules) -> None:
        self.window = negation.window
        self.after_window = negation.after_window
        self._boundaries = frozenset(b.lower() for b in negation.boundaries)
        self._negation = CueSet(negation.cues)
        self._negation_after = CueSet(negation.after)
        self._ignore = CueSet(negation.ignore)
        self._hedging = CueSet(hedging.cues)
        self._hedging_after = CueSet(hedging.after)
        longest = max((len(p.split()) for p in [*negation.after, *hedging.after]), default=1)
        self._after_reach = self.after_window + longest

    def qualify(
        self, doc: Doc, span: Span, has_sents: bool = True, forms: Sequence[Forms] | None = None
    ) -> tuple[bool, bool]:
        """(negated, hedged) for ``span`` in ``doc`` (see the module docs for the rules); ``forms``, the
        :func:`token_forms` of every token of ``doc``, saves recomputing them."""
        if forms is None:
            forms = [token_forms(t) for t in doc]
        before = [forms[i] for i in self._before(doc, span, has_sents)]
        after = [forms[i] for i in self._after(doc, span, has_sents)]
        hedges = self._hedging.find(before)
        shields = [*hedges, *self._ignore.find(before)]
        negations = [o for o in self._negation.find(before) if not _inside(o, shields)]
        early = range(self.after_window)
        negations += self._negation_after.find(after, early)
        hedged = bool(hedges) or bool(self._hedging_after.find(after, early))
        if len(negations) % 2 == 1:
            return True, hedged
        return False, hedged or len(negations) >= 2

    def _before(self, doc: Doc, span: Span, has_sents: bool) -> list[int]:
        """Indices of the look-back tokens, in text order."""
        floor = max(span.sent.start if has_sents else 0, span.start - self.window)
        indices: list[int] = []
        for i in range(span.start - 1, floor - 1, -1):
            token = doc[i]
            if token.is_punct:
                break
            indices.append(i)
            if token.lower_ in self._boundaries:
                break
        indices.reverse()
        return indices

    def _after(self, doc: Doc, span: Span, has_sents: bool) -> list[int]:
        """Indices of the look-ahead tokens, in text order."""
        ceiling = min(span.sent.end if has_sents else len(doc), span.end + self._after_reach)
        indices: list[int] = []
        for i in range(span.end, ceiling):
            token = doc[i]
            if token.is_punct or token.lower_ in self._boundaries:
                break
            indices.append(i)
        return indices
