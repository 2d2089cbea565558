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

What is read for a claimed entry is parsed in a guard (``claimed``): an entry whose stored parts no
longer parse comes back ``broken`` and is buried as a dead letter (``bury``, ``deadletter``) instead
of failing the whole claim.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from redis.asyncio import Redis

from newswatch_alert.common import keys
from newswatch_alert.delivery.claimed import Claimed, describe, subject_keys
from newswatch_alert.delivery.consent import Consent
from newswatch_alert.delivery.deadletter import BURY, DeadDelivery
from newswatch_alert.delivery.digest import DigestEvent
from newswatch_alert.delivery.models import DeliveryState, OutboxItem
from newswatch_shared.lease import LUA, new_token
from newswatch_shared.schemas import AlertEvent

__all__ = ["Claimed", "DeadLetterLimits", "Outbox"]


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
class DeadLetterLimits:
    """How long dead letters are kept, and how many per owner (the settings' defaults)."""

    ttl_s: int = 30 * 86400
    per_user: int = 1000


class Outbox:
    def __init__(
        self,
        redis: Redis,
        lease_ms: int,
        *,
        ttl_s: int = 30 * 86400,
        digest_max_items: int = 50,
        dead_letters: DeadLetterLimits | None = None,
    ) -> None:
        self._redis = redis
        self._lease_ms = lease_ms
        self._ttl_s = ttl_s
        self._digest_max_items = digest_max_items
        self._dead = dead_letters or DeadLetterLimits()
        self._claim = redis.register_script(_CLAIM)
        self._finish = redis.register_script(_FINISH)
        self._bury = redis.register_script(BURY)
        self._open_digest = redis.register_script(_OPEN_DIGEST)

    async def claim_due(self, now_ms: int, limit: int) -> list[Claimed]:
        token = new_token()
        members: list[str] = await self._claim(
            keys=[keys.OUTBOX], args=[now_ms, limit, self._lease_ms, token, keys.LEASE_PREFIX]
        )
        if not members:
            return []
        found = await self._redis.mget([keys.outbox_item(m) for m in members])
        raw_items = [raw if raw is None or isinstance(raw, str) else raw.decode() for raw in found]
        items: list[OutboxItem | None] = []
        problems: list[str | None] = []
        for raw in raw_items:
            try:
                items.append(OutboxItem.model_validate_json(raw) if raw is not None else None)
                problems.append(None)
            except ValueError as e:
                items.append(None)
                problems.append(describe("outbox item", e))
        async with self._redis.pipeline(transaction=False) as pipe:
            for member, item in zip(members, items, strict=True):
                body_key, state_key = subject_keys(member, item)
                if item is not None and item.consent_id:
                    pipe.hgetall(body_key)
                else:
                    pipe.get(body_key)
                pipe.hget(state_key, member.split(":", 1)[1])
            replies = await pipe.execute()
        claimed: list[Claimed] = []
        for i, (member, item) in enumerate(zip(members, items, strict=True)):
            body, state = replies[2 * i : 2 * i + 2]
            entry = Claimed(member=member, token=token, item=item, state=None, item_json=raw_items[i])
            if problems[i] is not None:
                claimed.append(_broken(entry, problems[i]))
                continue
            claimed.append(await self._parse(entry, body, state))
        return claimed

    async def _parse(self, entry: Claimed, body: str | dict[str, str] | None, state: str | None) -> Claimed:
        """The entry with what it sends parsed, or ``broken`` saying what did not parse."""
        item, what = entry.item, "delivery state"
        try:
            parsed = DeliveryState.model_validate_json(state) if state else None
            if item is None or not body:
                return _with(entry, state=parsed)
            if isinstance(body, dict):
                what = "consent"
                return _with(entry, state=parsed, consent=Consent.model_validate(body))
            if item.digest_id:
                what = "digest"
                return _with(entry, state=parsed, digest=await self._open(item.digest_id))
            what = "alert"
            return _with(
                entry, state=parsed, alert_json=body, alert_event=AlertEvent.model_validate_json(body)
            )
        except ValueError as e:
            return _broken(entry, describe(what, e))

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

    async def bury(self, claimed: Claimed, state: DeliveryState | None, dead: DeadDelivery) -> bool:
        """Record the final state (if any), take the entry out of the outbox and keep it as a dead
        letter (``deadletter``), in one script and only while the lease is ours (False otherwise)."""
        owner = keys.user_dead_letter(dead.user_id) if dead.user_id else keys.DEAD_LETTER_UNOWNED
        done: int = await self._bury(
            keys=[
                keys.OUTBOX,
                keys.outbox_item(claimed.member),
                keys.lease(claimed.member),
                claimed.deliveries_key,
                keys.dead_entry(claimed.member),
                keys.DEAD_LETTER,
                owner,
            ],
            args=[
                claimed.member,
                claimed.token,
                claimed.member.split(":", 1)[1],
                state.model_dump_json() if state else "",
                dead.model_dump_json(),
                claimed.item_json or "",
                int(dead.died_at.timestamp() * 1000),
                self._dead.ttl_s,
                self._dead.per_user,
                keys.DEAD_ENTRY_PREFIX,
            ],
        )
        return bool(done)

    async def dead_letters(self) -> int:
        """Dead letters kept, all owners (for the gauge)."""
        return int(await self._redis.zcard(keys.DEAD_LETTER))

    async def pending(self) -> int:
        """Entries not yet delivered or dead (for /metrics and tests)."""
        return int(await self._redis.zcard(keys.OUTBOX))


def _with(entry: Claimed, **parsed: Any) -> Claimed:
    return replace(entry, **parsed)


def _broken(entry: Claimed, problem: str | None) -> Claimed:
    return _with(entry, broken=problem or "stored delivery does not parse")
