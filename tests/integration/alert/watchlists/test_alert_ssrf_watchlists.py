"""Saving a watchlist whose webhook or Slack URL the destination rules refuse: a 422 on the channel's
``url``, in FastAPI's list shape, and nothing stored. The allowance is off, as in production.

Every URL here is refused without DNS (an address, a localhost name, or a Slack channel off Slack's
hosts, which is refused before its host is resolved), so no packet leaves loopback.
"""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis

from newswatch_alert.settings import AlertSettings
from newswatch_alert.watchlists.models import WatchlistIn
from newswatch_alert.watchlists.store import WatchlistStore
from newswatch_shared.schemas import utcnow
from tests.integration.alert.support import Receiver, admin, bearer, new_user, serving

pytestmark = pytest.mark.integration

HINT = "(set NEWSWATCH_ALLOW_PRIVATE_URLS=true to allow)"


def body(*channels: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Border", "keywords": ["troops"], "channels": list(channels)}


async def test_urls_at_non_public_addresses_and_slack_urls_off_slack_are_refused(
    settings: AlertSettings, redis_client: Redis, receiver: Receiver
) -> None:
    strict = settings.model_copy(update={"alert_roles": "api", "allow_private_urls": False})
    async with serving(strict) as api:
        key = await new_user(api, "ann")
        email = {"type": "email", "to": ["desk@example.org"]}
        loopback = {"type": "webhook", "url": receiver.url("/ok")}
        response = await api.post("/watchlists", json=body(email, loopback), headers=bearer(key))
        assert response.status_code == 422
        assert response.json()["detail"] == [
            {
                "type": "url_refused",
                "loc": ["body", "channels", 1, "url"],
                "msg": f"refused: 127.0.0.1 is a loopback address {HINT}",
                "input": receiver.url("/ok"),
            }
        ]

        cases = {
            "http://169.254.169.254/latest/meta-data/": "a link-local address (the cloud metadata endpoint)",
            "http://localhost:8080/hook": "refused: localhost resolves to 127.0.0.1, a loopback address",
            "http://[::ffff:10.0.0.5]/hook": "a private address (10.0.0.5 in an IPv4-mapped IPv6 address)",
            "http://0x7f000001/hook": "refused: 0x7f000001 resolves to 127.0.0.1, a loopback address",
        }
        for url, expected in cases.items():
            refused = await api.post(
                "/watchlists", json=body({"type": "webhook", "url": url}), headers=bearer(key)
            )
            assert refused.status_code == 422, url
            (problem,) = refused.json()["detail"]
            assert problem["loc"] == ["body", "channels", 0, "url"] and expected in problem["msg"], problem

        not_slack = {"type": "slack", "url": "https://hooks.slack.com.example.org/services/T0/B0/x"}
        refused = await api.post("/watchlists", json=body(loopback, not_slack), headers=bearer(key))
        problems = refused.json()["detail"]
        assert [p["loc"] for p in problems] == [
            ["body", "channels", 0, "url"],
            ["body", "channels", 1, "url"],
        ]
        assert problems[1]["msg"] == (
            "not a Slack incoming-webhook URL: the host must be hooks.slack-gov.com, hooks.slack.com"
            " (https://hooks.slack.com/services/…)"
        )
        assert (await api.get("/watchlists", headers=bearer(key))).json() == {"watchlists": []}

        # A watchlist stored before these rules still loads and can be changed; only channels written
        # by a PATCH are checked.
        (user,) = (await api.get("/users", headers=admin())).json()["users"]
        old = await WatchlistStore(redis_client, 100).create(
            user["id"], WatchlistIn.model_validate(body(loopback)), utcnow()
        )
        path = f"/watchlists/{old.id}"
        assert (await api.get(path, headers=bearer(key))).json()["channels"][0]["url"] == receiver.url("/ok")
        paused = await api.patch(path, json={"enabled": False}, headers=bearer(key))
        assert paused.status_code == 200 and paused.json()["enabled"] is False
        moved = await api.patch(
            path,
            json={"channels": [{"type": "webhook", "url": "http://127.0.0.2/hook"}]},
            headers=bearer(key),
        )
        assert moved.status_code == 422
        assert moved.json()["detail"][0]["loc"] == ["body", "channels", 0, "url"]
        assert (await api.get(path, headers=bearer(key))).json()["channels"][0]["url"] == receiver.url("/ok")
    assert receiver.received() == []  # saving never contacts a destination


async def test_with_the_allowance_a_local_receiver_is_accepted(
    settings: AlertSettings, receiver: Receiver
) -> None:
    allowing = settings.model_copy(update={"alert_roles": "api", "allow_private_urls": True})
    async with serving(allowing) as api:
        key = await new_user(api, "bo")
        created = await api.post(
            "/watchlists", json=body({"type": "webhook", "url": receiver.url("/ok")}), headers=bearer(key)
        )
        assert created.status_code == 201, created.text
        off_slack = body({"type": "slack", "url": receiver.url("/ok")})  # the Slack rule still holds
        assert (await api.post("/watchlists", json=off_slack, headers=bearer(key))).status_code == 422
