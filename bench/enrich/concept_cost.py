"""bench/enrich/concept_cost.py: CPU ms per article of escalation matching with and without concept rules.

The same bench articles (``articles.py``) through the service's pipeline once; then, over the same
parsed documents, the escalation matcher with phrases only and with the concept rules (which parse the
sentences a rule could need), in batches of 64 documents as the service calls it. Best of
``--rounds``, CPU time of this process; also the sentences parsed and, for scale, the pipeline's own
ms per article.

    .venv/bin/python bench/enrich/concept_cost.py [--articles 100] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import make_articles  # noqa: E402

from newswatch_enrich.app import build_enricher  # noqa: E402
from newswatch_enrich.escalation import EscalationMatcher  # noqa: E402
from newswatch_enrich.settings import EnrichSettings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    enricher = build_enricher(EnrichSettings())
    nlp = enricher.nlp
    texts = [a.text for a in make_articles(args.articles)]
    list(nlp.pipe(texts[:8]))  # warm up
    started = time.process_time()
    docs = list(nlp.pipe(texts, batch_size=enricher.batch_size))
    pipeline_ms = (time.process_time() - started) * 1000 / len(docs)
    matchers = {
        "phrases_only": EscalationMatcher(enricher.taxonomy, nlp, concept_rules=False),
        "with_concept_rules": EscalationMatcher(enricher.taxonomy, nlp),
    }
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, matcher in matchers.items():
            started = time.process_time()
            for i in range(0, len(docs), 64):  # as the service does: one call per consumed batch
                matcher.match_many(docs[i : i + 64])
            ms = (time.process_time() - started) * 1000 / len(docs)
            best[name] = min(best.get(name, ms), ms)
    sentences = sum(1 for d in docs for _ in d.sents)
    parsed = matchers["with_concept_rules"].sentences_parsed // args.rounds
    print(
        json.dumps(
            {
                "articles": len(docs),
                "pipeline_ms_per_article": round(pipeline_ms, 2),
                **{f"{k}_ms_per_article": round(v, 2) for k, v in best.items()},
                "concept_rules_extra_ms": round(best["with_concept_rules"] - best["phrases_only"], 2),
                "extra_vs_pipeline": round(
                    (best["with_concept_rules"] - best["phrases_only"]) / pipeline_ms, 3
                ),
                "sentences": sentences,
                "sentences_parsed": parsed,
            }
        )
    )


if __name__ == "__main__":
    main()
