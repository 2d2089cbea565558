"""docker-compose.yml, its env files and the smoke override, checked without Docker.

What `docker-compose config` cannot see: that every NEWSWATCH_* variable a container gets is a setting
its service reads (a misspelt name would be ignored silently: the settings ignore unknown variables),
that every required setting is set, that the values pass the settings' own validation, and the
structure the issue promises (health-gated start order, restarts, volumes, a scalable enrich).
`make compose-config` (and .ci/run when Debian's docker-compose is installed) runs the real parser too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from dotenv import dotenv_values

from newswatch_alert.settings import AlertSettings
from newswatch_enrich.settings import EnrichSettings
from newswatch_ingest.settings import IngestSettings
from newswatch_shared.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
SMOKE = REPO / "docker-compose.smoke.yml"

#: Containers running newswatch code → the settings class they build at start-up.
SETTINGS: dict[str, type[ServiceSettings]] = {
    "ingest": IngestSettings,
    "enrich": EnrichSettings,
    "alert-api": AlertSettings,
    "alert-match": AlertSettings,
    "alert-deliver": AlertSettings,
    "topics": ServiceSettings,  # python -m newswatch_shared.topic_job
}
#: ${...} variables of the compose files that are not settings: how the stack is published and built.
COMPOSE_VARIABLES = {
    "NEWSWATCH_PUBLISH_ADDRESS",
    "NEWSWATCH_PUBLISH_ALERT_PORT",
    "NEWSWATCH_PUBLISH_INGEST_PORT",
    "NEWSWATCH_PUBLISH_KAFKA_PORT",
    "NEWSWATCH_BASE_IMAGE",
    "NEWSWATCH_IMAGE_TAG",
    "NEWSWATCH_REDIS_MAXMEMORY",
}
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")
A_TOKEN = "a-real-looking-admin-token-0123456789"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default} and ${VAR:?error}, enough for these files."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if name in env and (env[name] or op not in (":-", ":?")):
            return env[name]
        if op in (":?", "?"):
            raise LookupError(f"{name}: {arg}")
        return arg or ""

    return INTERPOLATION.sub(one, value)


def container_env(service: dict[str, Any], shell: dict[str, str]) -> dict[str, str]:
    """The environment a container gets: env files, then `environment` (unset pass-throughs dropped)."""
    env: dict[str, str] = {}
    for name in service.get("env_file", []):
        env.update({k: v for k, v in dotenv_values(REPO / name).items() if v is not None})
    for key, value in interpolate(service.get("environment") or {}, shell).items():
        if value is None:
            if key in shell:
                env[key] = shell[key]
        else:
            env[key] = str(value)
    return env


def env_name(field: str) -> str:
    return f"NEWSWATCH_{field.upper()}"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(COMPOSE)


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_every_variable_is_a_setting_of_the_service(compose: dict[str, Any], service: str) -> None:
    env = container_env(compose["services"][service], {"NEWSWATCH_ADMIN_TOKEN": A_TOKEN})
    fields = {env_name(f) for f in SETTINGS[service].model_fields}
    every_field = {env_name(f) for cls in SETTINGS.values() for f in cls.model_fields}
    newswatch_vars = {k for k in env if k.startswith("NEWSWATCH_")}
    assert newswatch_vars, "the service gets no settings at all"
    # compose.env is shared by every container: each line must be read by some service ...
    assert not newswatch_vars - every_field, f"read by no service: {sorted(newswatch_vars - every_field)}"
    # ... and what is set for this service alone must be read by this service.
    own = {k for k in compose["services"][service].get("environment") or {} if k.startswith("NEWSWATCH_")}
    assert not own - fields, f"{service} does not read {sorted(own - fields)}"


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_required_settings_are_set_and_every_value_validates(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = container_env(compose["services"][service], {"NEWSWATCH_ADMIN_TOKEN": A_TOKEN})
    cls = SETTINGS[service]
    required = {env_name(f) for f, info in cls.model_fields.items() if info.is_required()}
    assert not required - set(env), f"{service} needs {sorted(required - set(env))}"
    for key in [k for k in os.environ if k.startswith("NEWSWATCH_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = cls()  # raises on any value the service would refuse at start-up
    assert settings.kafka_bootstrap == "kafka:9092"
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.host == "0.0.0.0"


def test_the_admin_token_is_required_with_a_message(compose: dict[str, Any]) -> None:
    for service in ("ingest", "alert-api"):
        with pytest.raises(LookupError, match="NEWSWATCH_ADMIN_TOKEN.*16"):
            container_env(compose["services"][service], {})
    assert "NEWSWATCH_ADMIN_TOKEN=" in (REPO / ".env.example").read_text()


def test_start_order_is_gated_on_health_and_the_topic_job(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for infra in ("kafka", "redis"):
        assert services[infra]["healthcheck"]["test"], infra
    assert services["topics"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert services["topics"]["restart"] == "no"
    for name in ("ingest", "enrich", "alert-api", "alert-match", "alert-deliver"):
        assert services[name]["depends_on"] == {
            "kafka": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "topics": {"condition": "service_completed_successfully"},
        }, name
    for name, service in services.items():
        if name != "topics":
            assert service["restart"] == "unless-stopped", name


def test_images_are_built_from_the_repository_on_a_chosen_base(compose: dict[str, Any]) -> None:
    for name in ("topics", "demo-feed", "ingest", "enrich", "alert-api", "alert-match", "alert-deliver"):
        build = compose["services"][name]["build"]
        assert (REPO / build["context"] / build["dockerfile"]).is_file(), name
        assert build["args"]["BASE_IMAGE"] == "${NEWSWATCH_BASE_IMAGE:-python:3.11-slim}", name


def test_enrich_scales_and_state_lives_in_named_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert not any("container_name" in s for s in services.values())  # names would forbid --scale
    for scaled in ("enrich", "alert-match", "alert-deliver"):
        assert "ports" not in services[scaled], scaled
    assert int(dotenv_values(REPO / "compose.env")["NEWSWATCH_KAFKA_PARTITIONS"] or 0) >= 3
    assert services["redis"]["volumes"] == ["redis-data:/data"]
    command = services["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    # Bounded: full memory evicts only keys that expire anyway, never users, watchlists or feeds.
    assert command[command.index("--maxmemory-policy") + 1] == "volatile-lru"
    assert command[command.index("--maxmemory") + 1] == "${NEWSWATCH_REDIS_MAXMEMORY:-1gb}"
    assert services["kafka"]["volumes"] == ["kafka-data:/var/lib/kafka/data"]
    assert services["kafka"]["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"
    assert set(compose["volumes"]) == {"kafka-data", "redis-data"}


def test_alert_runs_as_three_roles_of_one_image(compose: dict[str, Any]) -> None:
    services = compose["services"]
    images = {services[f"alert-{role}"]["image"] for role in ("api", "match", "deliver")}
    assert images == {services["topics"]["image"]}  # one image, built once
    for role in ("api", "match", "deliver"):
        env = container_env(services[f"alert-{role}"], {"NEWSWATCH_ADMIN_TOKEN": A_TOKEN})
        chosen = AlertSettings.model_validate(
            {"alert_roles": env["NEWSWATCH_ALERT_ROLES"], "admin_token": A_TOKEN}
        )
        assert chosen.roles == (role,)
        # Only the api role guards admin endpoints: the others are given no secret they never use.
        assert ("NEWSWATCH_ADMIN_TOKEN" in env) is (role == "api"), role
    assert "alert" not in services  # the one-process alert is `make run`'s, not compose's
    assert services["alert-api"]["ports"] == [
        "${NEWSWATCH_PUBLISH_ADDRESS:-127.0.0.1}:${NEWSWATCH_PUBLISH_ALERT_PORT:-8000}:8000"
    ]


def test_kafka_listeners_serve_the_network_and_the_host(compose: dict[str, Any]) -> None:
    env = compose["services"]["kafka"]["environment"]
    advertised = dict(item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    assert advertised["INTERNAL"] == dotenv_values(REPO / "compose.env")["NEWSWATCH_KAFKA_BOOTSTRAP"]
    assert advertised["HOST"].startswith("localhost:${NEWSWATCH_PUBLISH_KAFKA_PORT:-9094}")
    (port,) = compose["services"]["kafka"]["ports"]
    assert port.endswith(":${NEWSWATCH_PUBLISH_KAFKA_PORT:-9094}:9094")


def test_every_interpolated_variable_is_documented() -> None:
    readme = (REPO / "README.md").read_text()
    names = {m.group(1) for path in (COMPOSE, SMOKE) for m in INTERPOLATION.finditer(path.read_text())}
    settings = {env_name(f) for cls in SETTINGS.values() for f in cls.model_fields}
    smoke_only = {"SMOKE_SINK_PORT"}
    assert not names - settings - COMPOSE_VARIABLES - smoke_only, names - settings - COMPOSE_VARIABLES
    for name in COMPOSE_VARIABLES:
        assert f"`{name}`" in readme, f"README's docker compose section does not explain {name}"


def test_the_smoke_override_changes_only_what_this_machine_lacks() -> None:
    base, smoke = load(COMPOSE), load(SMOKE)
    assert set(smoke["services"]) - set(base["services"]) == {"webhook-sink"}
    for name, service in smoke["services"].items():
        assert "ports" not in service or name == "webhook-sink", name  # ports merge, never replace
        env = service.get("environment") or {}
        fields = {env_name(f) for f in SETTINGS[name].model_fields} if name in SETTINGS else set()
        assert not {k for k in env if k.startswith("NEWSWATCH_")} - fields, name


def test_the_ssrf_guard_stays_on_and_only_named_hosts_are_allowed(compose: dict[str, Any]) -> None:
    """Compose's demo feed and the smoke's sink are containers on a private network: they are allowed
    by name (NEWSWATCH_ALLOWED_PRIVATE_HOSTS), never by turning the guard off for every address."""
    smoke = load(SMOKE)
    for name in ("ingest", "alert-api", "alert-deliver"):
        env = container_env(compose["services"][name], {"NEWSWATCH_ADMIN_TOKEN": A_TOKEN})
        assert env.get("NEWSWATCH_ALLOW_PRIVATE_URLS", "false") == "false", name
        assert env["NEWSWATCH_ALLOWED_PRIVATE_HOSTS"] == "demo-feed", name
        smoke_env = {**env, **(smoke["services"][name].get("environment") or {})}
        assert smoke_env.get("NEWSWATCH_ALLOW_PRIVATE_URLS", "false") == "false", name
        assert set(smoke_env["NEWSWATCH_ALLOWED_PRIVATE_HOSTS"].split(",")) == {"demo-feed", "webhook-sink"}
