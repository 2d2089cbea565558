"""Publishing articles to ``articles.raw``: send them all, then wait for every acknowledgement.

Sending first and awaiting afterwards lets the producer batch the records; waiting for all of them
before returning is what lets the caller mark articles seen only once the broker holds them. The key
is the article id, so repeats of one article land on one partition, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from newswatch_ingest.errors import PublishError
from newswatch_shared import metrics as shared_metrics
from newswatch_shared.schemas import RawArticle, encode
from newswatch_shared.topics import ARTICLES_RAW

__all__ = ["SERVICE", "publish_articles"]

SERVICE = "ingest"


async def publish_articles(producer: AIOKafkaProducer, articles: Sequence[RawArticle]) -> None:
    """Return once the broker has acknowledged every article; :class:`PublishError` otherwise."""
    try:
        pending = [
            await producer.send(
                ARTICLES_RAW,
                encode(article),
                key=article.id.encode(),
                headers=[("article_id", article.id.encode()), ("feed_id", article.feed_id.encode())],
            )
            for article in articles
        ]
    except KafkaError as e:
        raise PublishError(f"The broker did not accept the articles: {type(e).__name__}: {e}") from e
    results = await asyncio.gather(*pending, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    acked = len(results) - len(failures)
    if acked:
        shared_metrics.PRODUCED.labels(SERVICE, ARTICLES_RAW).inc(acked)
    if failures:
        first = failures[0]
        raise PublishError(
            f"The broker did not acknowledge {len(failures)} of {len(results)} articles: "
            f"{type(first).__name__}: {first}"
        ) from first
