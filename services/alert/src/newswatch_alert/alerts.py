"""Alerts in Redis: created atomically with their outbox entries, listed per user.

One Lua script makes an alert: if ``alert:<id>`` does not exist it stores the alert, adds it to the
user's list, and puts one entry per channel into the outbox — all or nothing. Because the id is
derived from (watchlist, article), a redelivered article finds the alert and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError
from redis.asyncio import Redis

from newswatch_alert import keys
from newswatch_alert.models import AlertView, DeliveryState, OutboxItem, WebhookChannel
from newswatch_shared.schemas import AlertEvent

__all__ = ["AlertStore"]

# KEYS: alert, user's alert list, deliveries hash, outbox, then one outbox item per channel.
# ARGV: alert json, alert id, created (ms), ttl (s), alerts kept per user, due (ms),
#       then (outbox member, item json, channel id, state json) per channel.
# Returns nil when created, else the alert already stored.
_CREATE = """
local existing = redis.call('GET', KEYS[1])
if existing then
  return existing
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if extra > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1)
end
local n = (#ARGV - 6) / 4
for i = 0, n - 1 do
  local b = 7 + i * 4
  redis.call('HSET', KEYS[3], ARGV[b + 2], ARGV[b + 3])
  redis.call('SET', KEYS[5 + i], ARGV[b + 1], 'EX', ARGV[4])
  redis.call('ZADD', KEYS[4], ARGV[6], ARGV[b])
end
if n > 0 then
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
return false
"""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class AlertStore:
    def __init__(self, redis: Redis, ttl_s: int, keep_per_user: int) -> None:
        self._redis = redis
        self._ttl_s = ttl_s
        self._keep_per_user = keep_per_user
        self._create = redis.register_script(_CREATE)

    async def create(
        self, alert: AlertEvent, channels: Sequence[WebhookChannel], now: datetime
    ) -> tuple[AlertEvent, bool]:
        """Store ``alert`` unless it exists; returns the stored alert and whether it is new."""
        members = [keys.outbox_member(alert.id, c.id) for c in channels]
        args: list[str | int] = [
            alert.model_dump_json(),
            alert.id,
            _ms(alert.created_at),
            self._ttl_s,
            self._keep_per_user,
            _ms(now),
        ]
        for member, channel in zip(members, channels, strict=True):
            item = OutboxItem(
                alert_id=alert.id,
                user_id=alert.user_id,
                channel_id=channel.id,
                url=channel.url,
                secret=channel.secret,
            )
            state = DeliveryState(channel_id=channel.id, url=channel.url, updated_at=now)
            args += [member, item.model_dump_json(), channel.id, state.model_dump_json()]
        existing = await self._create(
            keys=[
                keys.alert(alert.id),
                keys.user_alerts(alert.user_id),
                keys.deliveries(alert.id),
                keys.OUTBOX,
                *(keys.outbox_item(m) for m in members),
            ],
            args=args,
        )
        if existing is None:
            return alert, True
        return AlertEvent.model_validate_json(existing), False

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
            try:
                event = AlertEvent.model_validate_json(raw)
                deliveries = sorted(
                    (DeliveryState.model_validate_json(s) for s in states.values()),
                    key=lambda d: d.channel_id,
                )
            except ValidationError:
                continue  # written by an incompatible version; leave it for its TTL
            views.append(AlertView.model_validate({**event.model_dump(), "deliveries": deliveries}))
        if expired:
            await self._redis.zrem(keys.user_alerts(user_id), *expired)
        return views
