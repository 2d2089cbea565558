"""The watchlist's matching fields: validation of what users send, and stored watchlists from before."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from newswatch_alert.watchlists.models import Watchlist, WatchlistIn
from newswatch_shared.schemas import AlertEvent


def body(**fields: Any) -> dict[str, Any]:
    return {"name": "border", **fields}


def test_a_bad_query_is_refused_with_its_column() -> None:
    with pytest.raises(ValidationError) as caught:
        WatchlistIn.model_validate(body(query="country:UA AND (term:troops OR)"))
    (problem,) = caught.value.errors()
    assert problem["loc"] == ("query",)
    assert problem["msg"].startswith("query: unexpected ')' at column 31")
    assert problem["ctx"]["column"] == 31


def test_matching_fields_are_normalised() -> None:
    watchlist = WatchlistIn.model_validate(
        body(
            query="  country:UA  ", languages=["EN-gb", "en", "uk"], min_score=40, mode="daily", enabled=False
        )
    )
    assert watchlist.query == "country:UA"
    assert watchlist.languages == ["en", "uk"]
    assert (watchlist.min_score, watchlist.mode, watchlist.enabled) == (40, "daily", False)
    assert WatchlistIn.model_validate(body(keywords=["x"], query="  ")).query is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "at least one entity or keyword, a query, or a min_score above 0"),
        ({"languages": ["en"]}, "at least one entity or keyword"),
        ({"min_score": 0}, "at least one entity or keyword"),
        ({"min_score": 101}, "less than or equal to 100"),
        ({"min_score": -1, "keywords": ["x"]}, "greater than or equal to 0"),
        ({"languages": ["english"], "keywords": ["x"]}, "not an ISO 639-1 language code"),
        ({"mode": "weekly", "keywords": ["x"]}, "'immediate', 'hourly' or 'daily'"),
        ({"query": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_invalid_matching_fields(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        WatchlistIn.model_validate(body(**fields))


def test_a_min_score_or_a_query_alone_is_a_watchlist() -> None:
    assert WatchlistIn.model_validate(body(min_score=80)).min_score == 80
    assert WatchlistIn.model_validate(body(query="NOT category:de-escalation")).query


def test_watchlists_and_alerts_stored_before_these_fields_still_load() -> None:
    old = {
        "id": "w1",
        "user_id": "u1",
        "name": "border",
        "entities": ["UA"],
        "keywords": ["troops"],
        "channels": [],
        "created_at": "2026-11-20T12:00:00Z",
    }
    watchlist = Watchlist.model_validate_json(json.dumps(old))
    assert (watchlist.query, watchlist.min_score, watchlist.languages) == (None, 0.0, [])
    assert (watchlist.mode, watchlist.enabled) == ("immediate", True)
    alert = {
        "id": "a1",
        "user_id": "u1",
        "watchlist_id": "w1",
        "watchlist_name": "border",
        "article_id": "x",
        "title": "t",
        "url": "https://news.example/x",
        "published_at": "2026-11-20T12:00:00Z",
        "score": 1.0,
        "created_at": "2026-11-20T12:00:00Z",
    }
    assert AlertEvent.model_validate_json(json.dumps(alert)).explanation is None
