"""Choosing roles (NEWSWATCH_ALERT_ROLES) and what a process with some of them exposes, without servers.

The roles apart on the real broker and Redis are in tests/integration/alert/test_alert_roles.py.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from newswatch_alert.app import create_app
from newswatch_alert.settings import AlertSettings

TOKEN = "an-admin-token-only-for-tests"
OPS = {"/health", "/ready", "/metrics"}


def settings(**over: Any) -> AlertSettings:
    return AlertSettings(admin_token=TOKEN, **over)


@pytest.mark.parametrize(
    ("given", "roles"),
    [
        ("api,match,deliver", ("api", "match", "deliver")),
        ("deliver, API", ("api", "deliver")),  # any case and order; started api, match, deliver
        ("match,match", ("match",)),
        (" match ", ("match",)),
    ],
)
def test_roles_are_read_in_start_order(given: str, roles: tuple[str, ...]) -> None:
    chosen = settings(alert_roles=given)
    assert chosen.roles == roles
    assert chosen.alert_roles == ",".join(roles)


def test_all_three_roles_by_default() -> None:
    assert settings().roles == ("api", "match", "deliver")


@pytest.mark.parametrize(
    ("given", "said"), [("api,matcher", "matcher"), ("", "at least one"), (" , ", "one")]
)
def test_unknown_or_no_roles_are_refused_by_name(given: str, said: str) -> None:
    with pytest.raises(ValidationError) as caught:
        settings(alert_roles=given)
    assert said in str(caught.value) and "api, match, deliver" in str(caught.value)


def test_the_env_variable_chooses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_ALERT_ROLES", "deliver")
    assert settings().roles == ("deliver",)


def paths(app_settings: AlertSettings) -> set[str]:
    return set(create_app(app_settings).openapi()["paths"])


def test_only_the_api_role_serves_the_api() -> None:
    assert paths(settings(alert_roles="match,deliver")) == OPS
    with_api = paths(settings(alert_roles="api"))
    assert {"/users", "/watchlists", "/alerts", "/alerts/stream", "/articles", "/trends"} <= with_api
    assert with_api == paths(settings())


async def test_ready_names_each_role_and_says_it_is_not_started_before_the_lifespan_ran() -> None:
    # ASGITransport runs no lifespan: nothing was started (and nothing is contacted).
    transport = httpx.ASGITransport(app=create_app(settings(alert_roles="match,deliver")))
    async with httpx.AsyncClient(transport=transport, base_url="http://alert") as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["service"] == "alert"
    assert body["roles"] == {
        "match": {"status": "starting", "checks": {}, "workers": {}},
        "deliver": {"status": "starting", "checks": {}, "workers": {}},
    }


def test_the_api_role_needs_the_admin_token_and_the_others_take_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWATCH_ADMIN_TOKEN", raising=False)
    with pytest.raises(ValidationError, match="NEWSWATCH_ADMIN_TOKEN is required where the api role runs"):
        AlertSettings(alert_roles="api,match")
    assert AlertSettings(alert_roles="match,deliver").admin_token is None
    with pytest.raises(ValidationError, match="at least 16 characters"):  # given, it must still be real
        AlertSettings(alert_roles="match", admin_token="changeme")


def test_sending_email_needs_the_public_url_where_deliver_runs() -> None:
    """Every mail links back to the api role (confirm, unsubscribe): without its URL, refuse to start."""
    with pytest.raises(ValidationError, match="NEWSWATCH_ALERT_PUBLIC_URL"):
        settings(alert_roles="deliver", alert_smtp_host="smtp.example.org")
    settings(alert_roles="api,match", alert_smtp_host="smtp.example.org")  # these send no mail
    settings(alert_smtp_host="smtp.example.org", alert_public_url="https://newswatch.example.org/base")
    with pytest.raises(ValidationError):
        settings(alert_public_url="newswatch.example.org")  # not a URL
