"""Alerts in Redis: created atomically with their outbox entries, listed per user.

One Lua script makes an alert: if ``alert:<id>`` does not exist it stores the alert, adds it to the
user's list and live stream, and puts one entry per channel into the outbox (or, for a digest
watchlist, adds it to its period's digest, queued once per channel) — all or nothing. Because the id
is derived from (watchlist, article), a redelivered article finds the alert and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import ValidationError
from redis.asyncio import Redis

from newswatch_alert.alerts.models import AlertView
from newswatch_alert.common import keys
from newswatch_alert.common.redact import redact_url
from newswatch_alert.delivery.channels import AnyChannel, WebhookChannel, destination
from newswatch_alert.delivery.digest import DigestInfo, DigestMode, digest_id, period_of
from newswatch_alert.delivery.models import DeliveryState, OutboxItem
from newswatch_shared.schemas import AlertEvent

__all__ = ["AlertStore"]

# KEYS: 1 alert, 2 user's alert list, 3 alert's deliveries, 4 outbox, 5 user's stream, 6 digest info,
#       7 digest's alerts, 8 digest closed flag, 9 digest's deliveries (6-9 unused without a digest),
#       then per channel: alert outbox item, digest outbox item.
# ARGV: 1 alert json, 2 alert id, 3 created (ms), 4 ttl (s), 5 alerts kept per user, 6 due (ms),
#       7 stream maxlen, 8 digest info json ('' = deliver at once), 9 digest due (ms), then per channel:
#       channel id, alert member, alert item, alert state, digest member, digest item, digest state,
#       the alert's state while in the digest.
# Returns nil when created, else the alert already stored.
_CREATE = """
local existing = redis.call('GET', KEYS[1])
if existing then
  return existing
