"""Two users against the running service: neither sees, changes or even detects the other's things.

The sweeps walk the service's own OpenAPI document, so an endpoint added later is covered without
editing this file: every operation that names an item by id is tried with the other user's id
(→ 404, as for a missing one), and every operation taking a credential is tried without one, with a
wrong one and with the wrong kind (→ 401 with ``WWW-Authenticate: Bearer``).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from newswatch_alert.settings import AlertSettings
from newswatch_cli.embedded import free_port
from tests.integration.alert.support import (
    ADMIN_TOKEN,
    admin,
    bearer,
    border_article,
    eventually,
    new_user,
    produce_articles,
)

pytestmark = pytest.mark.integration

WATCHLIST: dict[str, Any] = {"name": "Eastern border", "entities": ["UA"], "keywords": ["troops"]}
OPS_PATHS = {"/health", "/ready", "/metrics"}
METHODS = ("get", "post", "put", "patch", "delete")
# A body each operation would accept from its owner, so a 404 cannot be a 422 in disguise.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("patch", "/watchlists/{watchlist_id}"): {"name": "taken over"},
}


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        if path not in OPS_PATHS
        for method, op in item.items()
        if method in METHODS
    ]


def schemes(op: dict[str, Any]) -> set[str]:
    return {scheme for requirement in op.get("security", []) for scheme in requirement}


def fill(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no id to try for {path}: add one to this test"
    return path


def assert_unauthorized(response: httpx.Response, what: str) -> None:
    assert response.status_code == 401, (what, response.status_code, response.text)
    assert response.headers["www-authenticate"] == "Bearer", what


async def test_two_users_never_see_each_other(api: httpx.AsyncClient, settings: AlertSettings) -> None:
    ana, bo = bearer(await new_user(api, "ana")), bearer(await new_user(api, "bo"))
    # ana's channel answers nobody (a closed port): her delivery dies, so she has a dead letter too.
    gone = {"type": "webhook", "url": f"http://127.0.0.1:{free_port()}/gone"}
    watchlist = (await api.post("/watchlists", json={**WATCHLIST, "channels": [gone]}, headers=ana)).json()
    bo_watchlist = (await api.post("/watchlists", json=WATCHLIST, headers=bo)).json()
    ana_key = (await api.post("/keys", json={"name": "second"}, headers=ana)).json()

    # Both watch the same thing; each gets an alert of their own.
    await produce_articles(settings, border_article())

    async def dead_of(key: dict[str, str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await api.get("/deliveries/dead", headers=key)).json()["dead"]
        return found

    (ana_dead,) = await eventually(lambda: dead_of(ana), what="ana's dead delivery")
    assert await dead_of(bo) == []

    async def alerts_of(key: dict[str, str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await api.get("/alerts", headers=key)).json()["alerts"]
        return found

    (ana_alert,) = await eventually(lambda: alerts_of(ana), what="ana's alert")
    (bo_alert,) = await eventually(lambda: alerts_of(bo), what="bo's alert")
    assert ana_alert["watchlist_id"] == watchlist["id"] and bo_alert["watchlist_id"] == bo_watchlist["id"]
    assert ana_alert["id"] != bo_alert["id"]
    assert (await api.get(f"/alerts/{ana_alert['id']}", headers=ana)).json() == ana_alert

    # Lists hold only the caller's own.
    assert [w["id"] for w in (await api.get("/watchlists", headers=bo)).json()["watchlists"]] == [
        bo_watchlist["id"]
    ]
    assert ana_key["id"] not in (await api.get("/keys", headers=bo)).text

    # Every operation naming one of ana's things, called by bo: 404, as for something that never existed.
    spec = (await api.get("/openapi.json")).json()
    ana_ids = {
        "watchlist_id": watchlist["id"],
        "alert_id": ana_alert["id"],
        "key_id": ana_key["id"],
        "dead_id": ana_dead["id"],
    }
    missing_ids = {
        "watchlist_id": "0123456789abcdef",
        "alert_id": "0123456789abcdef01234567",
        "key_id": "0" * 16,
        "dead_id": "0123456789abcdef01234567:00000000",
    }
    tried = set()
    for method, path, op in operations(spec):
        if schemes(op) != {"UserKey"} or "{" not in path:
            continue
        body = BODIES.get((method, path))
        theirs = await api.request(method, fill(path, ana_ids), json=body, headers=bo)
        missing = await api.request(method, fill(path, missing_ids), json=body, headers=bo)
        assert theirs.status_code == 404, (method, path, theirs.text)
        assert (theirs.status_code, theirs.json()) == (missing.status_code, missing.json())
        tried.add((method, path))
    assert {
        ("get", "/watchlists/{watchlist_id}"),
        ("delete", "/keys/{key_id}"),
        ("get", "/alerts/{alert_id}"),
        ("post", "/deliveries/dead/{dead_id}/redrive"),
    } <= tried

    # Endpoints that take an id in the body instead: the watchlist test, when the service has it.
    if "/watchlists/test" in spec["paths"]:
        tested = await api.post(
            "/watchlists/test",
            json={"watchlist_id": watchlist["id"], "text": "troops in Ukraine"},
            headers=bo,
        )
        assert tested.status_code == 404, tested.text

    # Nothing of ana's was changed by bo's attempts.
    assert (await api.get(f"/watchlists/{watchlist['id']}", headers=ana)).json() == watchlist
    assert (await api.get("/watchlists", headers=bearer(ana_key["api_key"]))).status_code == 200
    assert [a["id"] for a in await alerts_of(ana)] == [ana_alert["id"]]
    assert await dead_of(ana) == [ana_dead]  # bo's redrive attempt left it dead and listed


async def test_every_protected_endpoint_needs_the_right_credential(api: httpx.AsyncClient) -> None:
    user_key = await new_user(api, "ana")
    spec = (await api.get("/openapi.json")).json()
    ids = {"watchlist_id": "0123456789abcdef", "alert_id": "0123456789abcdef01234567", "key_id": "0" * 16}
    ids["user_id"] = "0123456789abcdef"
    ids["dead_id"] = "0123456789abcdef01234567:00000000"
    wrong_kind = {"UserKey": ADMIN_TOKEN, "AdminToken": user_key}
    seen = set()
    for method, path, op in operations(spec):
        kinds = schemes(op)
        if not kinds:
            continue
        (kind,) = kinds
        seen.add(kind)
        url = fill(path, ids)
        what = f"{method.upper()} {path}"
        assert_unauthorized(await api.request(method, url, json={}), what)
        assert_unauthorized(await api.request(method, url, json={}, headers=bearer("nw_" + "x" * 43)), what)
        assert_unauthorized(await api.request(method, url, json={}, headers=bearer(wrong_kind[kind])), what)
        assert_unauthorized(
            await api.request(method, url, json={}, headers={"Authorization": f"Basic {user_key}"}), what
        )
    assert seen == {"UserKey", "AdminToken"}
    assert (await api.get("/users", headers=admin())).status_code == 200
