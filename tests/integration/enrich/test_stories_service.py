"""Stories through enrich's consume loop on the real broker and Redis.

- five copies of one report from five outlets: one story_id, story_sources growing 1..5, is_first only
  on the first, and the story record in Redis;
- two replicas (two ConsumeLoops in the service's consumer group, each with its own Redis client),
  each holding one partition, handed the two copies of each report at the same moment: they agree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from newswatch_enrich.app import GROUP_ID, build_enricher, build_story_assigner, make_consume_loop
from newswatch_enrich.enricher import Enricher
from newswatch_enrich.settings import EnrichSettings
from newswatch_enrich.stories.redis_store import record_from_hash
from newswatch_shared.kafka import ensure_topics, make_consumer, make_producer
from newswatch_shared.schemas import EnrichedArticle, RawArticle, decode, encode
from newswatch_shared.topics import ALL_TOPICS, ARTICLES_ENRICHED, ARTICLES_RAW

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 2, 9, tzinfo=UTC)
LEAD = (
    "Flash floods swept through {town} on {day} after two days of heavy rain, killing {n} people and "
    "forcing about {k},000 from their homes, the provincial administrator {who} said."
)
BODY = (
    "Soldiers and volunteers used boats to reach families stranded on rooftops. Forecasters warned that "
    "more rain was expected over the coming days. Schools were turned into shelters."
)


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return build_enricher(EnrichSettings())


OUTLETS = ["Meridian Wire", "Harbor Post", "Eastline Daily", "The Lantern", "Northgate News"]


def _raw(ident: str, outlet: str, title: str, summary: str, minutes: int) -> RawArticle:
    when = T0 + timedelta(minutes=minutes)
    return RawArticle(
        id=ident,
        url=f"https://{ident}.example/",
        title=title,
        summary=summary,
        published_at=when,
        fetched_at=when,
        feed_id=outlet.lower().replace(" ", "-"),
        feed_title=outlet,
        language="en",
    )


def _copies(town: str, n: int, k: int, who: str, prefix: str) -> list[RawArticle]:
    text = LEAD.format(town=town, day="Wednesday", n=n, k=k, who=who) + "\n\n" + BODY
    return [
        _raw(f"{prefix}-0", OUTLETS[0], f"Floods kill {n} in {town}", text, 0),
        _raw(
            f"{prefix}-1",
            OUTLETS[1],
            f"{town} under water - Harbor Post",
            f"{town.upper()} (Harbor Post) — {text}",
            9,
        ),
        _raw(f"{prefix}-2", OUTLETS[2], f"UPDATE 1-Floods hit {town}", text.split("\n\n")[0], 17),
        _raw(f"{prefix}-3", OUTLETS[3], f"{n} dead as river bursts banks", "By Jane Roe\n\n" + text, 25),
        _raw(f"{prefix}-4", OUTLETS[4], f"WATCH: {town} floods", text.replace("heavy", "torrential"), 41),
    ]


async def _read(settings: EnrichSettings, ids: set[str], timeout_s: float = 90) -> dict[str, EnrichedArticle]:
    cfg = settings.kafka("test")
    consumer = make_consumer(cfg, [ARTICLES_ENRICHED], "test-stories-reader")
    await consumer.start()
    got: dict[str, EnrichedArticle] = {}
    try:
        async with asyncio.timeout(timeout_s):
            while not ids <= got.keys():
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for r in records:
                        e = decode(EnrichedArticle, r.value)
                        got[e.id] = e
    finally:
        await consumer.stop()
    return got


async def _produce(
    settings: EnrichSettings, articles: Sequence[RawArticle], partition: int | None = None
) -> None:
    cfg = settings.kafka("test")
    producer = make_producer(cfg)
    await producer.start()
    try:
        for a in articles:
            await producer.send_and_wait(
                cfg.topic(ARTICLES_RAW), encode(a), key=a.id.encode(), partition=partition
            )
    finally:
        await producer.stop()


async def test_five_copies_from_five_outlets_make_one_story(
    enrich_url: str, enrich_settings: EnrichSettings, redis_client: Redis
) -> None:
    copies = _copies("Cahuleni", 9, 3, "Ana Rusu", "flood")
    other = _copies("Orheiul", 4, 2, "Ana Rusu", "other")[0]  # same formula, another town: its own story
    await _produce(enrich_settings, [*copies, other], partition=0)
    got = await _read(enrich_settings, {a.id for a in [*copies, other]})

    story = got[copies[0].id].story_id
    assert story == f"s-{copies[0].id}"
    assert [got[c.id].story_id for c in copies] == [story] * 5
    assert [got[c.id].story_sources for c in copies] == [OUTLETS[: i + 1] for i in range(5)]
    assert [got[c.id].is_first for c in copies] == [True, False, False, False, False]
    assert {got[c.id].story_first_seen for c in copies} == {T0}
    assert got[other.id].story_id == f"s-{other.id}" and got[other.id].is_first

    record = record_from_hash(await redis_client.hgetall(f"story:{story}"))  # type: ignore[misc]
    assert (record.count, record.sources, record.title) == (5, OUTLETS, copies[0].title)
    assert record.peak_score == max(got[c.id].score for c in copies)


async def test_two_replicas_given_copies_at_once_agree(
    enrich_settings: EnrichSettings, enricher: Enricher
) -> None:
    settings = enrich_settings
    cfg = settings.kafka("enrich")
    await ensure_topics(cfg, ALL_TOPICS)
    reports = [
        _copies(town, n, 2, "Ana Rusu", f"r{i}")
        for i, (town, n) in enumerate(
            [("Cahuleni", 9), ("Orheiul", 4), ("Drochia Noua", 13), ("Ungheni Sat", 6)]
        )
    ]
    clients = [Redis.from_url(settings.redis_url, decode_responses=True) for _ in range(2)]
    loops = [
        make_consume_loop(
            settings,
            enricher,
            make_consumer(cfg, [ARTICLES_RAW], GROUP_ID),
            make_producer(cfg),
            build_story_assigner(settings, client),
        )
        for client in clients
    ]
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        for loop in loops:
            await loop.producer.start()
            await loop.consumer.start()
        # Both members hold a partition before anything is produced: each replica gets its copies.
        async with asyncio.timeout(60):
            while not all(loop.consumer.assignment() for loop in loops):
                for loop in loops:
                    await loop.consumer.getmany(timeout_ms=100)
        # The first two copies of every report: one on each partition, produced before either replica
        # reads, so both handle copies of one report at the same moment.
        await _produce(settings, [r[0] for r in reports], partition=0)
        await _produce(settings, [r[1] for r in reports], partition=1)
        tasks = [asyncio.create_task(loop.run(stop)) for loop in loops]
        got = await _read(settings, {a.id for r in reports for a in r[:2]})
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for loop in loops:
            await loop.consumer.stop()
            await loop.producer.stop()
        for client in clients:
            await client.aclose()
    assert all(loop.batches_done > 0 for loop in loops)
    for report in reports:
        first, second = got[report[0].id], got[report[1].id]
        assert first.story_id == second.story_id
        assert sorted([first.is_first, second.is_first]) == [False, True]
    assert len({got[r[0].id].story_id for r in reports}) == len(reports)
