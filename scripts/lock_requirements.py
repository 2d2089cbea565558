"""Write each service's ``requirements.lock`` from the development venv (``make lock``).

Why: the Docker images must install exactly the versions the test suite ran against, and only what
each service needs (ingest carries no spaCy). The lock of service X is the closure of X's runtime
requirements (through ``newswatch-shared``) as installed in the venv, as ``name==version`` lines;
the Dockerfiles install it with ``--no-deps`` and then ``pip check``, so a lock that misses a package
fails the image build rather than pulling an unpinned version.

Run after adding or upgrading a dependency: ``make lock`` (it installs first, then runs this).
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("ingest", "enrich", "alert")
HEADER = (
    "# Pinned runtime dependencies of newswatch-{service} (shared included), for its Docker image.\n"
    "# Generated from the development venv by `make lock` (scripts/lock_requirements.py): do not edit.\n"
)


def closure(root: str) -> dict[str, str]:
    """Installed name → version of every distribution ``root`` needs at run time, ``root`` excluded."""
    found: dict[str, str] = {}
    todo: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            sys.exit(f"{name} is required but not installed in this venv: run `make install` first")
        found[canonicalize_name(dist.metadata["Name"])] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    found.pop(canonicalize_name(root), None)
    return found


def render(service: str) -> str:
    pins = {n: v for n, v in closure(f"newswatch-{service}").items() if not n.startswith("newswatch-")}
    return HEADER.format(service=service) + "".join(f"{n}=={v}\n" for n, v in sorted(pins.items()))


def main() -> None:
    for service in SERVICES:
        path = ROOT / "services" / service / "requirements.lock"
        path.write_text(render(service))
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
