"""The alert package's architecture, as its docstrings state it, holds in the code.

Each subpackage's ``__init__`` says in two lines what it owns and which subpackages it may import
("May import: ..."); this test reads those lines and checks every import of every module against
them, so the docstrings cannot drift from the code. Also: the allowed imports form no cycle; only
``roles`` imports the top modules and only ``app`` imports ``roles``; routers (``APIRouter``) live
only in API modules (``api.py``, ``*_api.py``), which only ``roles`` and API modules of their own
subpackage import; and no module is over 300 lines.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import newswatch_alert

ROOT = Path(newswatch_alert.__file__).parent
PACKAGE = "newswatch_alert"
MAX_LINES = 300


@dataclass(frozen=True)
class Module:
    path: Path
    name: str  # dotted, below newswatch_alert: "watchlists.store", "app"

    @property
    def subpackage(self) -> str | None:
        """The capability it belongs to; None for the top modules (app, settings, main)."""
        relative = self.path.relative_to(ROOT)
        return relative.parts[0] if len(relative.parts) > 1 else None

    @property
    def is_api(self) -> bool:
        leaf = self.name.rsplit(".", 1)[-1]
        return self.subpackage not in (None, "roles") and (leaf == "api" or leaf.endswith("_api"))


def modules() -> list[Module]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append(Module(path, ".".join(parts) or "__init__"))
    return found


def subpackages() -> list[str]:
    return sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))


@cache
def imported(path: Path) -> tuple[str, ...]:
    """Every newswatch_alert module the file imports, anywhere in it, dotted below the package."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == PACKAGE:
                names += [f"{PACKAGE}.{a.name}" for a in node.names]
            else:
                names.append(node.module)
    return tuple(n[len(PACKAGE) + 1 :] for n in names if n.startswith(PACKAGE + "."))


def docstring(subpackage: str) -> str:
    doc = ast.get_docstring(ast.parse((ROOT / subpackage / "__init__.py").read_text(encoding="utf-8")))
    assert doc, f"{subpackage}/__init__.py has no docstring"
    return doc


def allowed(subpackage: str) -> set[str]:
    """The subpackages named on the docstring's "May import:" line."""
    match = re.search(r"^May import:(.*)$", docstring(subpackage), re.M)
    assert match, f"{subpackage}/__init__.py does not say what it may import ('May import: ...')"
    return (set(re.findall(r"[a-z_]+", match.group(1))) & set(subpackages())) - {subpackage}


def test_the_capabilities_are_subpackages() -> None:
    assert {"common", "users", "watchlists", "delivery", "live", "alerts", "dashboard", "roles"} <= set(
        subpackages()
    )
    top = {m.name for m in modules() if m.subpackage is None}
    assert top == {"__init__", "app", "main", "settings"}, "the top stays thin: app, settings, main"


@pytest.mark.parametrize("subpackage", subpackages())
def test_each_subpackage_says_in_two_lines_what_it_owns_and_may_import(subpackage: str) -> None:
    lines = docstring(subpackage).splitlines()
    assert len(lines) == 2 and lines[1].startswith("May import:"), lines


def test_the_allowed_imports_go_one_way() -> None:
    graph = {name: allowed(name) for name in subpackages()}
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as e:
        pytest.fail(f"the subpackages' allowed imports form a cycle: {e.args[1]}")


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.name)
def test_every_import_is_allowed(module: Module) -> None:
    own = module.subpackage
    for name in imported(module.path):
        target = name.split(".")[0]
        target_sub = target if target in subpackages() else None
        if own is None:  # the top: app uses roles (and common); main uses app and settings
            assert target_sub in (None, "roles", "common"), f"{module.name} imports {name}"
        elif target_sub is None:
            assert own == "roles", f"{module.name} imports the top module {name}: only roles may"
        elif target_sub != own:
            assert target_sub in allowed(own), (
                f"{module.name} imports {name}, but {own}/__init__.py allows only {sorted(allowed(own))}"
            )
        if target_sub == "roles" and own != "roles":
            assert module.name == "app", f"{module.name} imports roles: only app may"


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.name)
def test_routers_stay_in_the_api_layer(module: Module) -> None:
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    uses_router = any(
        isinstance(node, ast.ImportFrom) and any(a.name == "APIRouter" for a in node.names)
        for node in ast.walk(tree)
    )
    if uses_router:
        assert module.is_api or module.subpackage in (None, "roles"), f"{module.name} builds a router"
    by_name = {m.name: m for m in modules()}
    for name in imported(module.path):
        target = by_name.get(name)
        if target is None or not target.is_api:
            continue
        assert module.subpackage in (None, "roles") or (
            module.is_api and module.subpackage == target.subpackage
        ), f"{module.name} (below the API layer) imports the API module {name}"


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.name)
def test_no_module_is_over_300_lines(module: Module) -> None:
    lines = len(module.path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module.name} has {lines} lines: split it by what its parts do"
