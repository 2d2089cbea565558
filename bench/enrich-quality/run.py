"""bench/enrich-quality: precision, recall and F1 of entities and escalation terms on our evaluation set.

Every item of tests/data/enrich_eval.jsonl goes through ``Enricher.tag`` — the code path of ``POST /tag``
and of the consumed articles — with the pipeline, taxonomy and gazetteer the service would load from
the same ``NEWSWATCH_ENRICH_*`` settings. The matching rules are in
``newswatch_enrich.evaluate`` and docs/enrich.md ("Evaluation").

    newswatch bench enrich-quality [--verbose] [--data FILE] [--model PIPELINE]

``--verbose`` writes one line per error (missed / spurious entity or term, wrong negation) to stderr,
so the last stdout line stays the JSON figures. There is no baseline run: the figures are compared with
the floors held by tests/unit/enrich/test_enrich_quality.py and with earlier runs in docs/enrich.md.

The development set is what taggers are tuned against, so its figures flatter them. The same run also
scores the held-out set (tests/data/enrich_eval_holdout.jsonl, keys ``holdout_*``): figures only, never
its errors, and no test floors — look at its items only to fix an annotation, never to tune the tagger.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from newswatch_enrich.app import build_enricher
from newswatch_enrich.evaluate import evaluate, load_eval_set
from newswatch_enrich.settings import EnrichSettings

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "enrich_eval.jsonl"
HOLDOUT = DATA.with_name("enrich_eval_holdout.jsonl")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        prog="newswatch bench enrich-quality", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--verbose", action="store_true", help="List every miss on stderr.")
    parser.add_argument("--data", type=Path, default=DATA, help="Evaluation set (JSON lines).")
    parser.add_argument(
        "--holdout", type=Path, default=HOLDOUT, help="Held-out set scored beside it ('none' to skip)."
    )
    parser.add_argument("--model", help="spaCy pipeline to load (default: NEWSWATCH_ENRICH_SPACY_MODEL).")
    args = parser.parse_args(argv)

    settings = EnrichSettings()
    if args.model:
        settings = settings.model_copy(update={"enrich_spacy_model": args.model})
    items = load_eval_set(args.data)
    started = time.perf_counter()
    enricher = build_enricher(settings)
    loaded = time.perf_counter()
    known = {t.term for t in enricher.taxonomy.terms}
    report = evaluate(items, enricher.tag, known_terms=known)
    finished = time.perf_counter()
    holdout: dict[str, Any] = {}
    unknown = set(report.unknown_terms)
    if str(args.holdout) != "none" and args.holdout.exists():
        held = evaluate(load_eval_set(args.holdout), enricher.tag, known_terms=known)
        unknown.update(held.unknown_terms)
        figures = held.figures()
        holdout = {f"holdout_{k}": figures[k] for k in ("entity_f1", "escalation_f1", "negation_f1", "items")}
        holdout.update(
            {f"holdout_{k}": v for k, v in figures.items() if k.endswith(("_precision", "_recall"))}
        )

    if unknown:  # a renamed term: every expectation of it would silently count as missed
        print(f"warning: terms not in the taxonomy (counted as missed): {sorted(unknown)}", file=sys.stderr)
    if args.verbose:
        for line in report.error_lines():
            print(line, file=sys.stderr)
    return {
        **report.figures(),
        **holdout,
        "data": str(args.data),
        "enricher": enricher.name,
        "load_s": round(loaded - started, 2),
        "tag_s": round(finished - loaded, 2),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(main(sys.argv[1:]), sort_keys=True))
