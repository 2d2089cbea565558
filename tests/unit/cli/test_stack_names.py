"""Which processes a Stack runs: one per service, alert's roles apart, extra replicas by name."""

from __future__ import annotations

from pathlib import Path

from newswatch_cli.stack import Stack, StackConfig


def config(**kw: object) -> StackConfig:
    return StackConfig(data_dir=Path("/nonexistent"), admin_token="t" * 32, **kw)  # type: ignore[arg-type]


def test_one_process_per_service_by_default() -> None:
    assert config().process_names == ("ingest", "enrich", "alert")


def test_alert_roles_apart_and_replicas_get_names_and_ports_of_their_own() -> None:
    cfg = config(alert_roles_apart=True, replicas={"enrich": 2, "alert-match": 3})
    assert cfg.process_names == (
        "ingest",
        "enrich",
        "alert-api",
        "alert-match",
        "alert-deliver",
        "enrich#2",
        "alert-match#2",
        "alert-match#3",
    )
    stack = Stack(cfg, out=lambda _: None)
    ports = [stack.ports[name] for name in cfg.process_names if name != "ingest"]
    assert len(set(ports)) == len(ports), "every HTTP process answers on a port of its own"
    assert stack.url("alert-api") == stack.url("alert")
