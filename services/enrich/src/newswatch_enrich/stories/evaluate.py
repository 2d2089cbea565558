"""How well a grouping matches the gold stories: pairwise and B-cubed precision, recall and F1.

Pairwise counts pairs of articles put together; stories of many copies weigh quadratically, so a big
story merged or split dominates. B-cubed averages per article (how much of its predicted group is its
story, and how much of its story is in its group), so small stories count as much as big ones. Both
are reported because they fail differently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

__all__ = ["bcubed", "pairwise"]


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def pairwise(gold: Mapping[str, str], predicted: Mapping[str, str]) -> dict[str, float]:
    """``gold`` and ``predicted`` map article id → story (label names need not match)."""
    both = Counter((gold[i], predicted[i]) for i in gold)
    gold_sizes = Counter(gold.values())
    pred_sizes = Counter(predicted[i] for i in gold)

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    tp = sum(pairs(n) for n in both.values())
    pred_pairs = sum(pairs(n) for n in pred_sizes.values())
    gold_pairs = sum(pairs(n) for n in gold_sizes.values())
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / gold_pairs if gold_pairs else 1.0
    return {"precision": p, "recall": r, "f1": _f1(p, r)}


def bcubed(gold: Mapping[str, str], predicted: Mapping[str, str]) -> dict[str, float]:
    both = Counter((gold[i], predicted[i]) for i in gold)
    gold_sizes = Counter(gold.values())
    pred_sizes = Counter(predicted[i] for i in gold)
    n = len(gold)
    if n == 0:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    p = sum(c * c / pred_sizes[pl] for (_, pl), c in both.items()) / n
    r = sum(c * c / gold_sizes[gl] for (gl, _), c in both.items()) / n
    return {"precision": p, "recall": r, "f1": _f1(p, r)}
