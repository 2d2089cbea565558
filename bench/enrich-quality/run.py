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

Concepts (``newswatch_enrich.concept_eval``): the concept set's dev half
(tests/data/enrich_concepts_dev.jsonl, keys ``*_dev``, errors listed with ``--verbose``) and its test
half (enrich_concepts_test.jsonl, keys ``*_test``, figures only — never tune on it): concept precision,
recall and F1, ``paraphrase_recall``, ``narrower_recall``, ``false_friend_precision``,
``negated_marked`` and ``by_concept`` (per-concept precision and recall).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from newswatch_enrich.app import build_enricher
from newswatch_enrich.concept_eval import evaluate_concepts, load_concept_set
from newswatch_enrich.evaluate import evaluate, load_eval_set
from newswatch_enrich.settings import EnrichSettings

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "enrich_eval.jsonl"
HOLDOUT = DATA.with_name("enrich_eval_holdout.jsonl")
CONCEPTS_DEV = DATA.with_name("enrich_concepts_dev.jsonl")
CONCEPTS_TEST = DATA.with_name("enrich_concepts_test.jsonl")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        prog="newswatch bench enrich-quality", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--verbose", action="store_true", help="List every miss on stderr.")
    parser.add_argument("--data", type=Path, default=DATA, help="Evaluation set (JSON lines).")
    parser.add_argument(
        "--holdout", type=Path, default=HOLDOUT, help="Held-out set scored beside it ('none' to skip)."
    )
    parser.add_argument(
        "--concepts-dev", type=Path, default=CONCEPTS_DEV, help="Concept set, dev half ('none' to skip)."
    )
    parser.add_argument(
        "--concepts-test", type=Path, default=CONCEPTS_TEST, help="Concept set, test half ('none' to skip)."
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

    concepts: dict[str, Any] = {}
    concept_errors: list[str] = []
    concepts_started = time.perf_counter()
    for suffix, path in (("dev", args.concepts_dev), ("test", args.concepts_test)):
        if str(path) == "none" or not path.exists():
            continue
        concept_report = evaluate_concepts(
            load_concept_set(path), enricher.tag, chain=enricher.taxonomy.scheme().broader_chain
        )
        concepts.update(concept_report.figures(suffix))
        if suffix == "dev":  # the test half's errors are never shown: reading them is tuning on it
            concept_errors = concept_report.error_lines()
    concepts_done = time.perf_counter()

    if unknown:  # a renamed term: every expectation of it would silently count as missed
        print(f"warning: terms not in the taxonomy (counted as missed): {sorted(unknown)}", file=sys.stderr)
    if args.verbose:
        for line in report.error_lines():
            print(line, file=sys.stderr)
        for line in concept_errors:
            print(f"concepts {line}", file=sys.stderr)
    return {
        **report.figures(),
        **holdout,
        **concepts,
        "data": str(args.data),
        "enricher": enricher.name,
        "load_s": round(loaded - started, 2),
        "tag_s": round(finished - loaded, 2),
        "concepts_s": round(concepts_done - concepts_started, 2),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(main(sys.argv[1:]), sort_keys=True))
