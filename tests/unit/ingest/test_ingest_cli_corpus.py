"""`feeds parse` over every file of ../shared/corpora (feeds written by others; skipped without it).

Whatever the file (a feed, a broken feed, a JSON Feed, a Python file, a licence), the command exits 0
with JSON lines or exits 1 with exactly one ``error:`` line, and never prints a traceback.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from newswatch_ingest.cli import EXIT_UNUSABLE, ParseOptions, run_parse
from newswatch_shared.schemas import RawArticle

OPTIONS = ParseOptions(base_url="https://corpus.example.org/feeds/feed.xml")


def test_feeds_parse_over_every_corpus_file(shared_corpora: Path | None) -> None:
    if shared_corpora is None:
        pytest.skip("../shared/corpora is not present")
    files = sorted(p for p in shared_corpora.rglob("*") if p.is_file())
    assert len(files) > 300
    outcomes = {0: 0, EXIT_UNUSABLE: 0}
    articles = 0
    for path in files:
        out, err = io.StringIO(), io.StringIO()
        code = run_parse(str(path), OPTIONS, out=out, err=err)
        assert code in outcomes, (path, err.getvalue())
        outcomes[code] += 1
        assert "Traceback" not in err.getvalue() + out.getvalue(), path
        if code == 0:
            assert all(line.startswith("warning: ") for line in err.getvalue().splitlines()), path
            for line in out.getvalue().splitlines():
                RawArticle.model_validate_json(line)
                articles += 1
        else:
            (line,) = err.getvalue().splitlines()
            assert line.startswith(f"error: {path}: ") and line.endswith("."), path
            assert out.getvalue() == "", path
    assert outcomes[0] > outcomes[EXIT_UNUSABLE] and articles > 140  # many have nothing to show