end
local ttl = ARGV[4]
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if extra > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1)
end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[7], '*', 'id', ARGV[2], 'alert', ARGV[1])
redis.call('EXPIRE', KEYS[5], ttl)
local n = (#ARGV - 9) / 8
if n == 0 then
  return false
end
-- A digest already being sent takes no more alerts: this one goes out on its own instead.
local digest = ARGV[8] ~= '' and redis.call('EXISTS', KEYS[8]) == 0
if digest then
  redis.call('SET', KEYS[6], ARGV[8], 'NX', 'EX', ttl)
  redis.call('ZADD', KEYS[7], ARGV[3], ARGV[2])
  redis.call('EXPIRE', KEYS[7], ttl)
end
for i = 0, n - 1 do
  local b = 10 + i * 8
  if digest then
    redis.call('HSET', KEYS[3], ARGV[b], ARGV[b + 7])
    if redis.call('SET', KEYS[11 + 2 * i], ARGV[b + 5], 'NX', 'EX', ttl) then
      redis.call('ZADD', KEYS[4], ARGV[9], ARGV[b + 4])
      redis.call('HSET', KEYS[9], ARGV[b], ARGV[b + 6])
      redis.call('EXPIRE', KEYS[9], ttl)
    end
  else
    redis.call('HSET', KEYS[3], ARGV[b], ARGV[b + 3])
    redis.call('SET', KEYS[10 + 2 * i], ARGV[b + 2], 'EX', ttl)
    redis.call('ZADD', KEYS[4], ARGV[6], ARGV[b + 1])
  end
end
redis.call('EXPIRE', KEYS[3], ttl)
return false
"""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


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
        self._create = redis.register_script(_CREATE)

    async def create(
        self,
        alert: AlertEvent,
        channels: Sequence[AnyChannel],
        now: datetime,
        digest: DigestMode | None = None,
    ) -> tuple[AlertEvent, bool]:
        """Store ``alert`` unless it exists; returns the stored alert and whether it is new.

        A new alert joins the user's list and live stream and, per channel, is queued at once or, with
        a ``digest`` mode, joins the digest of its period (queued for the period's end plus the grace).
        """
        info: DigestInfo | None = None
        if digest is not None and channels:
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
        subject = info.id if info else ""
        args: list[str | int] = [
            alert.model_dump_json(),
            alert.id,
            _ms(alert.created_at),
            self._ttl_s,
            self._keep_per_user,
            _ms(now),
            self._stream_maxlen,
            info.model_dump_json() if info else "",
            _ms(info.period_end + self._digest_grace) if info else 0,
        ]
        item_keys: list[str] = []
        for channel in channels:
            alert_member = keys.outbox_member(alert.id, channel.id)
            digest_member = keys.outbox_member(subject, channel.id) if info else ""
            item = OutboxItem(
                alert_id=alert.id,
                user_id=alert.user_id,
                channel_id=channel.id,
                channel=channel,
                # url and secret as before channel types, so a replica of the previous version can still
                # send a webhook entry during a rolling upgrade
                url=destination(channel),
                secret=channel.secret if isinstance(channel, WebhookChannel) else "",
            )
            state = DeliveryState(
                channel_id=channel.id, type=channel.type, url=destination(channel), updated_at=now
            )
            in_digest = state.model_copy(update={"digest_id": subject or None})
            args += [
                channel.id,
                alert_member,
                item.model_dump_json(),
                state.model_dump_json(),
                digest_member,
                item.model_copy(update={"alert_id": "", "digest_id": subject}).model_dump_json(),
                in_digest.model_dump_json(),
                in_digest.model_dump_json(),
            ]
            item_keys += [keys.outbox_item(alert_member), keys.outbox_item(digest_member)]
        existing = await self._create(
            keys=[
                keys.alert(alert.id),
                keys.user_alerts(alert.user_id),
                keys.deliveries(alert.id),
                keys.OUTBOX,
                keys.user_stream(alert.user_id),
                keys.digest(subject),
                keys.digest_alerts(subject),
                keys.digest_closed(subject),
                keys.digest_deliveries(subject),
                *item_keys,
            ],
            args=args,
        )
        if existing is None:
            return alert, True
        return AlertEvent.model_validate_json(existing), False

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

    async def list_for(self, user_id: str, limit: int) -> list[AlertView]:
        """The user's newest alerts with each channel's delivery state."""
        ids = [str(i) for i in await self._redis.zrevrange(keys.user_alerts(user_id), 0, limit - 1)]
        async with self._redis.pipeline(transaction=False) as pipe:
            for alert_id in ids:
                pipe.get(keys.alert(alert_id))
                pipe.hgetall(keys.deliveries(alert_id))
            replies = await pipe.execute()
        views: list[AlertView] = []
        expired: list[str] = []
        for alert_id, raw, states in zip(ids, replies[::2], replies[1::2], strict=True):
            if raw is None:
                expired.append(alert_id)
                continue
            view = _view(raw, states)
            if view is not None:
                views.append(view)
        if expired:
            await self._redis.zrem(keys.user_alerts(user_id), *expired)
        return [_shown(view) for view in await self._with_digest_states(views)]

    async def get(self, user_id: str, alert_id: str) -> AlertView | None:
        """One alert with its delivery states; None when missing, expired or another user's."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(keys.alert(alert_id))
            pipe.hgetall(keys.deliveries(alert_id))
            raw, states = await pipe.execute()
        if raw is None:
            return None
        view = _view(raw, states)
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


def _view(raw: str, states: dict[str, str]) -> AlertView | None:
    """The stored alert and its deliveries as the owner sees them; None if written by an incompatible
    version (it is left alone until its TTL)."""
    try:
        event = AlertEvent.model_validate_json(raw)
        deliveries = sorted(
            (DeliveryState.model_validate_json(s) for s in states.values()),
            key=lambda d: d.channel_id,
        )
    except ValidationError:
        return None
    return AlertView.model_validate({**event.model_dump(), "deliveries": deliveries})
