"""The Dockerfiles and their lock files, checked without Docker (`make compose-smoke` builds them).

The promises: multi-stage builds on a BASE_IMAGE argument (python:3.11-slim by default), a non-root
runtime, a HEALTHCHECK on /health at the port the service really listens on, and dependencies pinned
by services/*/requirements.lock — every direct dependency present, at a version the pyproject allows.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from newswatch_alert.settings import AlertSettings
from newswatch_enrich.settings import EnrichSettings
from newswatch_ingest.settings import IngestSettings
from newswatch_shared.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]
SERVICES: dict[str, tuple[type[ServiceSettings], str]] = {
    "ingest": (IngestSettings, "ingest_port"),
    "enrich": (EnrichSettings, "enrich_port"),
    "alert": (AlertSettings, "alert_port"),
}


def dockerfile(service: str) -> str:
    return (REPO / "services" / service / "Dockerfile").read_text()


def lock(service: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (REPO / "services" / service / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def direct_requirements(project: Path) -> list[Requirement]:
    deps = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    return [
        Requirement(d) for d in deps if not canonicalize_name(Requirement(d).name).startswith("newswatch-")
    ]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_dockerfile_is_multi_stage_non_root_and_checks_health(service: str) -> None:
    text = dockerfile(service)
    assert text.count("\nFROM ${BASE_IMAGE}") == 2, "builder stage and runtime stage, both on BASE_IMAGE"
    assert "ARG BASE_IMAGE=python:3.11-slim" in text
    assert "COPY --from=builder /opt/venv /opt/venv" in text
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    settings_cls, port_field = SERVICES[service]
    port = settings_cls.model_fields[port_field].default
    assert f"EXPOSE {port}\n" in text
    healthcheck = text[text.index("HEALTHCHECK") :]
    assert "/health" in healthcheck and f"'{port}'" in healthcheck
    assert f"NEWSWATCH_{port_field.upper()}" in healthcheck  # follows a changed port
    assert "--requirement /tmp/requirements.lock" in text and "pip check" in text


def test_the_spacy_model_is_installed_at_build_time() -> None:
    model = EnrichSettings.model_fields["enrich_spacy_model"].default
    assert f"spacy.load('{model}')" in dockerfile("enrich")
    assert canonicalize_name(model.replace("_", "-")) in lock("enrich")


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_lock_pins_every_direct_dependency_at_an_allowed_version(service: str) -> None:
    pins = lock(service)
    for req in direct_requirements(REPO / "shared") + direct_requirements(REPO / "services" / service):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in services/{service}/requirements.lock: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} does not satisfy {req}: run `make lock`"
        )


def test_ingest_and_alert_images_carry_no_spacy() -> None:
    assert "spacy" not in lock("ingest") and "spacy" not in lock("alert")
    assert "feedparser" not in lock("alert")
