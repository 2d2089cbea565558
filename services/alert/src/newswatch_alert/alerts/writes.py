"""The one script that records a story copy on its alert and, when decided, notifies: all or nothing.

It applies a decision of ``alerts.story`` only if ``alert:<id>`` still holds exactly what the
decision was made from (compare-and-set; absent for a new alert): otherwise it changes nothing and
returns what is there now, and the caller decides again. A copy already counted (its article id in
``alert:<id>:copies``) changes nothing either. So two replicas handling two copies of one story at once
make one alert and one notification, and a redelivered copy makes none; there is no lock to leak.

A notification stores the alert as it is sent (``notification:<key>``, the body of every retry),
adds it to the user's live stream and puts one outbox entry per channel (``<key>:<channel>``) — or,
for a digest watchlist, adds the alert to its period's digest, queued once per channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from newswatch_alert.alerts.story import Decision
from newswatch_alert.common import keys
from newswatch_alert.delivery.channels import AnyChannel, WebhookChannel, destination
from newswatch_alert.delivery.digest import DigestInfo
from newswatch_alert.delivery.models import DeliveryState, OutboxItem

__all__ = ["APPLY", "CONFLICT", "DUPLICATE", "apply_call"]

CONFLICT, APPLIED, DUPLICATE = 0, 1, 2

# KEYS: 1 alert, 2 its copies, 3 user's alert list, 4 the notification's deliveries, 5 outbox,
#       6 user's stream, 7 notification snapshot, 8 digest info, 9 digest's alerts, 10 digest closed flag,
#       11 digest's deliveries (8-11 unused without a digest), then per channel: alert item, digest item.
# ARGV: 1 expected alert json ('' = none), 2 alert json, 3 article id ('' = not counted), 4 alert id,
#       5 created (ms), 6 ttl (s), 7 alerts kept per user, 8 due (ms), 9 stream maxlen, 10 snapshot json
#       ('' = no notification), 11 digest info json ('' = deliver at once), 12 digest due (ms), then per
#       channel: channel id, alert member, alert item, alert state, digest member, digest item,
#       digest state, the alert's state while in the digest.
# Returns {CONFLICT, what is stored}, {APPLIED} or {DUPLICATE}.
APPLY = """
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then
  return {0, current}
end
local ttl = ARGV[6]
if ARGV[3] ~= '' then
  if redis.call('SADD', KEYS[2], ARGV[3]) == 0 then
    return {2}
  end
  redis.call('EXPIRE', KEYS[2], ttl)
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
if current == '' then
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
  local extra = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[7])
  if extra > 0 then
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, extra - 1)
  end
end
if ARGV[10] == '' then
  return {1}
end
redis.call('SET', KEYS[7], ARGV[10], 'EX', ttl)
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[9], '*', 'id', ARGV[4], 'alert', ARGV[10])
redis.call('EXPIRE', KEYS[6], ttl)
local n = (#ARGV - 12) / 8
if n == 0 then
  return {1}
end
-- A digest already being sent takes no more alerts: this one goes out on its own instead.
local digest = ARGV[11] ~= '' and redis.call('EXISTS', KEYS[10]) == 0
if digest then
  redis.call('SET', KEYS[8], ARGV[11], 'NX', 'EX', ttl)
  redis.call('ZADD', KEYS[9], ARGV[5], ARGV[4])
  redis.call('EXPIRE', KEYS[9], ttl)
end
for i = 0, n - 1 do
  local b = 13 + i * 8
  if digest then
    redis.call('HSET', KEYS[4], ARGV[b], ARGV[b + 7])
    if redis.call('SET', KEYS[13 + 2 * i], ARGV[b + 5], 'NX', 'EX', ttl) then
      redis.call('ZADD', KEYS[5], ARGV[12], ARGV[b + 4])
      redis.call('HSET', KEYS[11], ARGV[b], ARGV[b + 6])
      redis.call('EXPIRE', KEYS[11], ttl)
    end
  else
    redis.call('HSET', KEYS[4], ARGV[b], ARGV[b + 3])
    redis.call('SET', KEYS[12 + 2 * i], ARGV[b + 2], 'EX', ttl)
    redis.call('ZADD', KEYS[5], ARGV[8], ARGV[b + 1])
  end
end
redis.call('EXPIRE', KEYS[4], ttl)
return {1}
"""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def apply_call(
    decision: Decision,
    expected: str,
    article_id: str,
    channels: Sequence[AnyChannel],
    now: datetime,
    info: DigestInfo | None,
    *,
    ttl_s: int,
    keep_per_user: int,
    stream_maxlen: int,
    digest_due: datetime | None,
) -> tuple[list[str], list[str | int]]:
    """The KEYS and ARGV of ``APPLY`` for ``decision``, read from ``expected`` (the stored JSON or '')."""
    alert = decision.alert
    key = decision.notification_id
    subject = info.id if info else ""
    snapshot = alert.model_dump_json() if decision.notify else ""
    args: list[str | int] = [
        expected,
        alert.model_dump_json(),
        article_id,
        alert.id,
        _ms(alert.created_at),
        ttl_s,
        keep_per_user,
        _ms(now),
        stream_maxlen,
        snapshot,
        info.model_dump_json() if info else "",
        _ms(digest_due) if digest_due else 0,
    ]
    item_keys: list[str] = []
    for channel in channels if decision.notify else ():
        alert_member = keys.outbox_member(key, channel.id)
        digest_member = keys.outbox_member(subject, channel.id) if info else ""
        item = OutboxItem(
            alert_id=key,
            user_id=alert.user_id,
            channel_id=channel.id,
            channel=channel,
            # url and secret as before channel types, so a replica of the previous version can still
            # send a webhook entry during a rolling upgrade
            url=destination(channel),
            secret=channel.secret if isinstance(channel, WebhookChannel) else "",
            notification=alert.notification,
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
            item.model_copy(
                update={"alert_id": "", "digest_id": subject, "notification": 0}
            ).model_dump_json(),
            in_digest.model_dump_json(),
            in_digest.model_dump_json(),
        ]
        item_keys += [keys.outbox_item(alert_member), keys.outbox_item(digest_member)]
    call_keys = [
        keys.alert(alert.id),
        keys.copies(alert.id),
        keys.user_alerts(alert.user_id),
        keys.deliveries(key),
        keys.OUTBOX,
        keys.user_stream(alert.user_id),
        keys.notification(key),
        keys.digest(subject),
        keys.digest_alerts(subject),
        keys.digest_closed(subject),
        keys.digest_deliveries(subject),
        *item_keys,
    ]
    return call_keys, args
