"""Curation tool: propose escalation variants per CAMEO code from the PETRARCH2 verb dictionary.

    python -m newswatch_enrich.cameo_variants [--codes 154,163] [--check] [--hints] [--json]

It reads ``CAMEO.2.0.txt`` (default ``../shared/corpora/cameo/CAMEO.2.0.txt``, from the repository
root) and prints, for each CAMEO code in range (by default every code the taxonomy records, read as a
prefix: ``15`` covers 150-154), the dictionary's verbs and verb patterns as phrase templates. With
``--check`` it runs each phrase through the real pipeline and the current taxonomy and says which term
already matches it, or ``NEW``, plus the phrase in lemma form, ready to paste as a variant. ``--hints``
adds the same verbs' patterns that CAMEO codes as something else: candidates for ``exclude``.

Nothing is written: a person picks the useful phrases and adds them to ``data/taxonomy.toml``, marked
``# CAMEO`` there. The output is reproducible (same dictionary and taxonomy, same lines).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language

from newswatch_enrich.cameo_dictionary import (
    Proposal,
    VerbDictionary,
    expand,
    parse_event_codes,
    parse_verb_dictionary,
    propose,
)
from newswatch_enrich.taxonomy import Taxonomy, load_taxonomy

__all__ = ["DEFAULT_DICTIONARY", "Checker", "main", "report", "taxonomy_codes"]

DEFAULT_DICTIONARY = Path("../shared/corpora/cameo/CAMEO.2.0.txt")


def taxonomy_codes(taxonomy: Taxonomy) -> list[str]:
    """Every CAMEO code the taxonomy records, on categories and on terms, sorted."""
    codes = {c for cat in taxonomy.categories.values() for c in cat.cameo}
    codes |= {c for term in taxonomy.terms for c in term.cameo}
    return sorted(codes)


class Checker:
    """Which taxonomy terms the real pipeline finds in a phrase, and the phrase's lemma form."""

    def __init__(self, taxonomy: Taxonomy, nlp: Language | None = None) -> None:
        """``nlp`` defaults to the service's default model (loaded here, which takes a second or two)."""
        from newswatch_enrich.escalation import EscalationMatcher
        from newswatch_enrich.nlp import load_pipeline
        from newswatch_enrich.settings import EnrichSettings

        self.nlp = nlp or load_pipeline(EnrichSettings.model_fields["enrich_spacy_model"].default)
        self.matcher = EscalationMatcher(taxonomy, self.nlp)

    def check(self, phrases: Sequence[str]) -> list[tuple[list[str], str]]:
        """For each phrase: the terms matched in it (text order) and its lower-case lemmas."""
        return [
            ([m.term for m in self.matcher(doc)], " ".join(t.lemma_.lower() for t in doc))
            for doc in self.nlp.pipe(phrases)
        ]


def report(
    dictionary: VerbDictionary,
    prefixes: Sequence[str],
    *,
    descriptions: dict[str, str] | None = None,
    checker: Checker | None = None,
    hints: bool = False,
    limit: int = 40,
) -> list[dict[str, Any]]:
    """One record per proposal, sorted by code: template, expanded phrases and (with a checker)
    ``matched`` (term → how many of the phrases it matched) and ``lemmas`` (of the first phrase)."""
    proposals = [p for p in propose(dictionary, prefixes) if hints or p.kind != "other-code"]
    proposals.sort(key=lambda p: (p.code, p.kind != "verb", p.template))
    records: list[dict[str, Any]] = []
    for p in proposals:
        phrases = expand(p.template, dictionary.synsets, limit)
        records.append(_record(p, phrases, (descriptions or {}).get(p.code, "")))
    if checker is not None:
        flat = [phrase for r in records for phrase in r["phrases"]]
        results = iter(checker.check(flat))
        for r in records:
            found = [next(results) for _ in r["phrases"]]
            r["matched"] = dict(Counter(term for terms, _ in found for term in dict.fromkeys(terms)))
            r["lemmas"] = found[0][1] if found else ""
    return records


def _record(p: Proposal, phrases: list[str], description: str) -> dict[str, Any]:
    return {
        "code": p.code,
        "description": description,
        "kind": p.kind,
        "template": p.template,
        "block": p.block,
        "phrases": phrases,
    }


def _print_text(records: list[dict[str, Any]], dictionary: VerbDictionary) -> None:
    code = None
    sets: set[str] = set()
    for r in records:
        if r["code"] != code:
            code = r["code"]
            print(f"\n{code}  {r['description']}".rstrip())
        line = f"  {r['kind']:<10} {r['template']:<44} {r['block']:<18}"
        if "matched" in r:
            n = len(r["phrases"])
            found = ", ".join(f"{t} {k}/{n}" for t, k in r["matched"].items()) or "NEW"
            line += f" {found:<30} [{r['lemmas']}]"
        print(line.rstrip())
        sets |= {w[1:] for w in r["template"].split() if w.startswith("&")}
    if sets:
        print("\nsynonym sets:")
        for name in sorted(sets):
            print(f"  &{name}: {', '.join(dictionary.synsets.get(name, []))}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newswatch_enrich.cameo_variants", description=__doc__)
    parser.add_argument("--dictionary", type=Path, default=DEFAULT_DICTIONARY)
    parser.add_argument("--event-codes", type=Path, help="default: CAMEO.eventcodes.txt beside it")
    parser.add_argument("--taxonomy", type=Path, help="default: the packaged taxonomy")
    parser.add_argument("--codes", help="comma-separated CAMEO code prefixes (default: the taxonomy's codes)")
    parser.add_argument("--check", action="store_true", help="run phrases through the pipeline and taxonomy")
    parser.add_argument("--hints", action="store_true", help="also list the verbs' patterns of other codes")
    parser.add_argument("--limit", type=int, default=40, help="phrases per template at most (default 40)")
    parser.add_argument("--json", action="store_true", help="one JSON document instead of text")
    args = parser.parse_args(argv)
    try:
        text = args.dictionary.read_text("utf-8", errors="replace")
    except OSError as e:
        print(f"cannot read the CAMEO verb dictionary {args.dictionary}: {e.strerror}", file=sys.stderr)
        return 2
    taxonomy = load_taxonomy(args.taxonomy)
    codes_path = args.event_codes or args.dictionary.with_name("CAMEO.eventcodes.txt")
    descriptions = (
        parse_event_codes(codes_path.read_text("utf-8", errors="replace")) if codes_path.is_file() else {}
    )
    wanted = [c.strip() for c in (args.codes or "").split(",") if c.strip()]
    prefixes = wanted or taxonomy_codes(taxonomy)
    dictionary = parse_verb_dictionary(text)
    checker = Checker(taxonomy) if args.check else None
    records = report(
        dictionary, prefixes, descriptions=descriptions, checker=checker, hints=args.hints, limit=args.limit
    )
    if args.json:
        print(json.dumps({"codes": prefixes, "proposals": records}, indent=1))
    else:
        _print_text(records, dictionary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
