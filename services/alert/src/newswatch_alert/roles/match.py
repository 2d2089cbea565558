"""The ``match`` role: the ``articles.enriched`` consumer group, matching and alert creation.

Replicas share the topic's partitions (Kafka's group protocol), so adding one adds matching
capacity up to one replica per partition. Each replica keeps its own watchlist index, refreshed from
the change log. An alert's id is derived from (watchlist, article) and it is created in one Redis
script only if new, so a batch redelivered after a rebalance never creates an alert twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

from newswatch_alert.alerts.handler import ArticleHandler
from newswatch_alert.common.parts import Parts
from newswatch_alert.roles import build
from newswatch_alert.roles.base import SERVICE, RoleProbe
from newswatch_alert.settings import AlertSettings
from newswatch_alert.watchlists.cache import WatchlistCache
from newswatch_alert.watchlists.store import WatchlistStore
from newswatch_shared.kafka import ensure_topics, kafka_ready, make_consumer, make_producer
from newswatch_shared.pipeline import ConsumeLoop
from newswatch_shared.redis_client import redis_ready
from newswatch_shared.runtime import Worker
from newswatch_shared.schemas import EnrichedArticle
from newswatch_shared.topics import ALL_TOPICS, ARTICLES_ENRICHED

__all__ = ["GROUP_ID", "match_role"]

log = logging.getLogger(__name__)

GROUP_ID = "newswatch-alert"


@contextlib.asynccontextmanager
async def match_role(settings: AlertSettings, redis: Redis, parts: Parts) -> AsyncIterator[RoleProbe]:
    kafka = settings.kafka(SERVICE)
    if kafka.create_topics:
        await ensure_topics(kafka, ALL_TOPICS)
    async with contextlib.AsyncExitStack() as stack:
        producer = make_producer(kafka)
        await producer.start()
        stack.push_async_callback(producer.stop)
        consumer = make_consumer(kafka, [ARTICLES_ENRICHED], GROUP_ID)
        await consumer.start()
        stack.push_async_callback(consumer.stop)

        cache = WatchlistCache(
            WatchlistStore(redis, settings.alert_max_watchlists_per_user), settings.alert_watchlist_refresh_s
        )
        try:
            await cache.refresh()
        except RedisError as e:
            log.warning("watchlists not loaded at start-up (will retry): %s", e)
        handler = ArticleHandler(
            cache,
            build.article_store(settings, redis),
            build.alert_store(settings, redis),
            scheme=build.concept_scheme(settings),
            on_stored=build.live_feed(settings, redis).record,
        )
        consume = ConsumeLoop(
            service=SERVICE,
            consumer=consumer,
            producer=producer,
            input_model=EnrichedArticle,
            handler=handler,
            batch_size=settings.batch_size,
            max_message_bytes=settings.kafka_max_message_bytes,
            topic_prefix=kafka.topic_prefix,
        )
        workers = [Worker("alert-watchlists", cache.run), Worker("alert-consume", consume.run)]
        for worker in workers:
            worker.start()
            stack.push_async_callback(worker.stop)
        yield RoleProbe(
            needs={"kafka": lambda: kafka_ready(producer), "redis": lambda: redis_ready(redis)},
            workers=workers,
        )
