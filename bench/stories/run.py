"""bench/stories: how well, and how fast, copies of one report are grouped into one story.

Data: tests/data/stories_dev.jsonl and stories_test.jsonl, made by ``generate.py`` before any tuning
(syndicated copies of template reports, and look-alike events: same kind, country and official,
another town, figures or day). Parameters were tuned on the dev half only; the test half's figures
are the ones to quote.

Each half is grouped in publication order by the service's ``StoryAssigner`` with its defaults,
against the in-memory store (``newswatch stories group``) and — for the speed figures — against the
Redis store the service uses, on an embedded Valkey, so the per-article cost includes the round trips
and the WATCH/MULTI/EXEC commit.

Baseline in the same run: the Enricher (the service's spaCy pipeline, taxonomy and gazetteer) over
the same texts, ms per article. ``cost_vs_enrich`` is grouping's wall ms per article with Redis over
enrich's; the issue asks for under 0.10. On a shared machine the Redis wall clock is mostly waiting
for a core (each round trip wakes Valkey), so ``cost_vs_enrich_cpu`` compares CPU: this process and
Valkey together against the Enricher's.

    newswatch bench stories [--rounds 3] [--enrich-sample 200] [--no-redis] [--verbose]

``--verbose`` lists the dev half's mistakes on stderr (never the test half's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from newswatch_enrich.stories import MemoryStore, StoryAssigner, StoryItem
from newswatch_enrich.stories.evaluate import bcubed, pairwise
from newswatch_enrich.stories.lines import group_items, parse_lines
from newswatch_enrich.stories.redis_store import RedisStore
from newswatch_enrich.stories.store import StoryStore

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
DEV, TEST = DATA / "stories_dev.jsonl", DATA / "stories_test.jsonl"


def load(path: Path) -> tuple[list[StoryItem], dict[str, str], list[dict[str, Any]]]:
    text = path.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return parse_lines(text.splitlines()), {r["id"]: r["story"] for r in rows}, rows


def score(gold: dict[str, str], predicted: dict[str, str], suffix: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, figures in (("pairwise", pairwise(gold, predicted)), ("bcubed", bcubed(gold, predicted))):
        for k, v in figures.items():
            out[f"{name}_{k}{suffix}"] = round(v, 4)
    return out


async def group(store: StoryStore, items: list[StoryItem]) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    assigned = await group_items(StoryAssigner(store), items)
    return {i.id: a.story_id for i, a in zip(items, assigned, strict=True)}, time.perf_counter() - started


def report_errors(rows: list[dict[str, Any]], predicted: dict[str, str]) -> None:
    by_gold: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_pred: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        by_gold[r["story"]].append(r)
        by_pred[predicted[r["id"]]].add(r["story"])
    for story, members in by_gold.items():
        if len({predicted[r["id"]] for r in members}) > 1:
            print(
                f"split {story}: " + "; ".join(f"{predicted[r['id']]}:{r['title'][:50]}" for r in members),
                file=sys.stderr,
            )
    for pred, stories in by_pred.items():
        if len(stories) > 1:
            print(f"merged in {pred}: {sorted(stories)}", file=sys.stderr)


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def redis_speed(items: list[StoryItem], rounds: int) -> tuple[float, float]:
    """Best articles/s through the Redis store, each round on an emptied database, and the least CPU ms
    per article of this process and Valkey together (the wall clock on a shared machine is mostly
    waiting for a core; the CPU is what grouping costs)."""
    from newswatch_cli.embedded import EmbeddedRedis
    from newswatch_shared.redis_client import make_redis

    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp)).start()
        redis = make_redis(server.url)
        try:
            best, best_cpu = 0.0, float("inf")
            for _ in range(rounds):
                await redis.flushdb()
                cpu0, valkey0 = time.process_time(), process_cpu_s(server.pid or 0)
                _, seconds = await group(RedisStore(redis, 72 * 3600), items)
                cpu = time.process_time() - cpu0 + process_cpu_s(server.pid or 0) - valkey0
                best, best_cpu = max(best, len(items) / seconds), min(best_cpu, cpu * 1000 / len(items))
            return best, best_cpu
        finally:
            await redis.aclose()
            server.stop()


def enrich_ms_per_article(items: list[StoryItem], sample: int) -> tuple[float, float]:
    """The baseline: the Enricher over the same texts (title, then text), warm, best of two passes:
    wall and CPU ms per article."""
    from newswatch_enrich.app import build_enricher
    from newswatch_enrich.settings import EnrichSettings
    from newswatch_shared.schemas import RawArticle

    enricher = build_enricher(EnrichSettings())
    raws = [
        RawArticle(
            id=i.id,
            url="",
            title=i.title,
            summary=i.text,
            published_at=i.published,
            fetched_at=i.published,
            feed_id=i.source,
        )
        for i in items[:sample]
    ]
    enricher.enrich(raws[:16])  # warm up
    best, best_cpu = float("inf"), float("inf")
    for _ in range(2):
        started, cpu0 = time.perf_counter(), time.process_time()
        enricher.enrich(raws)
        best = min(best, (time.perf_counter() - started) * 1000 / len(raws))
        best_cpu = min(best_cpu, (time.process_time() - cpu0) * 1000 / len(raws))
    return best, best_cpu


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench stories", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="Timed rounds per store (best is kept).")
    parser.add_argument("--enrich-sample", type=int, default=200, help="Articles the enrich baseline tags.")
    parser.add_argument("--no-redis", action="store_true", help="Skip the Redis store (no cost_vs_enrich).")
    parser.add_argument("--verbose", action="store_true", help="The dev half's mistakes on stderr.")
    args = parser.parse_args(argv)

    dev_items, dev_gold, dev_rows = load(DEV)
    test_items, test_gold, _ = load(TEST)
    figures: dict[str, Any] = {
        "articles_dev": len(dev_items),
        "articles": len(test_items),
        "stories_dev": len(set(dev_gold.values())),
        "stories": len(set(test_gold.values())),
    }

    dev_pred, _ = asyncio.run(group(MemoryStore(), dev_items))
    figures |= score(dev_gold, dev_pred, "_dev")
    if args.verbose:
        report_errors(dev_rows, dev_pred)

    best_s = float("inf")
    for _ in range(max(1, args.rounds)):
        test_pred, seconds = asyncio.run(group(MemoryStore(), test_items))
        best_s = min(best_s, seconds)
    figures |= score(test_gold, test_pred, "")
    figures["articles_per_s"] = round(len(test_items) / best_s, 1)

    enrich_ms, enrich_cpu_ms = enrich_ms_per_article(test_items, args.enrich_sample)
    figures["enrich_ms_per_article"] = round(enrich_ms, 3)
    figures["enrich_cpu_ms_per_article"] = round(enrich_cpu_ms, 3)
    figures["grouping_ms_per_article"] = round(1000 / figures["articles_per_s"], 3)
    figures["cost_vs_enrich_memory"] = round(figures["grouping_ms_per_article"] / enrich_ms, 4)
    if not args.no_redis:
        redis_aps, redis_cpu_ms = asyncio.run(redis_speed(test_items, max(1, args.rounds)))
        figures["articles_per_s_redis"] = round(redis_aps, 1)
        figures["grouping_ms_per_article_redis"] = round(1000 / redis_aps, 3)
        figures["grouping_cpu_ms_per_article_redis"] = round(redis_cpu_ms, 3)
        figures["cost_vs_enrich"] = round(figures["grouping_ms_per_article_redis"] / enrich_ms, 4)
        figures["cost_vs_enrich_cpu"] = round(redis_cpu_ms / enrich_cpu_ms, 4)
    return figures


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), sort_keys=True))
