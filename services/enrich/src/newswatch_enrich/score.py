"""The escalation score: 0-100 from an article's escalation matches, with a per-term breakdown.

Formula (parameters from the taxonomy's ``[scoring]`` table):

    effective(t) = affirmed(t) + negated_factor * negated(t)       matches of term t
    raw(t)       = weight(t) * effective(t) ** repeat_exponent      repeats add less and less
    R            = sum of raw(t) over matched terms
    score        = 100 * (1 - exp(-R / scale))                      saturates below 100
    points(t)    = score * raw(t) / R, in hundredths that sum exactly to the score

Every step is non-decreasing in each count and weight, so a further (or heavier) match never lowers the
score; negated matches count ``negated_factor`` of an affirmed one. The exponent keeps a story that
repeats one word from outscoring one that names several distinct signals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from newswatch_enrich.taxonomy import ScoringParams
from newswatch_shared.schemas import Contribution, EscalationMatch

__all__ = ["ScoreResult", "score_matches"]


@dataclass(frozen=True)
class ScoreResult:
    score: float
    contributions: list[Contribution]


def score_matches(matches: Sequence[EscalationMatch], params: ScoringParams) -> ScoreResult:
    """Score ``matches``; contributions come heaviest first, one per matched term."""
    groups: dict[str, list[EscalationMatch]] = {}
    for m in matches:
        groups.setdefault(m.term, []).append(m)
    raw: dict[str, float] = {}
    for term, ms in groups.items():
        negated = sum(1 for m in ms if m.negated)
        effective = (len(ms) - negated) + params.negated_factor * negated
        raw[term] = ms[0].weight * effective**params.repeat_exponent
    total = sum(raw.values())
    score = round(100.0 * (1.0 - math.exp(-total / params.scale)), 2) if total > 0 else 0.0
    points = _split_cents(score, raw, total)
    contributions = [
        Contribution(
            term=term,
            category=ms[0].category,
            weight=ms[0].weight,
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
