"""Reading dead letters and redriving them: putting a dead delivery back in the outbox.

A redrive gives the delivery fresh attempts (its state becomes ``pending`` with 0 attempts; the
last error stays until the next attempt) and puts the outbox item it died with back, due at once,
so the receiver gets the same body and the same ``Idempotency-Key`` (alert or digest id) as before.
It is one script, and idempotent: the dead letter is marked ``redriven_at`` (and leaves the lists)
in the same step that queues the entry, so a second redrive, concurrent or later, finds the mark and
queues nothing. A delivery that dies again becomes a new dead letter, which can be redriven again.

A dead letter cannot be redriven when what it delivers has expired (older than
``NEWSWATCH_ALERT_ALERT_TTL_S``), or when its stored item did not parse (nothing to put back).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.asyncio import Redis

from newswatch_alert.common import keys
from newswatch_alert.delivery.channels import ChannelType, destination
from newswatch_alert.delivery.claimed import subject_keys
from newswatch_alert.delivery.deadletter import DeadDelivery, DeadReason
from newswatch_alert.delivery.models import DeliveryState, OutboxItem

__all__ = ["AdminRedrive", "DeadLetterFilter", "DeadLetters", "DeadList", "RedriveOutcome", "RedriveReport"]

RedriveOutcome = Literal["redriven", "already_redriven", "missing", "expired", "not_redrivable"]

_PAGE = 200
SCAN_LIMIT = 10_000  # dead letters one filtered admin request may examine

# KEYS: 1 dead entry, 2 index of all, 3 owner's index, 4 outbox, 5 outbox item, 6 channel's state hash,
#       7 what it delivers (alert, digest or consent).
# ARGV: 1 member, 2 now (ms), 3 now (ISO), 4 item json, 5 channel id, 6 state json, 7 item ttl (s) if
#       the subject has none.
_REDRIVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 'missing'
end
if redis.call('HEXISTS', KEYS[1], 'redriven_at') == 1 then
  return 'already_redriven'
end
if redis.call('EXISTS', KEYS[7]) == 0 then
  return 'expired'
end
local ttl = redis.call('TTL', KEYS[7])
if ttl < 1 then
  ttl = tonumber(ARGV[7])
end
redis.call('HSET', KEYS[1], 'redriven_at', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SET', KEYS[5], ARGV[4], 'EX', ttl)
if redis.call('EXISTS', KEYS[6]) == 1 then
  redis.call('HSET', KEYS[6], ARGV[5], ARGV[6])
end
redis.call('ZADD', KEYS[4], 'NX', ARGV[2], ARGV[1])
return 'redriven'
"""


class DeadLetterFilter(BaseModel):
    """Which dead letters an admin lists or redrives; every field given must match."""

    model_config = ConfigDict(extra="forbid")

    channel: ChannelType | None = Field(default=None, description="Channel type.")
    host: str | None = Field(
        default=None,
        max_length=253,
        description="The destination's host (e.g. hooks.slack.com), or a recipient's domain for e-mail.",
    )
    destination_key: str | None = Field(default=None, max_length=64, description="One receiver exactly.")
    user_id: str | None = Field(default=None, max_length=64, description="One user's.")
    reason: DeadReason | None = Field(default=None, description="Why they died.")

    def matches(self, dead: DeadDelivery) -> bool:
        return (
            (self.channel is None or dead.channel_type == self.channel)
            and (self.host is None or self.host.lower() in dead.host.split(","))
            and (self.destination_key is None or dead.destination_key == self.destination_key)
            and (self.user_id is None or dead.user_id == self.user_id)
            and (self.reason is None or dead.reason == self.reason)
        )


def _owner_index(dead: DeadDelivery) -> str:
    return keys.user_dead_letter(dead.user_id) if dead.user_id else keys.DEAD_LETTER_UNOWNED


def _parse(raw: dict[str, str]) -> DeadDelivery | None:
    try:
        record = json.loads(raw["record"])
        return DeadDelivery.model_validate({**record, "redriven_at": raw.get("redriven_at") or None})
    except (KeyError, TypeError, ValueError):
        return None


