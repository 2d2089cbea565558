"""bench/poll-cost: CPU per feed poll in ingest, before and after the end-to-end benchmark's fix.

    newswatch bench poll-cost [--items 60] [--new 2] [--rounds 5]

bench/e2e found ingest the largest cost after spaCy: at 24 articles/s it used 0.37 of a core, polling
50 feeds every 5 s and each time parsing and normalising every item the feed shows (60), most of them
published long before. Two changes: feedparser no longer sanitises HTML nor rewrites links inside
content (every field becomes plain text anyway; the entry's link is resolved by ingest), and a poll
asks which entry ids are new before normalising, so only new entries get plain text and language
detection. This measures one poll's CPU — parse, then normalise — on a document like bench/e2e's
(``--items`` entries, ``--new`` of them unpublished), the old way (baseline: feedparser's defaults,
every entry normalised) and the new way, alternating in the same process; best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "match"))

from farm import FeedFarm  # noqa: E402
from vocab import build_vocabulary  # noqa: E402

from newswatch_ingest.normalize import entry_id, feed_context, normalize_entries  # noqa: E402
from newswatch_ingest.parse import parse_feed  # noqa: E402

URL = "https://wire.example/feed.xml"
_PARSE = feedparser.parse


def _defaults(source: Any, **kwargs: Any) -> Any:
    """feedparser as ingest called it before: its sanitiser and link rewriting on."""
    kwargs.pop("sanitize_html", None)
    kwargs.pop("resolve_relative_uris", None)
    return _PARSE(source, **kwargs)


def poll(body: bytes, published: set[str], before: bool) -> int:
    if before:
        with mock.patch.object(feedparser, "parse", _defaults):
            parsed = parse_feed(body, URL, "application/rss+xml")
        context = feed_context("feed", URL, "", parsed)
        articles, _ = normalize_entries(parsed.entries, context, datetime.now(UTC))
        return sum(1 for a in articles if a.id not in published)
    parsed = parse_feed(body, URL, "application/rss+xml")
    context = feed_context("feed", URL, "", parsed)
    ids = {entry_id(e, context) for e in parsed.entries}
    articles, _ = normalize_entries(parsed.entries, context, datetime.now(UTC), skip=ids & published)
    return len(articles)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench poll-cost", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--new", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--polls", type=int, default=20, help="Polls per round.")
    args = parser.parse_args(argv)
    vocab = build_vocabulary()
    farm = FeedFarm(
        1, vocab.words, [p.canonical for p in vocab.entities[:400]] + vocab.countries, window=args.items
    )
    farm._server.server_close()  # never started: only its item writer is used
    for _ in range(args.items):
        item = farm._new_item()
        farm.items.append(item)
        farm._per_feed[0].append(item)
    body = farm._document(0)
    parsed = parse_feed(body, URL, "application/rss+xml")
    context = feed_context("feed", URL, "", parsed)
    every = [entry_id(e, context) for e in parsed.entries]
    published = {i for i in every[args.new :] if i is not None}
    best: dict[str, float] = {"before": float("inf"), "after": float("inf")}
    found: dict[str, int] = {}
    for _ in range(args.rounds):
        for variant in ("before", "after"):
            started = time.process_time()
            for _ in range(args.polls):
                found[variant] = poll(body, published, variant == "before")
            best[variant] = min(best[variant], (time.process_time() - started) / args.polls)
    assert found["before"] == found["after"] == args.new, found
    return {
        "items": args.items,
        "new_items": args.new,
        "body_bytes": len(body),
        "baseline_cpu_ms_per_poll": round(best["before"] * 1000, 2),
        "cpu_ms_per_poll": round(best["after"] * 1000, 2),
        "after_vs_before": round(best["after"] / best["before"], 3),
    }
