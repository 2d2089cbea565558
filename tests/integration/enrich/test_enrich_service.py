"""The enrich service end to end: articles.raw → articles.enriched, dead-lettering, and the HTTP API."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from newswatch_enrich.settings import EnrichSettings
from newswatch_shared.kafka import make_consumer, make_producer
from newswatch_shared.schemas import EnrichedArticle, RawArticle, decode, encode
from newswatch_shared.topics import ARTICLES_ENRICHED, ARTICLES_RAW, DEAD_LETTER

pytestmark = pytest.mark.integration

NOW = datetime(2025, 2, 10, 8, 30, tzinfo=UTC)


def _article(ident: str, title: str, summary: str, content: str = "") -> RawArticle:
    return RawArticle(
        id=ident,
        url=f"https://wire.example/{ident}",
        title=title,
        summary=summary,
        content=content,
        published_at=NOW,
        fetched_at=NOW,
        feed_id="wire",
        feed_title="Example Wire",
        language="en",
    )


BORDER_STORY = _article(
    "border-1",
    "Ukraine says troop numbers near its frontier keep rising",
    "Kyiv asked NATO members for help after new satellite images showed more Russian soldiers.",
    "Ministers in the EU are drafting sanctions that would hit banks and the energy trade. Pressure is "
    "also growing on Germany to shelve Nord Stream 2 if the build-up continues.",
)
CALM_STORY = _article(
    "grain-2",
    "Grain shipments from Odesa resume",
    "Ukraine loaded three vessels with wheat on Thursday, port officials said.",
)


async def _collect(consumer: AIOKafkaConsumer, done: set[str], timeout_s: float = 60) -> list[ConsumerRecord]:
    """Read until records with every key in ``done`` arrived, or fail at the deadline."""
    records: list[ConsumerRecord] = []
    deadline = time.monotonic() + timeout_s
    while not done <= {r.key.decode() for r in records if r.key}:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"missing {done - {r.key.decode() for r in records if r.key}} after {timeout_s}s"
            )
        batch = await consumer.getmany(timeout_ms=500)
        records.extend(r for rs in batch.values() for r in rs)
    return records


async def test_raw_article_is_enriched_and_published(
    enrich_url: str, enrich_settings: EnrichSettings
) -> None:
    cfg = enrich_settings.kafka("test")
    producer = make_producer(cfg)
    consumer = make_consumer(cfg, [ARTICLES_ENRICHED], "test-enrich-reader")
    await producer.start()
    await consumer.start()
    try:
        await (
            await producer.send(cfg.topic(ARTICLES_RAW), encode(BORDER_STORY), key=BORDER_STORY.id.encode())
        )
        records = await _collect(consumer, {BORDER_STORY.id})
    finally:
        await consumer.stop()
        await producer.stop()

    record = next(r for r in records if r.key == BORDER_STORY.id.encode())
    assert dict(record.headers)["article_id"] == BORDER_STORY.id.encode()
    enriched = decode(EnrichedArticle, record.value)
    assert enriched.article == BORDER_STORY
    entities = {(e.canonical, e.country) for e in enriched.entities}
    assert {("Ukraine", "UA"), ("NATO", None), ("Kyiv", "UA"), ("Germany", "DE")} <= entities
    terms = {m.term for m in enriched.escalation}
    assert {"troops", "sanctions", "Nord Stream 2"} <= terms
    assert enriched.score > 0
    assert sum(c.points for c in enriched.contributions) == pytest.approx(enriched.score)
    assert "taxonomy/" in enriched.enricher


async def test_invalid_message_is_dead_lettered_and_the_next_is_enriched(
    enrich_url: str,
    enrich_settings: EnrichSettings,
) -> None:
    cfg = enrich_settings.kafka("test")
    producer = make_producer(cfg)
    dead = make_consumer(cfg, [DEAD_LETTER], "test-enrich-deadletter")
    enriched = make_consumer(cfg, [ARTICLES_ENRICHED], "test-enrich-reader")
    await producer.start()
    await dead.start()
    await enriched.start()
    try:
        # Same key, so both land on one partition in this order: the bad one must not block the good one.
        await (
            await producer.send(cfg.topic(ARTICLES_RAW), b"this is not JSON {", key=CALM_STORY.id.encode())
        )
        await (await producer.send(cfg.topic(ARTICLES_RAW), encode(CALM_STORY), key=CALM_STORY.id.encode()))
        dead_records = await _collect(dead, {CALM_STORY.id})
        good_records = await _collect(enriched, {CALM_STORY.id})
    finally:
        await enriched.stop()
        await dead.stop()
        await producer.stop()

    (bad,) = dead_records
    assert bad.value == b"this is not JSON {"
    headers = dict(bad.headers)
    assert b"RawArticle" in headers["error"]
    assert headers["reason"] == b"schema"
    assert headers["service"] == b"enrich"
    assert headers["source_topic"] == cfg.topic(ARTICLES_RAW).encode()

    (good,) = good_records
    article = decode(EnrichedArticle, good.value)
    assert article.id == CALM_STORY.id
    assert ("Odesa", "UA") in {(e.canonical, e.country) for e in article.entities}


async def test_tag_endpoint_returns_the_documented_shape(
    enrich_url: str, enrich_settings: EnrichSettings
) -> None:
    async with httpx.AsyncClient(base_url=enrich_url, timeout=30) as client:
        response = await client.post(
            "/tag",
            json={"text": "Officials in Kiev say Moscow has no plans to invade, yet soldiers keep arriving."},
        )
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"language", "score", "entities", "escalation", "contributions"}
        assert body["language"] is None
        kiev = {
            "text": "Kiev",
            "label": "GPE",
            "canonical": "Kyiv",
            "country": "UA",
            "country_name": "Ukraine",
        }
        assert {**kiev, "count": 1, "forms": ["Kiev"]} in body["entities"]
        by_term = {m["term"]: m for m in body["escalation"]}
        assert by_term["invasion"]["negated"] is True
        assert by_term["troops"]["negated"] is False
        assert set(by_term["troops"]) == {
            "term",
            "category",
            "weight",
            "text",
            "start",
            "end",
            "sentence",
            "negated",
            "hedged",  # optional flag added by issue 4 (default false)
            "also",  # terms inside this match, unscored (default empty)
            "concepts",  # its concept, then the broader ones (issue 13)
        }
        assert by_term["troops"]["concepts"] == ["troops"]
        assert body["score"] > 0
        assert {c["term"] for c in body["contributions"]} == {"invasion", "troops"}

        other = await client.post("/tag", json={"text": "Truppen an der Grenze", "language": "de"})
        assert other.json() == {
            "language": "de",
            "score": 0.0,
            "entities": [],
            "escalation": [],
            "contributions": [],
        }

        assert (await client.post("/tag", json={"text": ""})).status_code == 422
        assert (await client.post("/tag", json={"language": "en"})).status_code == 422
        too_long = "a " * (enrich_settings.enrich_max_chars // 2 + 1)
        assert (await client.post("/tag", json={"text": too_long})).status_code == 413

        spec = (await client.get("/openapi.json")).json()
        tag_op = spec["paths"]["/tag"]["post"]
        assert "requestBody" in tag_op
        assert tag_op["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/TagResult"
        }

        assert (await client.get("/health")).json() == {"status": "ok", "service": "enrich"}
        ready = await client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"kafka": True, "redis": True}
        metrics = (await client.get("/metrics")).text
        assert "newswatch_enrich_tag_requests_total" in metrics
