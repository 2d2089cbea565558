"""bench/match: matching latency per enriched article, indexed matcher beside the naive loop.

Workload (``vocab.py``, ``generate.py``): one fixed vocabulary (every country code, a few thousand
gazetteer entities, every taxonomy term, ~1,900 common words); 100,000 random watchlists in realistic
shapes, of which the first 10,000 are the small size; ``--articles`` enriched articles. Watchlists are
parsed and compiled once (timed: ``parse_us_per_watchlist``) and filed into a fresh index per size
(timed: ``build_s_*``).

Per article, both contenders prepare the article (normalise its words, entities, terms: part of the
timed work) and decide exactly which watchlists match it:

- indexed: ``WatchlistIndex.matching`` — candidates from the inverted index, then exact evaluation;
- naive: the same exact evaluation (:func:`is_match`) of every watchlist.

The explanation each alert then carries costs the same in both, per match, whatever finds the match;
it is timed apart (``p50_ms_with_explanations_*``: ``WatchlistIndex.matches``, which the handler calls,
and ``explain_ms_per_match_*``).

The naive loop runs on the first ``--naive-10k`` / ``--naive-100k`` articles only (it takes ~0.1 s
per article at 100k); ``speedup_vs_naive_*`` compares medians over exactly those articles. Both must
find the same watchlists on every one of them (``agree``), or the benchmark fails. Every article is
matched three times by each contender and its fastest run counts: the machine is shared, and another
process taking the core or a collector pass only ever adds time.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import make_articles, make_watchlists  # noqa: E402
from vocab import build_vocabulary  # noqa: E402

from newswatch_alert.watchlists.index import WatchlistIndex  # noqa: E402
from newswatch_alert.watchlists.match import Compiled, PreparedArticle, compile_watchlist, is_match  # noqa: E402
from newswatch_shared.schemas import EnrichedArticle  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000}
REPEATS = 3
T = TypeVar("T")


def _ms(ns: int) -> float:
    return ns / 1e6


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _fastest(run: Callable[[], T]) -> tuple[float, T]:
    """The fastest of :data:`REPEATS` runs, in ms, and the result: on a shared machine a preemption or
    a collector pass only ever adds time, so the minimum is the article's own cost."""
    best, result = float("inf"), None
    for _ in range(REPEATS):
        t0 = time.perf_counter_ns()
        result = run()
        best = min(best, _ms(time.perf_counter_ns() - t0))
    assert result is not None
    return best, result


def naive(compiled: list[Compiled], article: EnrichedArticle) -> list[str]:
    """Evaluate every watchlist exactly: the baseline."""
    prepared = PreparedArticle(article)
    return [c.watchlist.id for c in compiled if is_match(c, prepared)]


def indexed(index: WatchlistIndex, article: EnrichedArticle) -> list[Compiled]:
    """Candidates from the index, then the same exact evaluation."""
    return index.matching(PreparedArticle(article))


def measure(
    label: str, compiled: list[Compiled], articles: list[EnrichedArticle], naive_n: int
) -> dict[str, Any]:
    started = time.perf_counter()
    index = WatchlistIndex()
    for c in compiled:
        index.add(c)
    build_s = time.perf_counter() - started
    gc.collect()
    gc.freeze()  # the index is long-lived: keep the collector from rescanning it on every pass

    for article in articles[:20]:  # warm-up
        indexed(index, article)
    times: list[float] = []
    found: list[list[str]] = []
    for article in articles:
        took, result = _fastest(lambda a=article: indexed(index, a))
        times.append(took)
        found.append([c.watchlist.id for c in result])

    # What the handler does on top for each match: the explanation of the alert.
    explained = [_fastest(lambda a=article: index.matches(a))[0] for article in articles]
    split = [index._candidate_ids(PreparedArticle(a)) for a in articles]
    candidates = [len(sure | maybe) for sure, maybe in split]
    evaluated = [len(maybe - sure) for sure, maybe in split]

    naive_times: list[float] = []
    for i, article in enumerate(articles[:naive_n]):
        took, expected = _fastest(lambda a=article: naive(compiled, a))
        naive_times.append(took)
        if expected != found[i]:
            raise AssertionError(f"{label}: index and naive loop disagree on {article.id}")
    gc.unfreeze()

    matches = [len(f) for f in found]
    speedup = statistics.median(naive_times) / statistics.median(times[:naive_n])
    extra = (sum(explained) - sum(times)) / max(1, sum(matches))
    figures = {
        f"p50_ms_{label}": round(_p(times, 0.5), 3),
        f"p99_ms_{label}": round(_p(times, 0.99), 3),
        f"max_ms_{label}": round(max(times), 3),
        f"naive_p50_ms_{label}": round(statistics.median(naive_times), 2),
        f"speedup_vs_naive_{label}": round(speedup, 1),
        f"candidates_per_article_{label}": round(statistics.mean(candidates), 1),
        f"matches_per_article_{label}": round(statistics.mean(matches), 1),
        f"evaluated_per_article_{label}": round(statistics.mean(evaluated), 1),
        f"always_evaluated_{label}": index.always,
        f"build_s_{label}": round(build_s, 2),
        f"p50_ms_with_explanations_{label}": round(_p(explained, 0.5), 3),
        f"p99_ms_with_explanations_{label}": round(_p(explained, 0.99), 3),
        f"explain_ms_per_match_{label}": round(extra, 4),
    }
    print(
        f"{label}: p50 {_p(times, 0.5):.3f} ms, p99 {_p(times, 0.99):.3f} ms; naive p50 "
        f"{statistics.median(naive_times):.1f} ms ({speedup:.0f}x); per article "
        f"{statistics.mean(candidates):.1f} candidates ({statistics.mean(evaluated):.1f} evaluated), "
        f"{statistics.mean(matches):.1f} matches",
        flush=True,
    )
    return figures


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench match")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--naive-10k", type=int, default=60)
    parser.add_argument("--naive-100k", type=int, default=15)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    vocab = build_vocabulary()
    watchlists = make_watchlists(vocab, max(SIZES.values()), args.seed)
    articles = make_articles(vocab, args.articles, args.seed + 1)
    print(
        f"vocabulary: {len(vocab.countries)} countries, {len(vocab.entities)} entities, {len(vocab.terms)} "
        f"terms, {len(vocab.words)} words; generated in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    t0 = time.perf_counter()
    compiled = [compile_watchlist(w) for w in watchlists]
    parse_us = (time.perf_counter() - t0) / len(watchlists) * 1e6

    figures: dict[str, Any] = {
        "articles": args.articles,
        "naive_articles_10k": args.naive_10k,
        "naive_articles_100k": args.naive_100k,
        "parse_us_per_watchlist": round(parse_us, 1),
        "vocabulary": {
            "countries": len(vocab.countries),
            "entities": len(vocab.entities),
            "terms": len(vocab.terms),
            "words": len(vocab.words),
        },
        "agree": True,
    }
    for label, size in SIZES.items():
        naive_n = args.naive_10k if label == "10k" else args.naive_100k
        figures |= measure(label, compiled[:size], articles, naive_n)
    figures["targets_met"] = figures["p99_ms_100k"] <= 2.0 and figures["speedup_vs_naive_100k"] >= 50
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(main(sys.argv[1:])))
