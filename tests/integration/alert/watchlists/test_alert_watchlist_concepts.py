"""Watchlists and the concept scheme through the served API: names checked when written (422s with
suggestions, variants stored as their concept with a note), unknown fields refused, GET /concepts, and
a watchlist on a broad concept alerted by a narrower match published on articles.enriched.

The service runs with its own taxonomy file (``NEWSWATCH_TAXONOMY_PATH``), whose hierarchy is known
here whatever the packaged taxonomy holds today."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from newswatch_alert.settings import AlertSettings
from newswatch_shared.schemas import EscalationMatch
from tests.integration.alert.support import (
    Receiver,
    bearer,
    border_article,
    eventually,
    new_user,
    produce_articles,
    serving,
)

pytestmark = pytest.mark.integration

TAXONOMY = """
version = "concepts-test-1"

[categories.economic]
description = "Economic pressure."

[categories.military]
description = "Armed force."

[[terms]]
term = "sanctions"
category = "economic"
variants = ["sanction", "punitive measures"]

[[terms]]
term = "asset freeze"
category = "economic"
variants = ["frozen assets"]
broader = ["sanctions"]

[[terms]]
term = "embargo"
category = "economic"
broader = ["sanctions"]

[[terms]]
term = "siege"
category = "military"
variants = ["blockade"]

