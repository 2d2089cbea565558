"""The delivery outbox in Redis: due entries, leases, and recording each attempt's outcome.

The outbox is a sorted set of ``<alert id>:<channel id>`` scored by the next attempt time (epoch
ms); the entry's details live under ``outbox:item:<member>`` until it is delivered or dead, so a
crash at any moment loses nothing.

Claiming (one script): take due members, and for each one ``SET outbox:lease:<member> NX PX`` and
push its score to the lease's end. Two replicas therefore never hold the same entry, and an entry
whose holder died becomes due again when the lease runs out. Finishing (one script) checks the
lease is still ours, records the channel's state and either removes the entry or reschedules it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from newswatch_alert import keys
from newswatch_alert.models import DeliveryState, OutboxItem

__all__ = ["Claimed", "Outbox"]

# KEYS[1] outbox; ARGV: now (ms), limit, lease (ms), token, lease key prefix.
_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local claimed = {}
for _, member in ipairs(due) do
  if redis.call('SET', ARGV[5] .. member, ARGV[4], 'NX', 'PX', ARGV[3]) then
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), member)
    table.insert(claimed, member)
  end
end
return claimed
"""

# KEYS: outbox, item, lease, deliveries hash.
# ARGV: member, token, channel id, state json ('' = none), next attempt (ms; '' = entry is done).
_FINISH = """
if redis.call('GET', KEYS[3]) ~= ARGV[2] then
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
redis.call('DEL', KEYS[3])
return 1
"""


@dataclass(frozen=True)
class Claimed:
    """One outbox entry this replica holds the lease on, with what sending it needs."""

    member: str
    token: str
    item: OutboxItem | None
    alert_json: str | None
    state: DeliveryState | None


class Outbox:
    def __init__(self, redis: Redis, lease_ms: int) -> None:
        self._redis = redis
        self._lease_ms = lease_ms
        self._claim = redis.register_script(_CLAIM)
        self._finish = redis.register_script(_FINISH)

    async def claim_due(self, now_ms: int, limit: int) -> list[Claimed]:
        token = secrets.token_hex(8)
        members: list[str] = await self._claim(
            keys=[keys.OUTBOX], args=[now_ms, limit, self._lease_ms, token, keys.LEASE_PREFIX]
        )
        if not members:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for member in members:
                alert_id, channel_id = member.split(":", 1)
                pipe.get(keys.outbox_item(member))
                pipe.get(keys.alert(alert_id))
                pipe.hget(keys.deliveries(alert_id), channel_id)
            replies = await pipe.execute()
        claimed: list[Claimed] = []
        for i, member in enumerate(members):
            item, alert_json, state = replies[3 * i : 3 * i + 3]
            claimed.append(
                Claimed(
                    member=member,
                    token=token,
                    item=OutboxItem.model_validate_json(item) if item else None,
                    alert_json=alert_json,
                    state=DeliveryState.model_validate_json(state) if state else None,
                )
            )
        return claimed

    async def finish(self, claimed: Claimed, state: DeliveryState | None, next_ms: int | None) -> bool:
        """Record the outcome; ``next_ms`` None removes the entry (delivered, dead or unsendable).

        Returns False when the lease was lost (it outlived its time and another replica took the
        entry): that replica's outcome counts, and ours is dropped.
        """
        alert_id, channel_id = claimed.member.split(":", 1)
        done: int = await self._finish(
            keys=[
                keys.OUTBOX,
                keys.outbox_item(claimed.member),
                keys.lease(claimed.member),
                keys.deliveries(alert_id),
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
