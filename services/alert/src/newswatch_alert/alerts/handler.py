"""The articles.enriched handler: store each article, match it, record alerts, emit alert events.

Runs inside the shared ConsumeLoop, which produces what this returns and only then commits offsets.
Every effect is idempotent: articles are overwritten with themselves, and an alert's id is derived
from (watchlist, story), so the copies of one story update one alert (``alerts.story`` decides when
they notify) and a redelivered copy changes nothing and queues nothing.

For every match, new or already stored, the stored AlertEvent is returned for the ``alerts`` topic.
Re-emitting on redelivery is deliberate: if producing failed after the alert was stored, the loop
retries the batch, and emitting only new alerts would lose the event for good. Downstream consumers
de-duplicate by alert id (keeping the most ``copies``), as they must anyway under at-least-once
delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.alerts.story import NotifyOptions
from newswatch_alert.common import metrics
from newswatch_alert.common.entities import current_article
from newswatch_alert.delivery.digest import digest_mode
from newswatch_alert.live.articles import ArticleStore
from newswatch_alert.watchlists.cache import WatchlistCache
from newswatch_alert.watchlists.match import build_alert
from newswatch_alert.watchlists.prepared import PreparedArticle
from newswatch_shared.concepts import ConceptScheme
from newswatch_shared.errors import RetryableError
from newswatch_shared.pipeline import Outgoing
from newswatch_shared.redis_client import TRANSIENT_REDIS_ERRORS
from newswatch_shared.schemas import EnrichedArticle, utcnow
from newswatch_shared.topics import ALERTS

__all__ = ["ArticleHandler"]

log = logging.getLogger(__name__)


class ArticleHandler:
    def __init__(
        self,
        watchlists: WatchlistCache,
        articles: ArticleStore,
        alerts: AlertStore,
        clock: Callable[[], datetime] = utcnow,
        on_stored: Callable[[Sequence[EnrichedArticle]], Awaitable[None]] | None = None,
        scheme: ConceptScheme | None = None,
    ) -> None:
        self._watchlists = watchlists
        self._articles = articles
        self._alerts = alerts
        self._clock = clock
        self._on_stored = on_stored  # the live feed: index, trend counters, article stream
        self._scheme = scheme  # broader concepts of matches enriched without them, and explanation paths

    async def __call__(self, batch: Sequence[EnrichedArticle]) -> list[Outgoing]:
        try:
            return await self._handle(batch)
        except TRANSIENT_REDIS_ERRORS as e:
            raise RetryableError(f"redis unavailable: {e}") from e

    async def _handle(self, batch: Sequence[EnrichedArticle]) -> list[Outgoing]:
        # The same article twice in one batch is one article (the later copy wins). Articles from older
        # enrichers get today's entities ("Russian" is Russia) before anything stores or counts them.
        unique = [current_article(e) for e in {enriched.id: enriched for enriched in batch}.values()]
        await self._watchlists.refresh()
        await self._articles.store(unique)
        if self._on_stored is not None:
            await self._on_stored(unique)
        index = self._watchlists.index
        outgoing: list[Outgoing] = []
        now = self._clock()
        for enriched in unique:
            for watchlist, found in index.matches(PreparedArticle(enriched, self._scheme)):
                digest = digest_mode(watchlist)
                recorded = await self._alerts.record(
                    build_alert(watchlist, enriched, found, now),
                    watchlist.channels,
                    now,
                    NotifyOptions.of(watchlist, digest=digest is not None),
                    digest=digest,
                )
                if recorded is None:
                    continue
                alert = recorded.alert
                if recorded.created:
                    metrics.ALERTS_CREATED.inc()
                if recorded.notified:
                    metrics.NOTIFICATIONS.labels(alert.reason or "first").inc()
                    log.info(
                        "alert %s: watchlist %s notifies story %s (%s, notification %d, %d sources)",
                        alert.id,
                        watchlist.id,
                        alert.story_id,
                        alert.reason,
                        alert.notification,
                        len(alert.sources),
                        extra={"alert_id": alert.id, "article_id": enriched.id},
                    )
                outgoing.append(
                    Outgoing(
                        topic=ALERTS,
                        key=alert.user_id,
                        value=alert,
                        headers=(("alert_id", alert.id.encode()), ("article_id", enriched.id.encode())),
                    )
                )
        return outgoing