class DeadLetters:
    """The dead letters in Redis (written by ``Outbox.bury``), for the API."""

    def __init__(self, redis: Redis, ttl_s: int, item_ttl_s: int) -> None:
        self._redis = redis
        self._ttl_ms = ttl_s * 1000
        self._item_ttl_s = item_ttl_s
        self._redrive = redis.register_script(_REDRIVE)

    async def _page(
        self, index: str, start: int, count: int, now: datetime
    ) -> tuple[list[DeadDelivery], int, int]:
        """Newest first: (dead letters, ids examined, ids dropped because their records expired)."""
        await self._redis.zremrangebyscore(index, "-inf", f"({int(now.timestamp() * 1000) - self._ttl_ms}")
        ids = [str(i) for i in await self._redis.zrevrange(index, start, start + count - 1)]
        async with self._redis.pipeline(transaction=False) as pipe:
            for dead_id in ids:
                pipe.hgetall(keys.dead_entry(dead_id))
            raws = await pipe.execute()
        found: list[DeadDelivery] = []
        gone: list[str] = []
        for dead_id, raw in zip(ids, raws, strict=True):
            dead = _parse(raw) if raw else None
            if dead is None:
                gone.append(dead_id)
            elif dead.redriven_at is None:
                found.append(dead)
        if gone:
            await self._redis.zrem(index, *gone)
        return found, len(ids), len(gone)

    async def list_for(self, user_id: str, limit: int, now: datetime) -> tuple[list[DeadDelivery], int]:
        """The user's dead letters, newest first, and how many they have."""
        index = keys.user_dead_letter(user_id)
        found, _, _ = await self._page(index, 0, limit, now)
        return found, int(await self._redis.zcard(index))

    async def list_all(
        self, which: DeadLetterFilter, limit: int, now: datetime
    ) -> tuple[list[DeadDelivery], int]:
        """Every owner's dead letters matching ``which``, newest first (examining at most
        ``SCAN_LIMIT``), and how many are kept in all."""
        found: list[DeadDelivery] = []
        start = examined = 0
        while examined < SCAN_LIMIT and len(found) < limit:
            page, seen, dropped = await self._page(keys.DEAD_LETTER, start, _PAGE, now)
            found += [dead for dead in page if which.matches(dead)]
            examined += seen
            if seen < _PAGE:
                break
            start += seen - dropped
        return found[:limit], int(await self._redis.zcard(keys.DEAD_LETTER))

    async def get(self, dead_id: str, user_id: str | None = None) -> DeadDelivery | None:
        """One dead letter (redriven or not); None when missing or, given ``user_id``, another's."""
        raw = cast(dict[str, str], await self._redis.hgetall(keys.dead_entry(dead_id)))
        dead = _parse(raw) if raw else None
        if dead is None or (user_id is not None and dead.user_id != user_id):
            return None
        return dead

    async def redrive(
        self, dead_id: str, now: datetime, user_id: str | None = None
    ) -> tuple[RedriveOutcome, DeadDelivery | None]:
        """Put one dead delivery back in the outbox (see the module doc); ``user_id`` scopes it to an
        owner (another's answers ``missing``). Returns the outcome and the dead letter as it is now."""
        dead = await self.get(dead_id, user_id)
        if dead is None:
            return "missing", None
        if dead.redriven_at is not None:
            return "already_redriven", dead
        raw_item = await self._redis.hget(keys.dead_entry(dead_id), "item")
        try:
            item = OutboxItem.model_validate_json(raw_item or "")
        except ValidationError:
            return "not_redrivable", dead
        channel = item.target()
        state = DeliveryState(
            channel_id=item.channel_id,
            type=channel.type,
            url=destination(channel),
            last_error=dead.last_error,
            next_attempt_at=now,
            updated_at=now,
            digest_id=item.digest_id,
        )
        subject_key, state_key = subject_keys(dead_id, item)
        outcome: str = await self._redrive(
            keys=[
                keys.dead_entry(dead_id),
                keys.DEAD_LETTER,
                _owner_index(dead),
                keys.OUTBOX,
                keys.outbox_item(dead_id),
                state_key,
                subject_key,
            ],
            args=[
                dead_id,
                int(now.timestamp() * 1000),
                now.isoformat(),
                raw_item or "",
                item.channel_id,
                state.model_dump_json(),
                self._item_ttl_s,
            ],
        )
        return outcome, await self.get(dead_id)  # type: ignore[return-value]

    async def redrive_matching(
        self, which: DeadLetterFilter, limit: int, now: datetime
    ) -> dict[RedriveOutcome, list[DeadDelivery]]:
        """Redrive every dead letter matching ``which`` (at most ``limit``), grouped by outcome."""
        found, _ = await self.list_all(which, limit, now)
        outcomes: dict[RedriveOutcome, list[DeadDelivery]] = {}
        for dead in found:
            outcome, _ = await self.redrive(dead.id, now)
            outcomes.setdefault(outcome, []).append(dead)
        return outcomes


# -- what the API answers ------------------------------------------------------------------------------


class DeadList(BaseModel):
    dead: list[DeadDelivery] = Field(description="Newest first; redriven ones are no longer listed.")
    total: int = Field(description="Dead letters kept (for the caller, or all for an admin).")


class AdminRedrive(DeadLetterFilter):
    """An admin redrive: the dead letters matching the filter, newest first, at most ``limit``."""

    limit: int = Field(default=1000, ge=1, le=SCAN_LIMIT, description="Most dead letters to redrive.")


class RedriveReport(BaseModel):
    matched: int = Field(description="Dead letters that matched the filter (at most `limit`).")
    redriven: list[str] = Field(default_factory=list, description="Put back in the outbox now.")
    already_redriven: list[str] = Field(default_factory=list, description="Redriven before: untouched.")
    expired: list[str] = Field(default_factory=list, description="What they deliver has expired.")
    not_redrivable: list[str] = Field(default_factory=list, description="Their stored entry did not parse.")
