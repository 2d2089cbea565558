"""The delivery outbox in Redis: due entries, leases, and recording each attempt's outcome.

The outbox is a sorted set of ``<alert id>:<channel id>`` (or ``<digest id>:<channel id>``) scored by
the next attempt time (epoch ms); the entry's details live under ``outbox:item:<member>`` until it is
delivered or dead, so a crash at any moment loses nothing.

Claiming (one script): take due members, and for each one take the lease ``outbox:lease:<member>``
(``newswatch_shared.lease``, as ingest's feed leases) and push its score to the lease's end. Two
replicas therefore never hold the same entry, and an entry whose holder died becomes due again when
the lease runs out. Finishing (one script) checks the lease is still ours, records the channel's
state and either removes the entry or reschedules it.

A digest entry, once claimed, closes its digest (a third script): the alerts it lists are fixed from
then on, so every channel and every retry sends the same message, and an alert arriving later is
delivered on its own rather than lost.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from pydantic import ValidationError
from redis.asyncio import Redis

from newswatch_alert.common import keys
from newswatch_alert.delivery.digest import DigestEvent
from newswatch_alert.delivery.models import DeliveryState, OutboxItem
from newswatch_shared.lease import LUA, new_token
from newswatch_shared.schemas import AlertEvent

__all__ = ["Claimed", "Outbox"]

log = logging.getLogger(__name__)

# KEYS[1] outbox; ARGV: now (ms), limit, lease (ms), token, lease key prefix.
_CLAIM = (
    LUA
    + """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local claimed = {}
for _, member in ipairs(due) do
  if lease_take(ARGV[5] .. member, ARGV[4], ARGV[3]) then
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), member)
    table.insert(claimed, member)
  end
end
return claimed
"""
)

# KEYS: outbox, item, lease, deliveries hash.
# ARGV: member, token, channel id, state json ('' = none), next attempt (ms; '' = entry is done).
_FINISH = (
    LUA
    + """
if not lease_held(KEYS[3], ARGV[2]) then
  return 0
end
if ARGV[4] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('HSET', KEYS[4], ARGV[3], ARGV[4])
end
if ARGV[5] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[2])
else
  redis.call('ZADD', KEYS[1], ARGV[5], ARGV[1])
end
lease_release(KEYS[3], ARGV[2])
return 1
"""
)


# KEYS: digest closed flag, digest's alerts, digest info; ARGV: ttl (s), most alerts listed.
# Closes the digest (later alerts are delivered alone) and returns {info, total, first alert ids}.
_OPEN_DIGEST = """
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
local total = redis.call('ZCARD', KEYS[2])
local ids = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[2]) - 1)
return {redis.call('GET', KEYS[3]) or '', total, ids}
"""


@dataclass(frozen=True)
class Claimed:
    """One outbox entry this replica holds the lease on, with what sending it needs.

    ``item`` or ``state`` None means the entry outlived what it points at (TTL): nothing to send.
    An alert entry carries the stored alert JSON (sent byte for byte); a digest entry its digest.
    """

    member: str
    token: str
    item: OutboxItem | None
    state: DeliveryState | None
    alert_json: str | None = None
    digest: DigestEvent | None = None

    @property
    def sendable(self) -> bool:
        return (
            self.item is not None and self.state is not None and (bool(self.alert_json) or bool(self.digest))
        )

    def alert(self) -> AlertEvent | None:
        """The alert an alert entry sends (parsed from ``alert_json``)."""
        return AlertEvent.model_validate_json(self.alert_json) if self.alert_json else None

    @property
    def deliveries_key(self) -> str:
        subject = self.member.split(":", 1)[0]
        if self.item is not None and self.item.digest_id:
            return keys.digest_deliveries(subject)
        return keys.deliveries(subject)


class Outbox:
    def __init__(
        self, redis: Redis, lease_ms: int, *, ttl_s: int = 30 * 86400, digest_max_items: int = 50
    ) -> None:
        self._redis = redis
        self._lease_ms = lease_ms
        self._ttl_s = ttl_s
        self._digest_max_items = digest_max_items
        self._claim = redis.register_script(_CLAIM)
        self._finish = redis.register_script(_FINISH)
        self._open_digest = redis.register_script(_OPEN_DIGEST)

    async def claim_due(self, now_ms: int, limit: int) -> list[Claimed]:
        token = new_token()
        members: list[str] = await self._claim(
            keys=[keys.OUTBOX], args=[now_ms, limit, self._lease_ms, token, keys.LEASE_PREFIX]
        )
        if not members:
            return []
        raw_items = await self._redis.mget([keys.outbox_item(m) for m in members])
        items = [_item(raw) for raw in raw_items]
        async with self._redis.pipeline(transaction=False) as pipe:
            for member, item in zip(members, items, strict=True):
                subject, channel_id = member.split(":", 1)
                is_digest = item is not None and bool(item.digest_id)
                pipe.get(keys.alert(subject) if not is_digest else keys.digest(subject))
                pipe.hget(
                    keys.digest_deliveries(subject) if is_digest else keys.deliveries(subject), channel_id
                )
            replies = await pipe.execute()
        claimed: list[Claimed] = []
        for i, (member, item) in enumerate(zip(members, items, strict=True)):
            body, state = replies[2 * i : 2 * i + 2]
            digest = None
            if item is not None and item.digest_id and body is not None:
                digest = await self._open(item.digest_id)
            claimed.append(
                Claimed(
                    member=member,
                    token=token,
                    item=item,
                    state=DeliveryState.model_validate_json(state) if state else None,
                    alert_json=body if item is not None and not item.digest_id else None,
                    digest=digest,
                )
            )
        return claimed

    async def _open(self, digest: str) -> DigestEvent | None:
        """Close the digest to new alerts and read what it holds (the same on every retry)."""
        info, total, ids = await self._open_digest(
            keys=[keys.digest_closed(digest), keys.digest_alerts(digest), keys.digest(digest)],
            args=[self._ttl_s, self._digest_max_items],
        )
        if not info:
            return None
        raws = await self._redis.mget([keys.alert(i) for i in ids]) if ids else []
        alerts = [AlertEvent.model_validate_json(raw) for raw in raws if raw is not None]
        return DigestEvent.model_validate({**json.loads(info), "total": int(total), "alerts": alerts})

    async def finish(self, claimed: Claimed, state: DeliveryState | None, next_ms: int | None) -> bool:
        """Record the outcome; ``next_ms`` None removes the entry (delivered, dead or unsendable),
        otherwise the entry is due again then (a retry, or a wait for the rate limit).

        Returns False when the lease was lost (it outlived its time and another replica took the
        entry): that replica's outcome counts, and ours is dropped.
        """
        channel_id = claimed.member.split(":", 1)[1]
        done: int = await self._finish(
            keys=[
                keys.OUTBOX,
                keys.outbox_item(claimed.member),
                keys.lease(claimed.member),
                claimed.deliveries_key,
            ],
            args=[
                claimed.member,
                claimed.token,
                channel_id,
                state.model_dump_json() if state else "",
                "" if next_ms is None else next_ms,
            ],
        )
        return bool(done)

    async def pending(self) -> int:
        """Entries not yet delivered or dead (for /metrics and tests)."""
        return int(await self._redis.zcard(keys.OUTBOX))


def _item(raw: str | bytes | None) -> OutboxItem | None:
    if raw is None:
        return None
    try:
        return OutboxItem.model_validate_json(raw)
    except ValidationError:
        log.warning("outbox item does not parse; dropping it")
        return None
