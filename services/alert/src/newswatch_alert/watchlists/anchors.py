"""Anchors: the index keys an article must hold for a watchlist to have any chance of matching it.

The idea is Lucene Monitor's presearcher (and Elasticsearch's percolator pre-filter): from each
watchlist's condition tree derive a small set of *anchors* such that every article the watchlist
matches holds at least one of them. An anchor is one key (``t:troops``) or a conjunction of two
(``c:ua`` + ``t:troops``: the article must hold both). Rules, by node:

- a term gives its key: ``entity:X`` → ``e:x``, ``country:UA`` → ``c:ua``, ``term:`` → ``t:``,
  ``category:`` → ``g:``, ``source:`` → ``s:``; a word → ``w:word``; a phrase needs all its words,
  so it gives the pair of its two rarest-looking words; a watchlist keyword → ``t:k`` or its words
  (it matches either way);
- OR → the union of its children's anchors; if any child has none, the OR has none;
- NOT → none: absence cannot be looked up;
- AND → the cheapest of: one child's anchors, or the pairwise conjunctions of two children's anchors
  (at most :data:`MAX_PRODUCT` of them; a two-key anchor takes part with its rarer key only). Any
  child's anchors are necessary, so any choice is correct; the cost only decides how many candidates
  the index hands over.

No anchors (a query of only ``NOT x``, a watchlist of only ``min_score``) puts the watchlist in the
index's "always" list. An anchor is *sure* when holding it is enough for the watchlist to match (a
lone key, an OR of them, the pair of a two-part AND, but not a phrase's two words): a candidate found
through a sure anchor needs only its filters checked, not its condition evaluated.

Cost = the summed estimated share of articles holding each anchor, a pair costing the product of its
keys' shares; the shares are fixed priors per kind of key (:data:`PRIORS`; a short word or a stop
word counts as common) — deliberately simple, documented and tunable, since any choice stays correct.
"""

from __future__ import annotations

import itertools

from newswatch_alert.watchlists.query import And, Node, Not, Or, Term

__all__ = ["MAX_PRODUCT", "PRIORS", "Anchor", "Plan", "anchors", "cost", "plan", "prior", "rarest_word"]

Anchor = tuple[str, ...]  # one or two keys, sorted

#: Estimated share of articles holding a key of each kind (w: see :func:`word_prior`).
PRIORS = {"e": 0.02, "c": 0.05, "t": 0.06, "g": 0.25, "s": 0.01}
MAX_PRODUCT = 16

_STOP = frozenset(
    "a an and are as at be been but by for from had has have he her his i in is it its no not of on or "
    "our over said says she so than that the their them then there they this to under up was we were "
    "what when which while who will with would you".split()
)


def word_prior(word: str) -> float:
    if word in _STOP:
        return 0.9
    if len(word) <= 3:
        return 0.2
    if len(word) <= 5:
        return 0.06
    return 0.02


def prior(key: str) -> float:
    kind, _, value = key.partition(":")
    return word_prior(value) if kind == "w" else PRIORS[kind]


def rarest_word(key: str) -> str:
    """The word of a phrase least likely to be in an article: what a phrase is anchored on."""
    return min(key.split(), key=lambda w: (word_prior(w), -len(w), w))


#: anchor → whether holding it is enough for the node to hold ("sure"), or only necessary
Plan = dict[Anchor, bool]


def _leaf(term: Term) -> Plan:
    field, key = term.field, term.key
    words = key.split()
    if field not in ("text", "keyword"):
        kind = {"entity": "e", "country": "c", "term": "t", "category": "g", "source": "s"}[field]
        return {(f"{kind}:{key}",): True}
    found: Plan = {(f"t:{key}",): True} if field == "keyword" else {}
    if len(words) == 1:
        found[(f"w:{key}",)] = True
    else:  # a phrase needs all its words: the two rarest-looking make a pair (necessary, not enough)
        first = rarest_word(key)
        rest = [w for w in words if w != first and w not in _STOP]
        pair = (f"w:{first}", f"w:{rarest_word(' '.join(rest))}") if rest else (f"w:{first}",)
        found[tuple(sorted(pair))] = False
    return found


def cost(found: Plan) -> float:
    total = 0.0
    for anchor in found:
        share = 1.0
        for key in anchor:
            share *= prior(key)
        total += share
    return total


def _single_keys(found: Plan) -> Plan:
    """One key of each anchor (the rarest-looking): weaker, still necessary, and pairable."""
    out: Plan = {}
    for anchor, sure in found.items():
        key = (min(anchor, key=lambda k: (prior(k), k)),)
        out[key] = out.get(key, False) or (sure and len(anchor) == 1)
    return out


def _pairs(left: Plan, right: Plan, whole: bool) -> Plan:
    """Each anchor of ``left`` with each of ``right``; sure when both are and they make the ``whole`` AND."""
    out: Plan = {}
    for (a,), a_sure in left.items():
        for (b,), b_sure in right.items():
            anchor = (a,) if a == b else tuple(sorted((a, b)))
            out[anchor] = out.get(anchor, False) or (whole and a_sure and b_sure)
    return out


def _and(children: tuple[Node, ...]) -> Plan | None:
    options = [found for found in (plan(child) for child in children) if found is not None]
    if not options:
        return None
    # One child's anchors are necessary for the AND, never enough (unless it is the only child).
    cheapest = min(options, key=lambda o: (cost(o), sorted(o)))
    best = {anchor: sure and len(children) == 1 for anchor, sure in cheapest.items()}
    singles = [_single_keys(o) for o in options]
    for left, right in itertools.combinations(singles, 2):
        if len(left) * len(right) <= MAX_PRODUCT:
            paired = _pairs(left, right, whole=len(children) == 2)
            if cost(paired) < cost(best):
                best = paired
    return best


def plan(node: Node) -> Plan | None:
    """The anchors of ``node``, each with whether holding it is enough for ``node`` to hold (so the
    index can skip evaluating it); None when ``node`` can hold without any key."""
    if isinstance(node, Term):
        return _leaf(node)
    if isinstance(node, Not):
        return None
    if isinstance(node, Or):
        union: Plan = {}
        for child in node.children:
            found = plan(child)
            if found is None:
                return None
            for anchor, sure in found.items():
                union[anchor] = union.get(anchor, False) or sure
        return union
    assert isinstance(node, And)
    return _and(node.children)


def anchors(node: Node) -> frozenset[Anchor] | None:
    """Anchors of ``node`` (see the module docs); None when it can match without any key."""
    found = plan(node)
    return None if found is None else frozenset(found)
