"""One article, published once, when two replicas (or a poll and a WebSub push) handle it at the
same moment: the claim taken before publishing (``SeenStore.claim_unseen``) is shared through Redis.
Before claims, each replica only knew what it was publishing itself, so both published."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_ingest.dedupe import SeenStore, claim_key, seen_key
from newswatch_ingest.feedpoll import FeedPoll, PollerConfig
from newswatch_ingest.feeds import FeedRegistry
from newswatch_ingest.settings import IngestSettings
from newswatch_shared.kafka import ensure_topics, make_producer
from newswatch_shared.topics import ALL_TOPICS, ARTICLES_RAW
from tests.helpers.kafka import topic
from tests.integration.ingest.support import rss

pytestmark = pytest.mark.integration

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)


async def test_a_claim_keeps_others_off_until_the_article_is_marked(redis_client: Redis) -> None:
    a, b = SeenStore(redis_client, 3600), SeenStore(redis_client, 3600)
    assert await a.claim_unseen(["x", "y", "x"], "replica-a", 60) == ["x", "y"]
    assert await b.claim_unseen(["x", "y", "z"], "replica-b", 60) == ["z"]
    await a.mark(["x"], "replica-a")
    await a.release(["y"], "replica-a")  # a failed to publish y: someone else may
    assert await b.claim_unseen(["x", "y"], "replica-b", 60) == ["y"]
    assert await redis_client.exists(claim_key("x")) == 0 and await redis_client.exists(seen_key("x")) == 1
    # Only the holder releases: b's claim on y survives a's late release.
    await a.release(["y"], "replica-a")
    assert await redis_client.get(claim_key("y")) == "replica-b"
    assert 0 < await redis_client.pttl(claim_key("z")) <= 60_000


async def test_two_replicas_pushed_the_same_document_at_once_publish_it_once(
    redis_client: Redis, make_settings: Callable[..., IngestSettings], raw_reader: Callable[..., Any]
) -> None:
    cfg = make_settings().kafka("ingest")
    await ensure_topics(cfg, ALL_TOPICS)
    producer = make_producer(cfg)
    await producer.start()
    registry = FeedRegistry(redis_client, 300.0)
    feed, _ = await registry.add("https://wire.example.org/feed.xml", now=NOW)
    body = rss("Wire", [(f"s{n}", f"Story {n}", "Ferries resumed.") for n in range(5)])
    config = PollerConfig(raw_topic=topic(ARTICLES_RAW))
    try:
        async with httpx.AsyncClient() as http:
            replicas = [
                FeedPoll(
                    registry,
                    SeenStore(redis_client, 3600),
                    http,
                    producer,
                    config,
                    clock=lambda: NOW,
                    rng=random.Random(),
                    owner=owner,
                )
                for owner in ("replica-a", "replica-b")
            ]
            counts = await asyncio.gather(
                *(r.run_push(feed, body, "application/rss+xml", feed.url) for r in replicas)
            )
    finally:
        await producer.stop()
    assert sorted(counts) == [0, 5]
    reader = await raw_reader()
    articles = await reader.read_all()
    assert sorted(a.title for a in articles) == [f"Story {n}" for n in range(5)]
    stored = await registry.get(feed.id)
    assert stored is not None and stored.articles_published == 5
