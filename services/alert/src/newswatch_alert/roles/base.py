"""What every role shares: the service's name, and how a role tells ``/ready`` how it is doing.

A role reports the dependencies it needs (``kafka``, ``redis``) and the workers it runs. When several
roles of one process need the same dependency, it is checked once per ``/ready`` request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from newswatch_shared.ops import RoleReport
from newswatch_shared.runtime import Worker

__all__ = ["SERVICE", "RoleProbe", "report"]

SERVICE = "alert"

Check = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class RoleProbe:
    """A running role: its dependency checks by name, and its workers."""

    needs: Mapping[str, Check]
    workers: list[Worker] = field(default_factory=list)


async def report(probes: Mapping[str, RoleProbe | None]) -> dict[str, RoleReport]:
    """Each role's report; a role whose probe is None has not finished starting."""
    checks: dict[str, Check] = {}
    for probe in probes.values():
        if probe is not None:
            for name, check in probe.needs.items():
                checks.setdefault(name, check)
    names = list(checks)
    results = dict(zip(names, await asyncio.gather(*(checks[n]() for n in names)), strict=True))
    reports: dict[str, RoleReport] = {}
    for role, probe in probes.items():
        if probe is None:
            reports[role] = RoleReport(started=False)
            continue
        reports[role] = RoleReport(
            checks={name: results[name] for name in probe.needs},
            workers={worker.name: worker.running for worker in probe.workers},
        )
    return reports
