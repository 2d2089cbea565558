"""`newswatch bench NAME`: run bench/NAME and end with one JSON line of its figures.

A benchmark is a folder ``bench/NAME`` with a ``run.py`` that defines ``main() -> dict``; the dict holds
its figures and the same run's baseline. This runner prints that dict as the last line, so scripts
(and docs/benchmarks.md) can take the figures from any benchmark the same way.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
from pathlib import Path
from typing import Any

__all__ = ["find_bench_dir", "list_benchmarks", "run_benchmark"]


def find_bench_dir(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for candidate in [here, *here.parents, Path(__file__).resolve().parents[3]]:
        if (candidate / "bench").is_dir() and (candidate / "Makefile").exists():
            return candidate / "bench"
    raise FileNotFoundError("bench/ not found: run from the newswatch checkout")


def list_benchmarks(bench_dir: Path) -> list[str]:
    return sorted(p.parent.name for p in bench_dir.glob("*/run.py"))


def run_benchmark(name: str, bench_dir: Path, args: list[str]) -> dict[str, Any]:
    path = bench_dir / name / "run.py"
    if not path.exists():
        raise FileNotFoundError(f"no benchmark {name!r}; have: {', '.join(list_benchmarks(bench_dir))}")
    spec = importlib.util.spec_from_file_location(f"newswatch_bench_{name.replace('-', '_')}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    figures: dict[str, Any] = module.main(args)
    figures.setdefault("benchmark", name)
    figures.setdefault(
        "machine",
        f"{platform.machine()} {platform.processor() or ''} python{platform.python_version()}".strip(),
    )
    return figures


def dumps(figures: dict[str, Any]) -> str:
    return json.dumps(figures, sort_keys=True)
