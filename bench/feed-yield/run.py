"""bench/feed-yield: how many feeds written by others give articles at all through `newswatch feeds parse`.

    newswatch bench feed-yield [--corpora DIR] [--verbose]

Reads the feed test suites in ``../shared/corpora`` (feedparser's ``tests/wellformed`` and
``tests/illformed``, lemon24/reader's ``tests/data`` without its ``.py`` files) and, for each file:

- the reference: the entries feedparser itself finds in it (``feedparser.parse`` on the bytes, no
  headers); JSON documents, which feedparser 6 does not read, are counted by our JSON Feed reader;
- ours: the articles ``newswatch feeds parse FILE`` prints — the CLI's own ``run_parse`` with its
  defaults (relative links resolve against the file's ``file://`` URI, as the command does), i.e.
  ``parse_feed`` then ``normalize_entries``, the code the service runs on every fetched body.

The key figure is ``files_without_articles``: files where the reference finds at least one entry but
we print none. Many test files hold a single item with nothing a reader could be shown (only an
author, a category, a location…), so ``showable_*`` repeats the count over the entries that have a
link, a GUID, a title or some text; ``showable_files_without_articles`` is what was really lost.
``--verbose`` lists the files without articles, with the first warning or error, on stderr.

There is no speed baseline: this measures coverage, and tests/unit/ingest/test_ingest_corpus_yield.py
holds floors just below the figures in docs/reliability.md ("Feed items without a link"). feedparser is
imported together with newswatch_ingest, which keeps GUIDs as written (parse.py), so the reference
sees raw GUIDs too.
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser

from newswatch_ingest.cli import ParseOptions, run_parse
from newswatch_ingest.errors import FeedParseError
from newswatch_ingest.jsonfeed import is_json, parse_json_feed

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


def corpus_files(root: Path) -> list[Path]:
    """The feed documents of the two suites, in a stable order."""
    suite = root / "feedparser-tests" / "tests"
    files = [p for sub in ("wellformed", "illformed") for p in (suite / sub).rglob("*") if p.is_file()]
    reader = root / "reader-tests" / "tests" / "data"
    files += [p for p in reader.glob("*") if p.is_file() and p.suffix != ".py"]
    return sorted(files)


def _has_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _showable(entry: Any) -> bool:
    """An entry with a link, GUID, title or text: something a reader could be shown."""
    content = entry.get("content") or []
    return any(_has_text(entry.get(k)) for k in ("link", "id", "title", "summary")) or any(
        _has_text(c.get("value")) for c in content if isinstance(c, dict)
    )


def reference_entries(body: bytes) -> tuple[int, int]:
    """(entries, entries with something to show) as the reference parser finds them."""
    if is_json(body):
        try:
            items = parse_json_feed(body, "https://corpus.invalid/").entries
        except FeedParseError:
            return 0, 0
        shown = [e for e in items if e.link or e.guid or e.title.value or e.summary.value or e.content.value]
        return len(items), len(shown)
    entries = feedparser.parse(io.BytesIO(body)).entries
    return len(entries), sum(1 for e in entries if _showable(e))


@dataclass(frozen=True)
class FileYield:
    path: Path
    entries: int
    showable: int
    articles: int
    note: str


def measure(path: Path) -> FileYield:
    out, err = io.StringIO(), io.StringIO()
    run_parse(str(path), ParseOptions(), out=out, err=err)
    entries, showable = reference_entries(path.read_bytes())
    note = next(iter(err.getvalue().splitlines()), "")
    return FileYield(path, entries, showable, len(out.getvalue().splitlines()), note)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="newswatch bench feed-yield", description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="The shared corpora folder.")
    parser.add_argument("--verbose", action="store_true", help="List the files that lose every item.")
    args = parser.parse_args(argv)
    if not (args.corpora / "feedparser-tests").is_dir():
        raise SystemExit(f"no feedparser-tests under {args.corpora}")

    results = [measure(p) for p in corpus_files(args.corpora)]
    with_entries = [r for r in results if r.entries > 0]
    lost = [r for r in with_entries if r.articles == 0]
    showable = [r for r in with_entries if r.showable > 0]
    if args.verbose:
        for r in lost:
            what = "something to show" if r.showable else "nothing to show"
            print(f"{r.path.relative_to(args.corpora)} ({what}): {r.note}", file=sys.stderr)
    return {
        "files": len(results),
        "files_with_entries": len(with_entries),
        "files_without_articles": len(lost),
        "share_without_articles": round(len(lost) / max(len(with_entries), 1), 3),
        "files_with_showable_entries": len(showable),
        "showable_files_without_articles": sum(1 for r in showable if r.articles == 0),
        "entries": sum(r.entries for r in with_entries),
        "showable_entries": sum(r.showable for r in with_entries),
        "articles": sum(r.articles for r in with_entries),
    }
