"""The enrich service: consume ``articles.raw``, publish ``articles.enriched``, serve ``POST /tag``.

Everything long-lived is created once in the lifespan and passed down: the spaCy pipeline (inside the
Enricher), the Kafka producer and consumer, and a Redis client (``/ready``, and the story members all
replicas share: ``stories/``). spaCy runs in a worker thread, so ``/health`` and ``/tag``
keep answering while a batch is analysed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from redis.asyncio import Redis

from newswatch_enrich.api import tag_router
from newswatch_enrich.enricher import Enricher
from newswatch_enrich.gazetteer import load_gazetteer
from newswatch_enrich.metrics import record_batch
from newswatch_enrich.nlp import load_pipeline
from newswatch_enrich.settings import EnrichSettings
from newswatch_enrich.stories import DecideParams, StoryAssigner
from newswatch_enrich.stories.pipeline import assign_stories
from newswatch_enrich.stories.redis_store import RedisStore
from newswatch_enrich.taxonomy import load_taxonomy
from newswatch_shared import http_api
from newswatch_shared.kafka import ensure_topics, kafka_ready, make_consumer, make_producer
from newswatch_shared.ops import ops_router
from newswatch_shared.pipeline import ConsumeLoop, Handler, Outgoing
from newswatch_shared.redis_client import make_redis, redis_ready
from newswatch_shared.runtime import Worker
from newswatch_shared.schemas import RawArticle
from newswatch_shared.topics import ALL_TOPICS, ARTICLES_ENRICHED, ARTICLES_RAW

__all__ = [
    "GROUP_ID",
    "SERVICE",
    "build_enricher",
    "build_story_assigner",
    "create_app",
    "make_consume_loop",
    "make_handler",
]

log = logging.getLogger(__name__)

SERVICE = "enrich"
GROUP_ID = "newswatch-enrich"


def build_enricher(settings: EnrichSettings) -> Enricher:
    """Load the taxonomy, gazetteer and spaCy pipeline (seconds: call once, off the event loop)."""
    gazetteer = load_gazetteer(settings.enrich_gazetteer_path)
    taxonomy = load_taxonomy(settings.enrich_taxonomy_path)
    nlp = load_pipeline(settings.enrich_spacy_model, gazetteer)
    return Enricher(
        nlp,
        taxonomy,
        gazetteer,
        batch_size=settings.enrich_nlp_batch_size,
        max_chars=settings.enrich_max_chars,
    )


#: Story keys outlive the window by this much, so a copy published at the window's end still finds them.
STORY_KEY_MARGIN_S = 3600.0


def build_story_assigner(settings: EnrichSettings, redis: Redis) -> StoryAssigner | None:
    """Stories shared by all replicas through Redis; None when turned off."""
    if not settings.enrich_stories:
        return None
    window = settings.enrich_story_window_s
    return StoryAssigner(RedisStore(redis, window + STORY_KEY_MARGIN_S), decide=DecideParams(window_s=window))


def make_handler(enricher: Enricher, stories: StoryAssigner | None = None) -> Handler[RawArticle]:
    """The ConsumeLoop handler: one ``nlp.pipe`` pass per batch, one enriched message per article, each
    with its story (after tagging, so the story's peak score includes it)."""

    async def handle(batch: Sequence[RawArticle]) -> list[Outgoing]:
        started = time.perf_counter()
        enriched = await asyncio.to_thread(enricher.enrich, batch)
        if stories is not None:
            enriched = await assign_stories(stories, enriched)
        record_batch(enriched, time.perf_counter() - started)
        return [
            Outgoing(ARTICLES_ENRICHED, key=e.id, value=e, headers=(("article_id", e.id.encode()),))
            for e in enriched
        ]

    return handle


def make_consume_loop(
    settings: EnrichSettings,
    enricher: Enricher,
    consumer: AIOKafkaConsumer,
    producer: AIOKafkaProducer,
    stories: StoryAssigner | None = None,
) -> ConsumeLoop[RawArticle]:
    """The service's consume loop, wired as in production (``bench/enrich`` runs this same loop)."""
    return ConsumeLoop(
        service=SERVICE,
        consumer=consumer,
        producer=producer,
        input_model=RawArticle,
        handler=make_handler(enricher, stories),
        batch_size=settings.batch_size,
        max_message_bytes=settings.kafka_max_message_bytes,
        topic_prefix=settings.kafka_topic_prefix,
    )


@dataclass
class _Resources:
    """What the lifespan creates; None until start-up has made it."""

    enricher: Enricher | None = None
    producer: AIOKafkaProducer | None = None
    redis: Redis | None = None

    def get_enricher(self) -> Enricher:
        if self.enricher is None:
            raise RuntimeError("the enricher is created at start-up")
        return self.enricher

    async def ready(self) -> dict[str, bool]:
        kafka = self.producer is not None and await kafka_ready(self.producer)
        redis = self.redis is not None and await redis_ready(self.redis)
        return {"kafka": kafka, "redis": redis}


def create_app(settings: EnrichSettings) -> FastAPI:
    res = _Resources()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kafka_cfg = settings.kafka(SERVICE)
        async with contextlib.AsyncExitStack() as stack:
            res.enricher = await asyncio.to_thread(build_enricher, settings)
            log.info("loaded %s", res.enricher.name)
            redis = make_redis(settings.redis_url)
            stack.push_async_callback(redis.aclose)
            res.redis = redis
            if kafka_cfg.create_topics:
                await ensure_topics(kafka_cfg, ALL_TOPICS)
            producer = make_producer(kafka_cfg)
            await producer.start()
            stack.push_async_callback(producer.stop)
            res.producer = producer
            consumer = make_consumer(kafka_cfg, [ARTICLES_RAW], GROUP_ID)
            await consumer.start()
            stack.push_async_callback(consumer.stop)
            stories = build_story_assigner(settings, redis)
            loop = make_consume_loop(settings, res.enricher, consumer, producer, stories)
            worker = Worker(f"{SERVICE}-consumer", loop.run)
            worker.start()
            stack.push_async_callback(worker.stop)  # runs first: stop consuming before closing clients
            yield
        res.producer = None
        res.redis = None

    app = FastAPIOffline(
        title="newswatch enrich",
        version="0.1.0",
        description="Tags named entities and escalation language in news articles and scores escalation. "
        "Consumes `articles.raw`, publishes `articles.enriched`; `POST /tag` analyses any text the same way.",
        lifespan=lifespan,
    )
    app.include_router(tag_router(res.get_enricher, settings.enrich_max_chars))
    app.include_router(ops_router(SERVICE, res.ready))
    http_api.install(app)
    return app
