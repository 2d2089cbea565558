"""Publishing articles to ``articles.raw``: send them all, then wait for every acknowledgement.

Sending first and awaiting afterwards lets the producer batch the records; waiting for all of them
before returning is what lets the caller mark articles seen only once the broker holds them. The key
is the article id, so repeats of one article land on one partition, in order.

An article the broker will never take (over ``max_message_bytes`` encoded, or answered "too large")
is returned, not raised: raising would fail the whole poll, leave the feed's other articles unmarked
and republish them on every poll until the feed is disabled. Anything that may pass (the broker
away, a leader moving) is a :class:`PublishError`, and the poll is tried again later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from newswatch_ingest.errors import PublishError
from newswatch_shared import metrics as shared_metrics
from newswatch_shared.kafka import REFUSED
from newswatch_shared.schemas import RawArticle, encode
from newswatch_shared.topics import ARTICLES_RAW

__all__ = ["SERVICE", "Refused", "publish_articles"]

SERVICE = "ingest"


@dataclass(frozen=True)
class Refused:
    """An article that cannot be published, and why (for the feed's warning and the logs)."""

    article: RawArticle
    reason: str


async def publish_articles(
    producer: AIOKafkaProducer,
    articles: Sequence[RawArticle],
    *,
    max_message_bytes: int = 1_000_000,
    topic: str = ARTICLES_RAW,
) -> list[Refused]:
    """Return once the broker has acknowledged every article it can take; the ones it never will are
    returned. :class:`PublishError` when any other article was not acknowledged. ``topic`` is the
    broker's name of ``articles.raw`` (with the deployment's prefix)."""
    refused: list[Refused] = []
    pending: list[tuple[RawArticle, asyncio.Future[object]]] = []
    try:
        for article in articles:
            value = encode(article)
            if len(value) > max_message_bytes:
                refused.append(
                    Refused(
                        article, f"{len(value):,} bytes encoded, over the {max_message_bytes:,}-byte limit"
                    )
                )
                continue
            try:
                future = await producer.send(
                    topic,
                    value,
                    key=article.id.encode(),
                    headers=[("article_id", article.id.encode()), ("feed_id", article.feed_id.encode())],
                )
            except REFUSED as e:
                refused.append(Refused(article, f"the broker refused it: {type(e).__name__}"))
                continue
            pending.append((article, future))
    except KafkaError as e:
        raise PublishError(f"The broker did not accept the articles: {type(e).__name__}: {e}") from e
    results = await asyncio.gather(*(f for _, f in pending), return_exceptions=True)
    failures: list[BaseException] = []
    for (article, _), result in zip(pending, results, strict=True):
        if isinstance(result, REFUSED):
            refused.append(Refused(article, f"the broker refused it: {type(result).__name__}"))
        elif isinstance(result, BaseException):
            failures.append(result)
    acked = len(results) - len(failures) - sum(isinstance(r, REFUSED) for r in results)
    if acked:
        shared_metrics.PRODUCED.labels(SERVICE, topic).inc(acked)
    if failures:
        first = failures[0]
        raise PublishError(
            f"The broker did not acknowledge {len(failures)} of {len(results)} articles: "
            f"{type(first).__name__}: {first}"
        ) from first
    return refused
