"""Poison messages of every kind on articles.enriched: each goes to the dead-letter topic with its
error and its original bytes, and the messages after it are handled as if it had not been there."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from newswatch_alert.settings import AlertSettings
from newswatch_shared.schemas import encode
from newswatch_shared.topics import DEAD_LETTER
from tests.integration.alert.support import border_article, drain, eventually, produce, produce_articles

pytestmark = pytest.mark.integration


def with_score(value: str) -> bytes:
    """A valid enriched article whose score is a JSON literal pydantic takes but nothing can use."""
    document = json.loads(encode(border_article("nan-score")))
    document["score"] = "__SCORE__"
    return json.dumps(document).replace('"__SCORE__"', value).encode()


async def test_every_kind_of_poison_is_dead_lettered_and_the_stream_moves_on(
    api: httpx.AsyncClient, settings: AlertSettings
) -> None:
    poisons: dict[str, bytes] = {
        "not JSON": b"\x00\xff{not json at all",
        "wrong schema version": json.dumps(
            {**json.loads(encode(border_article("v99"))), "schema_version": 99}
        ).encode(),
        "a score that is not a number": with_score("NaN"),
        "an infinite score": with_score("Infinity"),
    }
    for name, value in poisons.items():
        await produce(settings, value, key=name.encode())
    await produce_articles(settings, border_article("after-the-poison"))

    letters = await drain(settings, DEAD_LETTER, len(poisons))
    by_key = {h.get("source_offset", b""): (v, h) for v, h in letters}
    assert sorted(v for v, _ in letters) == sorted(poisons.values())  # the original bytes, each once
    for value, headers in by_key.values():
        assert headers["service"] == b"alert" and headers["reason"] == b"schema", headers
        assert headers["error"], value

    async def stored() -> list[dict[str, Any]] | None:
        articles: list[dict[str, Any]] = (await api.get("/articles")).json()["articles"]
        return articles or None

    assert [a["id"] for a in await eventually(stored, what="the article after the poison")] == [
        "after-the-poison"
    ]
