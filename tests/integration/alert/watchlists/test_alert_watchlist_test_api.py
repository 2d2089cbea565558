"""POST /watchlists/test against the real app and Redis: texts and stored articles, unsaved and saved
watchlists, scoping, errors, and a text analysed by an enrich /tag endpoint on a real local server."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.live.articles import ArticleStore
from newswatch_alert.settings import AlertSettings
from tests.integration.alert.support import bearer, border_article, new_user, serving

pytestmark = pytest.mark.integration

TEXT = "Officials in Kyiv said soldiers massed near the frontier. Talks on gas resume next week."


async def try_it(api: httpx.AsyncClient, key: str, **body: Any) -> dict[str, Any]:
    response = await api.post("/watchlists/test", json=body, headers=bearer(key))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_text_on_its_words_and_a_stored_article_in_full(
    api: httpx.AsyncClient, redis_client: Redis
) -> None:
    ana = await new_user(api, "ana")
    found = await try_it(api, ana, watchlist={"name": "t", "query": "frontier AND NOT pipeline"}, text=TEXT)
    assert found["matches"] and found["analysis"] == "words"
    assert [(c["clause"], c["matched"]) for c in found["clauses"]] == [
        ("frontier", True),
        ("NOT pipeline", True),
    ]
    assert found["sentences"] == ["Officials in Kyiv said soldiers massed near the frontier."]
    assert found["reasons_not"] == []

    # Without enrichment a text has no entities or terms, and the answer says so.
    missed = await try_it(api, ana, watchlist={"name": "t", "query": "country:UA AND frontier"}, text=TEXT)
    assert not missed["matches"] and not missed["condition_matched"]
    assert missed["reasons_not"] == ["country:UA: no entity of the article is placed in UA"]
    assert "country: clauses cannot hold" in missed["notes"][0]

    # A saved watchlist on a stored article: what the matcher saw.
    await ArticleStore(redis_client, 100, 3600).store([border_article("b1")])
    created = await api.post(
        "/watchlists",
        json={"name": "border", "entities": ["UA"], "query": "term:troops", "min_score": 90},
        headers=bearer(ana),
    )
    assert created.status_code == 201, created.text
    saved = await try_it(api, ana, watchlist_id=created.json()["id"], article_id="b1")
    assert saved["analysis"] == "article" and saved["article"]["score"] == 42.0
    assert saved["condition_matched"] and not saved["matches"]
    assert saved["reasons_not"] == ["score 42 is below min_score 90"]
    assert saved["entities"] == ["Ukraine", "Kyiv"] and saved["terms"] == ["troops"]
    assert [c["clause"] for c in saved["clauses"]] == ["entity:UA", "term:troops", "min_score 90"]

    unsaved = {"name": "t", "query": "term:troops", "enabled": False, "languages": ["de"]}
    off = await try_it(api, ana, watchlist=unsaved, article_id="b1")
    assert not off["matches"] and off["condition_matched"]
    assert off["reasons_not"] == ["the watchlist is disabled", "language en is not one of de"]


async def test_scoping_and_errors(api: httpx.AsyncClient) -> None:
    ana, bo = await new_user(api, "ana"), await new_user(api, "bo")
    created = await api.post("/watchlists", json={"name": "a", "keywords": ["troops"]}, headers=bearer(ana))
    watchlist_id = created.json()["id"]

    async def status(key: str | None, body: dict[str, Any]) -> httpx.Response:
        return await api.post("/watchlists/test", json=body, headers=bearer(key) if key else {})

    assert (await status(None, {"watchlist_id": watchlist_id, "text": TEXT})).status_code == 401
    other = await status(bo, {"watchlist_id": watchlist_id, "text": TEXT})
    assert other.status_code == 404 and other.json()["detail"] == "watchlist not found"
    gone = await status(ana, {"watchlist_id": watchlist_id, "article_id": "no-such-article"})
    assert gone.status_code == 404 and gone.json()["detail"] == "article not found"
    both = await status(
        ana, {"watchlist_id": watchlist_id, "watchlist": {"name": "x", "keywords": ["y"]}, "text": TEXT}
    )
    assert both.status_code == 422 and "exactly one of watchlist and watchlist_id" in both.text
    bad = await status(
        ana, {"watchlist": {"name": "x", "query": "country:UA AND (term:troops"}, "text": TEXT}
    )
    assert bad.status_code == 422
    (problem,) = bad.json()["detail"]
    assert problem["loc"] == ["body", "watchlist", "query"]
    assert problem["msg"] == "query: unexpected end of query at column 28; expected ')'"


# -- with an enrich /tag endpoint --------------------------------------------------------------------


@contextlib.contextmanager
def tag_server(answer: dict[str, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP server standing in for enrich's POST /tag: records what it was sent, answers
    ``answer``, or 503 when the text is "unavailable"."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            sent = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({"path": self.path, **sent})
            payload = json.dumps(answer).encode()
            self.send_response(503 if sent["text"] == "unavailable" else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


TAGGED = {
    "language": "en",
    "score": 27.5,
    "entities": [{"text": "Kyiv", "label": "GPE", "canonical": "Kyiv", "country": "UA", "count": 1}],
    "escalation": [
        {
            "term": "troops",
            "category": "military",
            "weight": 3.0,
            "text": "soldiers",
            "start": 23,
            "end": 31,
            "sentence": "Officials in Kyiv said soldiers massed near the frontier.",
        }
    ],
    "contributions": [],
}


async def test_a_text_goes_through_enrich_when_it_is_configured(settings: AlertSettings) -> None:
    with tag_server(TAGGED) as (url, seen):
        async with serving(settings.model_copy(update={"alert_enrich_url": url + "/"})) as api:
            key = await new_user(api, "ana")
            query = {"name": "t", "query": "country:UA AND term:troops", "min_score": 20}
            found = await try_it(api, key, watchlist=query, text=TEXT, language="en")
            assert seen == [{"path": "/tag", "text": TEXT, "language": "en"}]
            assert found["matches"] and found["analysis"] == "enrich" and found["notes"] == []
            assert found["entities"] == ["Kyiv"] and found["terms"] == ["troops"]
            assert found["article"]["score"] == 27.5
            assert found["sentences"] == ["Officials in Kyiv said soldiers massed near the frontier."]

            response = await api.post(
                "/watchlists/test", json={"watchlist": query, "text": "unavailable"}, headers=bearer(key)
            )
            assert response.status_code == 502
            assert response.json()["detail"] == "enrich service answered HTTP 503"
