"""Schemathesis against each service's own OpenAPI document, on the running service.

Every operation gets requests generated from the schema — valid ones and ones the schema forbids —
sent to the real process (alert's api role, ingest, enrich) on a real Redis and broker. For each:
no 5xx, the status code is one the document lists, the content type and the body match what it
declares, and a request the schema forbids is refused. What the schema cannot say (a cursor this API
did not make, a feed URL that is not http(s)) is checked by the services after parsing, so a
schema-valid request may still get its 422: that one check (``positive_data_acceptance``) is left out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.parameters import ParameterLocation

from newswatch_alert.app import create_app as alert_app
from newswatch_alert.settings import AlertSettings
from newswatch_cli.embedded import EmbeddedBroker, free_port
from newswatch_enrich.app import create_app as enrich_app
from newswatch_enrich.settings import EnrichSettings
from newswatch_ingest.app import create_app as ingest_app
from newswatch_ingest.settings import IngestSettings
from tests.helpers.kafka import EXTERNAL

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

TOKEN = "an-admin-token-only-for-fuzzing"
FUZZ = settings(
    max_examples=int(os.environ.get("NEWSWATCH_FUZZ_EXAMPLES", "25")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _schema(document: dict[str, object]) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(document)


# The documents come from the apps themselves (no server needed to read them), so the test ids exist
# at collection time; the requests go to the running processes below.
ALERT = _schema(alert_app(AlertSettings(admin_token=TOKEN, alert_roles="api")).openapi())
INGEST = _schema(ingest_app(IngestSettings(admin_token=TOKEN)).openapi())
ENRICH = _schema(enrich_app(EnrichSettings()).openapi())


@dataclass
class Running:
    url: str
    admin: dict[str, str]
    user: dict[str, str]

    def headers_for(self, case: schemathesis.Case) -> dict[str, str]:
        security = json.dumps(case.operation.definition.raw.get("security", []))
        return self.admin if "AdminToken" in security else self.user


@pytest.fixture(scope="module")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if EXTERNAL:
        yield EXTERNAL
        return
    broker = EmbeddedBroker(log_path=tmp_path_factory.mktemp("fuzz-kafka") / "tansu.log").start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


def _serve(
    command: str, env: dict[str, str], port: int, log: Path, ready_timeout_s: float = 120
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name(command))],
            env={**os.environ, "NEWSWATCH_LOG_FORMAT": "text", "NEWSWATCH_LOG_LEVEL": "WARNING", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + ready_timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{command} exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError(f"{command} not ready: {log.read_text()[-2000:]}")
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[bytes], log: Path) -> None:
    proc.terminate()
    proc.wait(30)
    # A handler that failed behind a 5xx would be in the log; the checks above saw its status.
    assert "Traceback" not in log.read_text(), log.read_text()[-4000:]


@pytest.fixture(scope="module")
def alert(spare_redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    port, log = free_port(), tmp_path_factory.mktemp("fuzz-alert") / "alert.log"
    env = {
        "NEWSWATCH_ADMIN_TOKEN": TOKEN,
        "NEWSWATCH_ALERT_ROLES": "api",
        "NEWSWATCH_ALERT_PORT": str(port),
        "NEWSWATCH_REDIS_URL": spare_redis_url,
    }
    proc = _serve("newswatch-alert", env, port, log)
    url = f"http://127.0.0.1:{port}"
    admin = {"Authorization": f"Bearer {TOKEN}"}
    key = httpx.post(f"{url}/users", json={"name": "fuzz"}, headers=admin).json()["api_key"]
    try:
        yield Running(url, admin, {"Authorization": f"Bearer {key}"})
    finally:
        _stop(proc, log)


@pytest.fixture(scope="module")
def ingest(kafka: str, spare_redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    port, log = free_port(), tmp_path_factory.mktemp("fuzz-ingest") / "ingest.log"
    env = {
        "NEWSWATCH_ADMIN_TOKEN": TOKEN,
        "NEWSWATCH_INGEST_PORT": str(port),
        "NEWSWATCH_KAFKA_BOOTSTRAP": kafka,
        "NEWSWATCH_REDIS_URL": spare_redis_url,
        # The generated feed URLs are made up: never let a fuzzer reach this machine's network.
        "NEWSWATCH_ALLOW_PRIVATE_URLS": "false",
    }
    proc = _serve("newswatch-ingest", env, port, log)
    admin = {"Authorization": f"Bearer {TOKEN}"}
    try:
        yield Running(f"http://127.0.0.1:{port}", admin, admin)
    finally:
        _stop(proc, log)


@pytest.fixture(scope="module")
def enrich(kafka: str, spare_redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    port, log = free_port(), tmp_path_factory.mktemp("fuzz-enrich") / "enrich.log"
    env = {
        "NEWSWATCH_ENRICH_PORT": str(port),
        "NEWSWATCH_KAFKA_BOOTSTRAP": kafka,
        "NEWSWATCH_REDIS_URL": spare_redis_url,
    }
    proc = _serve("newswatch-enrich", env, port, log)
    try:
        yield Running(f"http://127.0.0.1:{port}", {}, {})
    finally:
        _stop(proc, log)


def _call(case: schemathesis.Case, running: Running) -> None:
    # A negative case may be one whose Authorization header is missing or wrong on purpose: it keeps
    # what was generated. Every other case gets the credential its operation needs.
    header_mode = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    negative_headers = header_mode is not None and header_mode.mode == GenerationMode.NEGATIVE
    headers = None if negative_headers else running.headers_for(case)
    response = case.call(base_url=running.url, headers=headers)
    if response.status_code == 400 and response.text == "Invalid HTTP request received.":
        return  # not HTTP at all (a negative Content-Length, say): uvicorn's answer, before any app
    case.validate_response(response, excluded_checks=[positive_data_acceptance])


@ALERT.exclude(path_regex="^/(alerts|articles)/stream$").parametrize()
@FUZZ
def test_alert_api(case: schemathesis.Case, alert: Running) -> None:
    _call(case, alert)


@INGEST.parametrize()
@FUZZ
def test_ingest_api(case: schemathesis.Case, ingest: Running) -> None:
    _call(case, ingest)


@ENRICH.parametrize()
@FUZZ
def test_enrich_api(case: schemathesis.Case, enrich: Running) -> None:
    _call(case, enrich)
