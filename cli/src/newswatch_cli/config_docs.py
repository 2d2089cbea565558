"""The configuration reference, rendered from the settings classes themselves.

README's configuration table is this output; a test compares the two, so the table cannot drift from
what the services actually read.
"""

from __future__ import annotations

import importlib

from pydantic_settings import BaseSettings

__all__ = ["SETTINGS_CLASSES", "render_table"]

#: (who reads it, "module:Class"), in the order the README shows them.
SETTINGS_CLASSES: tuple[tuple[str, str], ...] = (
    ("all services", "newswatch_shared.settings:ServiceSettings"),
    ("ingest, alert", "newswatch_shared.settings:AdminSettings"),
    ("ingest", "newswatch_ingest.settings:IngestSettings"),
    ("enrich", "newswatch_enrich.settings:EnrichSettings"),
    ("alert", "newswatch_alert.settings:AlertSettings"),
    ("newswatch dev", "newswatch_cli.dev:DevSettings"),
)


def _load(path: str) -> type[BaseSettings]:
    module, name = path.split(":")
    cls: type[BaseSettings] = getattr(importlib.import_module(module), name)
    return cls


def _default(field: object) -> str:
    from pydantic_core import PydanticUndefined

    default = getattr(field, "default", PydanticUndefined)
    if default is PydanticUndefined:
        factory = getattr(field, "default_factory", None)
        return "*(required)*" if factory is None else f"`{factory()}`"
    if default is None:
        return "*(unset)*"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"


def render_table() -> str:
    rows = ["| variable | read by | default | meaning |", "|---|---|---|---|"]
    seen: set[str] = set()
    for who, path in SETTINGS_CLASSES:
        cls = _load(path)
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, field in cls.model_fields.items():
            env = f"{prefix}{name}".upper()
            if env in seen:
                continue
            seen.add(env)
            meaning = (field.description or "").replace("|", "\\|").replace("\n", " ")
            rows.append(f"| `{env}` | {who} | {_default(field)} | {meaning} |")
    return "\n".join(rows)
