"""The user API against the real app, Redis and broker: authentication, scoping, validation."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from redis.asyncio import Redis

from tests.integration.alert.support import admin, bearer, new_user

pytestmark = pytest.mark.integration

WATCHLIST = {
    "name": "Eastern border",
    "entities": ["Ukraine"],
    "keywords": ["troops"],
    "channels": [{"type": "webhook", "url": "https://hooks.example/in"}],
}


def assert_unauthorized(response: httpx.Response, detail: str | None = None) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    if detail is not None:  # the wording docs/alert.md promises
        assert response.json() == {"detail": detail}


async def test_users_are_made_by_the_admin_only(api: httpx.AsyncClient, redis_client: Redis) -> None:
    assert_unauthorized(await api.post("/users", json={"name": "ana"}), "missing admin token")
    assert_unauthorized(
        await api.post("/users", json={"name": "ana"}, headers=bearer("not-the-admin-token")),
        "invalid admin token",
    )

    created = await api.post("/users", json={"name": "ana"}, headers=admin())
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "name", "api_key"} and body["name"] == "ana"
    # A user's key is not an admin token.
    assert_unauthorized(await api.post("/users", json={"name": "bo"}, headers=bearer(body["api_key"])))
    assert (await api.post("/users", json={"name": " "}, headers=admin())).status_code == 422

    # Only the key's hash is stored.
    digest = hashlib.sha256(body["api_key"].encode()).hexdigest()
    assert await redis_client.get(f"apikey:{digest}") == body["id"]
    async for name in redis_client.scan_iter():
        assert body["api_key"] not in name
        if await redis_client.type(name) == "string":
            assert body["api_key"] not in (await redis_client.get(name) or "")


async def test_user_endpoints_need_a_valid_key(api: httpx.AsyncClient) -> None:
    for method, path in [("GET", "/watchlists"), ("POST", "/watchlists"), ("GET", "/alerts")]:
        assert_unauthorized(await api.request(method, path, json=WATCHLIST), "missing API key")
        guessed = await api.request(method, path, json=WATCHLIST, headers=bearer("nw_guessed"))
        assert_unauthorized(guessed, "invalid API key")
        assert_unauthorized(
            await api.request(method, path, json=WATCHLIST, headers={"Authorization": "Basic x"}),
            "missing API key",  # not a bearer credential at all
        )
    # Articles are public news: no key needed.
    articles = await api.get("/articles")
    assert articles.status_code == 200 and articles.json()["articles"] == []


async def test_watchlists_are_scoped_to_their_owner(api: httpx.AsyncClient) -> None:
    ana, bo = bearer(await new_user(api, "ana")), bearer(await new_user(api, "bo"))
    given_secret = "ana-chose-this-secret-herself"
    created = await api.post(
        "/watchlists",
        json={
            **WATCHLIST,
            "channels": [
                {"type": "webhook", "url": "https://hooks.example/a"},
                {"type": "webhook", "url": "http://hooks.example/b", "secret": given_secret},
            ],
        },
        headers=ana,
    )
    assert created.status_code == 201, created.text
    watchlist = created.json()
    generated, kept = watchlist["channels"]
    assert len(generated["secret"]) >= 32 and kept["secret"] == given_secret
    assert generated["id"] != kept["id"]
    wid = watchlist["id"]

    assert (await api.get(f"/watchlists/{wid}", headers=ana)).json() == watchlist
    assert [w["id"] for w in (await api.get("/watchlists", headers=ana)).json()["watchlists"]] == [wid]

    # Another user's watchlist is invisible: 404 as if it did not exist, and not listed.
    assert (await api.get(f"/watchlists/{wid}", headers=bo)).status_code == 404
    assert (await api.delete(f"/watchlists/{wid}", headers=bo)).status_code == 404
    assert (await api.get("/watchlists", headers=bo)).json() == {"watchlists": []}
    assert (await api.get(f"/watchlists/{wid}", headers=ana)).status_code == 200

    deleted = await api.delete(f"/watchlists/{wid}", headers=ana)
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await api.get(f"/watchlists/{wid}", headers=ana)).status_code == 404
    assert (await api.delete(f"/watchlists/{wid}", headers=ana)).status_code == 404
    assert (await api.get("/watchlists", headers=ana)).json() == {"watchlists": []}


@pytest.mark.parametrize(
    "change",
    [
        {"entities": [], "keywords": []},
        {"name": ""},
        {"channels": [{"type": "webhook", "url": "file:///etc/passwd"}]},
        {"channels": [{"type": "webhook", "url": "https://hooks.example", "secret": "short"}]},
    ],
)
async def test_invalid_watchlists_are_422(api: httpx.AsyncClient, change: dict[str, object]) -> None:
    key = bearer(await new_user(api, "cy"))
    response = await api.post("/watchlists", json={**WATCHLIST, **change}, headers=key)
    assert response.status_code == 422, response.text
    assert (await api.get("/watchlists", headers=key)).json() == {"watchlists": []}


async def test_limits_openapi_and_ops(api: httpx.AsyncClient) -> None:
    assert (await api.get("/articles", params={"limit": 0})).status_code == 422
    assert (await api.get("/articles", params={"limit": 201})).status_code == 422
    spec = (await api.get("/openapi.json")).json()
    assert {"/users", "/watchlists", "/watchlists/{watchlist_id}", "/articles", "/alerts"} <= set(
        spec["paths"]
    )
    assert {"UserKey", "AdminToken"} <= set(spec["components"]["securitySchemes"])
    assert (await api.get("/docs")).status_code == 200
    ready = await api.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {"kafka": True, "redis": True}
    assert "newswatch_alert_deliveries_total" in (await api.get("/metrics")).text
