"""Alerts in Redis: one per (watchlist, story), updated by each copy, notified atomically; listed per user.

One script (``alerts.writes``) records a copy: it updates the alert, counts the copy, and when the
decision (``alerts.story``) says so stores the notification's snapshot, adds it to the user's live
stream and puts one entry per channel into the outbox (or, for a digest watchlist, adds it to its
period's digest) — all or nothing, and only if the alert is still what the decision was made from.
Because the id is derived from (watchlist, story), a redelivered copy finds itself counted and
changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from redis.asyncio import Redis

from newswatch_alert.alerts.models import AlertView
from newswatch_alert.alerts.story import Decision, NotifyOptions, decide
from newswatch_alert.alerts.writes import APPLY, CONFLICT, DUPLICATE, apply_call
from newswatch_alert.common import keys
from newswatch_alert.common.redact import redact_url
from newswatch_alert.delivery.channels import AnyChannel
from newswatch_alert.delivery.digest import DigestInfo, DigestMode, digest_id, period_of
from newswatch_alert.delivery.models import DeliveryState, notification_id
from newswatch_shared.errors import RetryableError
from newswatch_shared.schemas import AlertEvent

__all__ = ["AlertStore", "Recorded"]

log = logging.getLogger(__name__)

#: Compare-and-set rounds before giving up (the batch is then retried): each lost round means another
#: replica recorded a copy of the same story in between, a handful at most.
_MAX_ROUNDS = 20


@dataclass(frozen=True)
class Recorded:
    """The alert after a copy; ``created``: the copy made it; ``notified``: the copy notified."""

    alert: AlertEvent
    created: bool
    notified: bool


def _parse(raw: str | None) -> AlertEvent | None:
    return AlertEvent.model_validate_json(raw) if raw else None


class AlertStore:
    def __init__(
        self,
        redis: Redis,
        ttl_s: int,
        keep_per_user: int,
        *,
        stream_maxlen: int = 1000,
        digest_grace_s: float = 30.0,
    ) -> None:
        self._redis = redis
        self._ttl_s = ttl_s
        self._keep_per_user = keep_per_user
        self._stream_maxlen = stream_maxlen
        self._digest_grace = timedelta(seconds=digest_grace_s)
        self._apply = redis.register_script(APPLY)

    async def record(
        self,
        copy: AlertEvent,
        channels: Sequence[AnyChannel],
        now: datetime,
        options: NotifyOptions,
        digest: DigestMode | None = None,
    ) -> Recorded | None:
        """Record one copy of a story (``copy``: the alert built from it alone) on the story's alert.

        Returns the alert as stored afterwards; None when the stored alert was written by a version
        this one cannot read (it is left alone until its TTL).
        """
        for _ in range(_MAX_ROUNDS):
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(keys.alert(copy.id))
                pipe.sismember(keys.copies(copy.id), copy.article_id)
                raw, counted = await pipe.execute()
            try:
                stored = _parse(raw)
            except ValidationError:
                log.warning("alert %s is stored in a shape this version cannot read; left alone", copy.id)
                return None
            # An alert stored before stories counted its one article without the copies set.
            if stored is not None and (counted or stored.article_id == copy.article_id):
                return Recorded(stored, created=False, notified=False)
            decision = decide(stored, copy, options)
            outcome, _ = await self._write(decision, raw or "", copy.article_id, channels, now, digest)
            if outcome == DUPLICATE:
                return Recorded(stored or decision.alert, created=False, notified=False)
            if outcome != CONFLICT:
                return Recorded(decision.alert, decision.created, decision.notify)
        raise RetryableError(f"alert {copy.id}: the story kept changing under {_MAX_ROUNDS} attempts")

    async def create(
        self,
        alert: AlertEvent,
        channels: Sequence[AnyChannel],
        now: datetime,
        digest: DigestMode | None = None,
    ) -> tuple[AlertEvent, bool]:
        """Store ``alert`` and notify it unless it exists; returns the stored alert and whether it is new.

        A new alert joins the user's list and live stream and, per channel, is queued at once or, with
        a ``digest`` mode, joins the digest of its period (queued for the period's end plus the grace).
        An existing one is returned unchanged (``record`` is what merges copies of a story).
        """
        decision = decide(None, alert, NotifyOptions(digest=digest is not None))
        outcome, current = await self._write(decision, "", "", channels, now, digest)
        if outcome == CONFLICT:
            return AlertEvent.model_validate_json(current), False
        return decision.alert, True

    async def _write(
        self,
        decision: Decision,
        expected: str,
        article_id: str,
        channels: Sequence[AnyChannel],
        now: datetime,
        digest: DigestMode | None,
    ) -> tuple[int, str]:
        alert = decision.alert
        info: DigestInfo | None = None
        if digest is not None and channels and decision.notify:
            start, end = period_of(digest, now)
            info = DigestInfo(
                id=digest_id(alert.watchlist_id, digest, start),
                user_id=alert.user_id,
                watchlist_id=alert.watchlist_id,
                watchlist_name=alert.watchlist_name,
                mode=digest,
                period_start=start,
                period_end=end,
            )
        call_keys, args = apply_call(
            decision,
            expected,
            article_id,
            channels,
            now,
            info,
            ttl_s=self._ttl_s,
            keep_per_user=self._keep_per_user,
            stream_maxlen=self._stream_maxlen,
            digest_due=info.period_end + self._digest_grace if info else None,
        )
        reply = await self._apply(keys=call_keys, args=args)
        outcome = int(reply[0])
        current = reply[1] if len(reply) > 1 else ""
        return outcome, current.decode() if isinstance(current, bytes) else str(current)

    async def _with_digest_states(self, views: list[AlertView]) -> list[AlertView]:
        """An alert waiting in a digest shows its digest's delivery (one state per digest and channel)."""
        wanted = sorted({(d.digest_id, d.channel_id) for v in views for d in v.deliveries if d.digest_id})
        if not wanted:
            return views
        async with self._redis.pipeline(transaction=False) as pipe:
            for digest, channel_id in wanted:
                pipe.hget(keys.digest_deliveries(digest), channel_id)
            replies = await pipe.execute()
        found: dict[tuple[str | None, str], DeliveryState] = {
            pair: DeliveryState.model_validate_json(raw)
            for pair, raw in zip(wanted, replies, strict=True)
            if raw is not None
        }
        return [
            view.model_copy(
                update={"deliveries": [found.get((d.digest_id, d.channel_id), d) for d in view.deliveries]}
            )
            for view in views
        ]

    async def _views(self, raws: Sequence[str | bytes]) -> list[AlertView | None]:
        """Stored alerts with the delivery states of their latest notification (none while pending)."""
        events: list[AlertEvent | None] = []
        for raw in raws:
            try:
                events.append(AlertEvent.model_validate_json(raw))
            except ValidationError:
                events.append(None)  # written by an incompatible version: left alone until its TTL
        async with self._redis.pipeline(transaction=False) as pipe:
            for event in events:
                key = notification_id(event.id, event.notification) if event else ""
                pipe.hgetall(keys.deliveries(key))
            states = await pipe.execute()
        return [_view(event, found) if event else None for event, found in zip(events, states, strict=True)]

    async def list_for(self, user_id: str, limit: int) -> list[AlertView]:
        """The user's newest alerts with each channel's delivery state."""
        ids = [str(i) for i in await self._redis.zrevrange(keys.user_alerts(user_id), 0, limit - 1)]
        raws = await self._redis.mget([keys.alert(i) for i in ids]) if ids else []
        expired = [alert_id for alert_id, raw in zip(ids, raws, strict=True) if raw is None]
        if expired:
            await self._redis.zrem(keys.user_alerts(user_id), *expired)
        found = await self._views([raw for raw in raws if raw is not None])
        views = [view for view in found if view is not None]
        return [_shown(view) for view in await self._with_digest_states(views)]

    async def get(self, user_id: str, alert_id: str) -> AlertView | None:
        """One alert with its delivery states; None when missing, expired or another user's."""
        raw = await self._redis.get(keys.alert(alert_id))
        if raw is None:
            return None
        (view,) = await self._views([raw])
        if view is None or view.user_id != user_id:
            return None
        (shown,) = await self._with_digest_states([view])
        return _shown(shown)


def _shown(view: AlertView) -> AlertView:
    """Deliveries as the API shows them: a URL as its origin and fingerprint (``common.redact``). The
    owner sees the full URL where they manage it, GET /watchlists; a status list is what gets pasted
    into tickets and shown on screens, so it carries no credential."""
    deliveries = [d.model_copy(update={"url": redact_url(d.url)}) for d in view.deliveries]
    return view.model_copy(update={"deliveries": deliveries})


def _view(event: AlertEvent, states: dict[str, str]) -> AlertView | None:
    """The stored alert and its deliveries as the owner sees them; None if a state was written by an
    incompatible version (it is left alone until its TTL)."""
    try:
        deliveries = sorted(
            (DeliveryState.model_validate_json(s) for s in states.values()),
            key=lambda d: d.channel_id,
        )
    except ValidationError:
        return None
    return AlertView.model_validate({**event.model_dump(), "deliveries": deliveries})