[[terms]]
term = "troops"
category = "military"
variants = ["soldiers"]
"""


@pytest.fixture
async def served(settings: AlertSettings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    path = tmp_path / "taxonomy.toml"
    path.write_text(TAXONOMY, encoding="utf-8")
    async with serving(settings.model_copy(update={"taxonomy_path": path})) as client:
        yield client


def body(**fields: Any) -> dict[str, Any]:
    return {"name": "watch", **fields}


def problems(response: httpx.Response) -> list[tuple[list[Any], str]]:
    assert response.status_code == 422, response.text
    return [(p["loc"], p["msg"]) for p in response.json()["detail"]]


async def test_unknown_names_are_refused_with_the_nearest_known_ones(served: httpx.AsyncClient) -> None:
    key = bearer(await new_user(served, "ana"))
    refused = await served.post("/watchlists", json=body(query="term:flibbertigibbet"), headers=key)
    assert problems(refused) == [(["body", "query"], 'query: unknown term "flibbertigibbet" at column 6')]
    refused = await served.post(
        "/watchlists", json=body(query="term:sanktions OR category:economc"), headers=key
    )
    assert problems(refused) == [
        (["body", "query"], 'query: unknown term "sanktions" at column 6; did you mean "sanctions"?'),
        (["body", "query"], 'query: unknown category "economc" at column 28; did you mean "economic"?'),
    ]
    assert (await served.get("/watchlists", headers=key)).json()["watchlists"] == []  # nothing stored


async def test_a_variant_is_stored_as_its_concept_and_the_response_says_so(served: httpx.AsyncClient) -> None:
    key = bearer(await new_user(served, "ana"))
    created = await served.post(
        "/watchlists",
        json=body(query="country:UA AND term:blockade", keywords=["frozen assets", "flibbertigibbet"]),
        headers=key,
    )
    assert created.status_code == 201, created.text
    watchlist = created.json()
    assert watchlist["query"] == "country:UA AND term:siege"
    assert watchlist["keywords"] == ["asset freeze", "flibbertigibbet"]  # a plain word is never refused
    assert watchlist["notes"] == [
        'term "blockade" is stored as "siege"',
        'keyword "frozen assets" is stored as "asset freeze"',
    ]
    stored = (await served.get(f"/watchlists/{watchlist['id']}", headers=key)).json()
    assert stored["query"] == "country:UA AND term:siege" and stored["notes"] == []

    # PATCH follows the same rules, and a refused PATCH stores nothing.
    url = f"/watchlists/{watchlist['id']}"
    refused = await served.patch(url, json={"query": "term:sanktions"}, headers=key)
    assert problems(refused) == [
        (["body", "query"], 'query: unknown term "sanktions" at column 6; did you mean "sanctions"?')
    ]
    assert (await served.get(url, headers=key)).json()["query"] == "country:UA AND term:siege"
    patched = await served.patch(url, json={"keywords": ["sanction"]}, headers=key)
    assert patched.status_code == 200, patched.text
    assert patched.json()["keywords"] == ["sanctions"]
    assert patched.json()["notes"] == ['keyword "sanction" is stored as "sanctions"']


async def test_the_test_endpoint_follows_the_same_rules(served: httpx.AsyncClient) -> None:
    key = bearer(await new_user(served, "ana"))
    refused = await served.post(
        "/watchlists/test", json={"watchlist": body(query="term:sanktions"), "text": "x"}, headers=key
    )
    assert problems(refused) == [
        (
            ["body", "watchlist", "query"],
            'query: unknown term "sanktions" at column 6; did you mean "sanctions"?',
        )
    ]
    tried = await served.post(
        "/watchlists/test",
        json={"watchlist": body(query="term:blockade OR blockade"), "text": "The blockade goes on."},
        headers=key,
    )
    assert tried.status_code == 200, tried.text
    verdict = tried.json()
    assert verdict["notes"][0] == 'term "blockade" is stored as "siege"'
    assert [c["clause"] for c in verdict["clauses"]] == ["term:siege", "blockade"]


async def test_unknown_fields_are_refused_in_every_body(served: httpx.AsyncClient) -> None:
    key = bearer(await new_user(served, "ana"))
    # The reported case: a typo of "keywords" made a watchlist on every article about Ukraine.
    refused = await served.post("/watchlists", json={"entities": ["UA"], "keyword": ["troops"]}, headers=key)
    assert refused.status_code == 422, refused.text
    extra = [p for p in refused.json()["detail"] if p["type"] == "extra_forbidden"]
    assert [p["loc"] for p in extra] == [["body", "keyword"]]
    channel = {"type": "webhook", "url": "https://hooks.example/in", "secrett": "x" * 20}
    refused = await served.post(
        "/watchlists", json=body(keywords=["troops"], channels=[channel]), headers=key
    )
    assert ["body", "channels", 0, "webhook", "secrett"] in [p["loc"] for p in refused.json()["detail"]]
    assert (await served.post("/keys", json={"name": "ci", "nmae": "x"}, headers=key)).status_code == 422
    assert (await served.get("/watchlists", headers=key)).json()["watchlists"] == []
    # PATCH of a watchlist with an e-mail channel (whose stored form has more fields) still works.
    email = {"type": "email", "to": ["desk@news.example"]}
    created = await served.post("/watchlists", json=body(keywords=["troops"], channels=[email]), headers=key)
    assert created.status_code == 201, created.text
    renamed = await served.patch(f"/watchlists/{created.json()['id']}", json={"name": "again"}, headers=key)
    assert renamed.status_code == 200, renamed.text


async def test_concepts_lists_the_scheme_without_a_credential(served: httpx.AsyncClient) -> None:
    response = await served.get("/concepts")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "public, max-age=300"
    scheme = response.json()
    assert scheme["version"] == "concepts-test-1"
    assert scheme["categories"] == [
        {"name": "economic", "description": "Economic pressure."},
        {"name": "military", "description": "Armed force."},
    ]
    by_name = {c["name"]: c for c in scheme["concepts"]}
    assert by_name["sanctions"] == {
        "name": "sanctions",
        "category": "economic",
        "variants": ["sanction", "punitive measures"],
        "broader": [],
        "narrower": ["asset freeze", "embargo"],
        "top": True,
        "description": "",
    }
    assert (by_name["asset freeze"]["broader"], by_name["asset freeze"]["top"]) == (["sanctions"], False)


def freeze(concepts: list[str]) -> EscalationMatch:
    text = "asset freezes"
    return EscalationMatch(
        term="asset freeze",
        concepts=concepts,
        category="economic",
        weight=2.0,
        text=text,
        start=0,
        end=len(text),
        sentence="Ministers agreed asset freezes on three banks.",
    )


async def test_a_watchlist_on_sanctions_is_alerted_by_an_asset_freeze(
    settings: AlertSettings, tmp_path: Path, receiver: Receiver
) -> None:
    path = tmp_path / "taxonomy.toml"
    path.write_text(TAXONOMY, encoding="utf-8")
    settings = settings.model_copy(update={"taxonomy_path": path})
    async with serving(settings) as api:
        key = bearer(await new_user(api, "ana"))
        hooks = [{"type": "webhook", "url": receiver.url("/ok")}]
        for name, fields in (
            ("by keyword", {"keywords": ["sanctions"]}),
            ("by term", {"query": "term:sanctions"}),
        ):
            created = await api.post(
                "/watchlists", json=body(**fields, channels=hooks) | {"name": name}, headers=key
            )
            assert created.status_code == 201, created.text
        current = border_article("freeze-1").model_copy(
            update={"escalation": [freeze(["asset freeze", "sanctions"])]}
        )
        older = border_article("freeze-2").model_copy(update={"escalation": [freeze([])]})  # before concepts
        await produce_articles(settings, current, older)

        async def four_alerts() -> list[dict[str, Any]] | None:
            alerts: list[dict[str, Any]] = (await api.get("/alerts", headers=key)).json()["alerts"]
            return alerts if len(alerts) == 4 else None

        alerts = await eventually(four_alerts, what="an alert per watchlist and article")
        assert {a["article_id"] for a in alerts} == {"freeze-1", "freeze-2"}
        by_keyword = next(a for a in alerts if a["watchlist_name"] == "by keyword")
        assert by_keyword["reasons"] == [
            'keyword "sanctions" matched escalation term asset freeze (economic): "asset freezes" '
            "(asset freeze → sanctions)"
        ]
        assert by_keyword["explanation"]["terms"] == ["asset freeze"]
        await eventually(lambda: _delivered(receiver, 4), what="the webhooks")
        assert any("asset freeze → sanctions" in r for p in receiver.received() for r in p.json()["reasons"])


async def _delivered(receiver: Receiver, count: int) -> bool | None:
    return len(receiver.received("/ok")) >= count or None
