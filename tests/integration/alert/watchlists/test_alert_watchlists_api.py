"""Watchlist CRUD over HTTP against the running service: create, list, get, PATCH, delete; every change
moves ``watchlists:version`` and reaches the matcher's index."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.watchlists.cache import WatchlistCache
from newswatch_alert.watchlists.store import WatchlistStore
from tests.integration.alert.support import bearer, border_article, new_user

pytestmark = pytest.mark.integration

WATCHLIST: dict[str, Any] = {
    "name": "Eastern border",
    "entities": ["UA"],
    "keywords": ["troops"],
    "channels": [{"type": "webhook", "url": "https://hooks.example/in"}],
}


async def version(redis: Redis) -> int:
    return int(await redis.get("watchlists:version") or 0)


async def test_crud_and_partial_updates(api: httpx.AsyncClient, redis_client: Redis) -> None:
    key = bearer(await new_user(api, "ana"))
    created = await api.post("/watchlists", json=WATCHLIST, headers=key)
    assert created.status_code == 201, created.text
    watchlist = created.json()
    wid, channel = watchlist["id"], watchlist["channels"][0]
    assert watchlist["enabled"] is True and watchlist["updated_at"] is None
    second = (await api.post("/watchlists", json={**WATCHLIST, "name": "Second"}, headers=key)).json()
    assert [w["id"] for w in (await api.get("/watchlists", headers=key)).json()["watchlists"]] == [
        wid,
        second["id"],
    ]

    # A replica's view of the matcher, refreshed the way the service does it.
    replica = WatchlistCache(WatchlistStore(redis_client, 100), 0.25)
    await replica.refresh()
    assert {w.id for w, _ in replica.index.matches(border_article())} == {wid, second["id"]}

    before = await version(redis_client)
    patched = await api.patch(f"/watchlists/{wid}", json={"enabled": False, "name": "Paused"}, headers=key)
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["enabled"], body["name"], body["updated_at"] is not None) == (False, "Paused", True)
    assert body["keywords"] == ["troops"] and body["channels"] == [channel]  # untouched: id and secret kept
    assert body["created_at"] == watchlist["created_at"]
    assert (await api.get(f"/watchlists/{wid}", headers=key)).json() == body
    assert await version(redis_client) == before + 1
    assert await replica.refresh()
    assert [w.id for w, _ in replica.index.matches(border_article())] == [second["id"]]

    # An empty PATCH changes nothing and moves nothing.
    same = await api.patch(f"/watchlists/{wid}", json={}, headers=key)
    assert same.json() == body and await version(redis_client) == before + 1

    # Re-enable and change the channels: the same URL keeps its id and secret, a new one gets its own.
    new_channels = [
        {"type": "webhook", "url": "https://hooks.example/in"},
        {"type": "webhook", "url": "https://b.example/x"},
    ]
    resumed = (
        await api.patch(f"/watchlists/{wid}", json={"enabled": True, "channels": new_channels}, headers=key)
    ).json()
    kept, added = resumed["channels"]
    assert kept == channel and added["id"] != channel["id"] and len(added["secret"]) >= 32
    assert await replica.refresh()
    assert {w.id for w, _ in replica.index.matches(border_article())} == {wid, second["id"]}

    # Keywords changed so the article no longer matches: the index follows.
    (await api.patch(f"/watchlists/{wid}", json={"keywords": ["sanctions"]}, headers=key)).raise_for_status()
    assert await replica.refresh()
    assert [w.id for w, _ in replica.index.matches(border_article())] == [second["id"]]

    deleted = await api.delete(f"/watchlists/{wid}", headers=key)
    assert deleted.status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        assert (await api.request(method, f"/watchlists/{wid}", json={}, headers=key)).status_code == 404
    assert [w["id"] for w in (await api.get("/watchlists", headers=key)).json()["watchlists"]] == [
        second["id"]
    ]


INVALID_PATCHES: list[tuple[dict[str, Any], str | None]] = [
    ({"name": "  "}, "name"),
    ({"name": None}, "name"),
    ({"entities": [], "keywords": []}, None),  # nothing left to match: a rule over the whole watchlist
    ({"channels": [{"type": "webhook", "url": "file:///etc/passwd"}]}, "channels"),
    ({"min_score": 101}, "min_score"),
    ({"query": "country:UA AND (term:troops"}, "query"),
    ({"id": "mine-now"}, "id"),
    ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
    ({"enabeld": False}, "enabeld"),
]


async def test_an_invalid_patch_is_422_and_stores_nothing(
    api: httpx.AsyncClient, redis_client: Redis
) -> None:
    key = bearer(await new_user(api, "cy"))
    watchlist = (await api.post("/watchlists", json=WATCHLIST, headers=key)).json()
    before = await version(redis_client)
    for change, field in INVALID_PATCHES:
        response = await api.patch(f"/watchlists/{watchlist['id']}", json=change, headers=key)
        assert response.status_code == 422, (change, response.text)
        problems = response.json()["detail"]
        assert problems and all(p["loc"][0] == "body" and p["msg"] for p in problems), problems
        if field is not None:
            assert any(field in p["loc"] for p in problems), problems
    assert (await api.get(f"/watchlists/{watchlist['id']}", headers=key)).json() == watchlist
    assert await version(redis_client) == before
