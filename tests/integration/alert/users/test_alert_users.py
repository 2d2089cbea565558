"""Users and API keys against the running service: two replicas share Redis, and a revoked key or a
deactivated user fails at once on both (no replica caches a key)."""

from __future__ import annotations

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.settings import AlertSettings
from newswatch_alert.users.apikeys import MAX_KEYS_PER_USER
from tests.integration.alert.support import admin, bearer, serving

pytestmark = pytest.mark.integration

WATCHLIST = {"name": "Eastern border", "entities": ["UA"], "keywords": ["troops"]}


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"


async def test_keys_are_made_listed_and_revoked_on_every_replica(
    api: httpx.AsyncClient, settings: AlertSettings, redis_client: Redis
) -> None:
    created = (await api.post("/users", json={"name": "ana"}, headers=admin())).json()
    first = created["api_key"]
    async with serving(settings) as other:  # a second replica of the service
        assert (await other.get("/watchlists", headers=bearer(first))).status_code == 200

        made = await api.post("/keys", json={"name": " laptop "}, headers=bearer(first))
        assert made.status_code == 201, made.text
        second = made.json()
        assert second["name"] == "laptop" and second["api_key"].startswith("nw_")
        assert second["prefix"] == second["api_key"][:10] and second["last_used_at"] is None
        assert (await other.get("/watchlists", headers=bearer(second["api_key"]))).status_code == 200

        listed = await other.get("/keys", headers=bearer(second["api_key"]))
        assert listed.status_code == 200
        keys = listed.json()["keys"]
        assert [k["name"] for k in keys] == ["default", "laptop"]
        assert all(set(k) == {"id", "name", "prefix", "created_at", "last_used_at"} for k in keys)
        assert first not in listed.text and second["api_key"] not in listed.text
        assert all(k["last_used_at"] is not None for k in keys)  # both were just used
        default_id = keys[0]["id"]
        assert keys[0]["prefix"] == first[:10]

        # Revoke the first key through one replica: both refuse it from the next request on.
        revoked = await api.delete(f"/keys/{default_id}", headers=bearer(second["api_key"]))
        assert revoked.status_code == 204 and revoked.content == b""
        for replica in (api, other):
            assert_unauthorized(await replica.get("/watchlists", headers=bearer(first)))
            assert (await replica.get("/keys", headers=bearer(second["api_key"]))).status_code == 200
        assert (
            await other.delete(f"/keys/{default_id}", headers=bearer(second["api_key"]))
        ).status_code == 404
        assert (
            await other.delete("/keys/0123456789abcdef", headers=bearer(second["api_key"]))
        ).status_code == 404

        # The only key left cannot be revoked: that would lock the user out.
        last = await other.delete(f"/keys/{second['id']}", headers=bearer(second["api_key"]))
        assert last.status_code == 409 and "create another" in last.json()["detail"]

        # A key may revoke itself once another exists.
        third = (await api.post("/keys", json={"name": "ci"}, headers=bearer(second["api_key"]))).json()
        assert (
            await api.delete(f"/keys/{second['id']}", headers=bearer(second["api_key"]))
        ).status_code == 204
        assert_unauthorized(await other.get("/keys", headers=bearer(second["api_key"])))
        assert [
            k["id"] for k in (await other.get("/keys", headers=bearer(third["api_key"]))).json()["keys"]
        ] == [third["id"]]

    # Nothing in Redis holds a key in the clear.
    async for name in redis_client.scan_iter():
        if await redis_client.type(name) == "hash":
            assert not any(third["api_key"] in v for v in (await redis_client.hgetall(name)).values())


async def test_key_input_and_limits(api: httpx.AsyncClient) -> None:
    key = (await api.post("/users", json={"name": "bo"}, headers=admin())).json()["api_key"]
    for body in ({}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}):
        assert (await api.post("/keys", json=body, headers=bearer(key))).status_code == 422, body
    for i in range(MAX_KEYS_PER_USER - 1):
        assert (await api.post("/keys", json={"name": f"k{i}"}, headers=bearer(key))).status_code == 201
    over = await api.post("/keys", json={"name": "one too many"}, headers=bearer(key))
    assert over.status_code == 409 and "revoke one first" in over.json()["detail"]
    assert len((await api.get("/keys", headers=bearer(key))).json()["keys"]) == MAX_KEYS_PER_USER
    # The admin token is no user key, and a user key is no admin token.
    assert_unauthorized(await api.get("/keys", headers=admin()))
    assert_unauthorized(await api.get("/users", headers=bearer(key)))


async def test_the_admin_lists_and_deactivates_users(api: httpx.AsyncClient, settings: AlertSettings) -> None:
    ana = (await api.post("/users", json={"name": "ana"}, headers=admin())).json()
    bo = (await api.post("/users", json={"name": "bo"}, headers=admin())).json()
    spare = (await api.post("/keys", json={"name": "spare"}, headers=bearer(ana["api_key"]))).json()
    watchlist = (await api.post("/watchlists", json=WATCHLIST, headers=bearer(ana["api_key"]))).json()

    listed = (await api.get("/users", headers=admin())).json()["users"]
    assert [(u["id"], u["name"], u["active"]) for u in listed] == [
        (ana["id"], "ana", True),
        (bo["id"], "bo", True),
    ]
    assert all("api_key" not in u for u in listed)

    async with serving(settings) as other:
        assert (await other.get("/watchlists", headers=bearer(spare["api_key"]))).status_code == 200
        gone = await api.delete(f"/users/{ana['id']}", headers=admin())
        assert gone.status_code == 204 and gone.content == b""
        for replica in (api, other):
            for key in (ana["api_key"], spare["api_key"]):
                assert_unauthorized(await replica.get(f"/watchlists/{watchlist['id']}", headers=bearer(key)))
            assert (await replica.get("/watchlists", headers=bearer(bo["api_key"]))).status_code == 200

    after = {u["id"]: u for u in (await api.get("/users", headers=admin())).json()["users"]}
    assert after[ana["id"]]["active"] is False and after[ana["id"]]["deactivated_at"] is not None
    assert after[bo["id"]]["active"] is True and after[bo["id"]]["deactivated_at"] is None
    again = await api.delete(f"/users/{ana['id']}", headers=admin())  # repeatable
    assert again.status_code == 204
    assert (await api.get("/users", headers=admin())).json()["users"][0] == after[ana["id"]]
    assert (await api.delete("/users/0123456789abcdef", headers=admin())).status_code == 404
    assert_unauthorized(await api.delete(f"/users/{bo['id']}", headers=bearer(bo["api_key"])))
