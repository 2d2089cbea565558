"""The escalation score: 0-100 from an article's escalation matches, with a per-term breakdown.

Each match carries its own weight: the term's weight, times ``negated_factor`` when it is negated or
``hedged_factor`` when it is only hedged (see :mod:`newswatch_enrich.escalation`). Formula (parameters
from the taxonomy's ``[scoring]`` table):

    S(t)     = sum of the weights of term t's matches
    top(t)   = the heaviest of them
    raw(t)   = top(t) * (S(t) / top(t)) ** repeat_exponent      0 when top(t) is 0
    R        = sum of raw(t) over matched terms
    score    = 100 * (1 - exp(-R / scale))                       saturates below 100
    points(t) = score * raw(t) / R, in hundredths that sum exactly to the score

With every match affirmed, raw(t) = weight * n ** repeat_exponent: repeats add less and less, so a
story naming several distinct signals outscores one that repeats a word. Every step is non-decreasing
in each match weight, and a further match only adds to S(t) (and may raise top(t)), so a further or
heavier match never lowers the score (for 0 < repeat_exponent <= 1: raw = top^(1-p) * S^p).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from newswatch_enrich.taxonomy import ScoringParams
from newswatch_shared.schemas import Contribution, EscalationMatch

__all__ = ["ScoreResult", "score_matches", "term_raw"]


@dataclass(frozen=True)
class ScoreResult:
    score: float
    contributions: list[Contribution]


def term_raw(weights: Sequence[float], repeat_exponent: float) -> float:
    """raw(t) from the weights of one term's matches (see the module docs)."""
    top = max(weights, default=0.0)
    if top <= 0:
        return 0.0
    return float(top * (sum(weights) / top) ** repeat_exponent)


def score_matches(matches: Sequence[EscalationMatch], params: ScoringParams) -> ScoreResult:
    """Score ``matches``; contributions come heaviest first, one per matched term.

    A contribution's ``weight`` is its heaviest match's weight (the term's weight unless every match of
    it was negated or hedged), ``count`` counts all its matches."""
    groups: dict[str, list[EscalationMatch]] = {}
    for m in matches:
        groups.setdefault(m.term, []).append(m)
    raw = {term: term_raw([m.weight for m in ms], params.repeat_exponent) for term, ms in groups.items()}
    total = sum(raw.values())
    score = round(100.0 * (1.0 - math.exp(-total / params.scale)), 2) if total > 0 else 0.0
    points = _split_cents(score, raw, total)
    contributions = [
        Contribution(
            term=term,
            category=ms[0].category,
            weight=max(m.weight for m in ms),
            count=len(ms),
            points=points[term],
        )
        for term, ms in groups.items()
    ]
    contributions.sort(key=lambda c: (-c.points, c.term))
    return ScoreResult(score=score, contributions=contributions)


def _split_cents(score: float, raw: dict[str, float], total: float) -> dict[str, float]:
    """Share ``score`` in proportion to ``raw``, in hundredths that add up exactly to the score
    (largest remainder), so a reader summing the points finds the score."""
    cents = round(score * 100)
    if total <= 0 or cents == 0:
        return dict.fromkeys(raw, 0.0)
    exact = {term: cents * value / total for term, value in raw.items()}
    shares = {term: math.floor(x) for term, x in exact.items()}
    by_remainder = sorted(exact, key=lambda term: (shares[term] - exact[term], term))
    for term in by_remainder[: cents - sum(shares.values())]:
        shares[term] += 1
    return {term: share / 100 for term, share in shares.items()}
