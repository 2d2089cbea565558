"""Per-user and per-destination delivery rate limits: excess deliveries wait, they are never dropped.

The algorithm is GCRA (the generic cell rate algorithm, as in redis-cell and the ``throttled``
library): a limit of N per minute is an emission interval T = 60 s / N with a tolerance of (N - 1)·T,
which allows a burst of N and then one every T. Each bucket is one Redis string, its "theoretical
arrival time" (TAT, epoch ms).

A delivery checks two buckets at once (its user's and its destination's) and *reserves* a slot:
one Lua script finds the earliest moment both allow, books it in both, and returns it. A slot in
the future makes the worker reschedule the entry to that moment and send it then without asking
again, so a burst of 500 alerts to a Slack channel leaves at the channel's pace, in order, with one
script call each. (The ``limits`` library checks one limit at a time, so "consume in both only when
both allow" would not be atomic there; this needs one script of a dozen lines.)

Slots are booked when asked for, so a delivery that then fails still used its slot: retries count
against the limit like first attempts, which is what a receiver's own limit does too.

Waiting has a limit (``NEWSWATCH_ALERT_RATE_MAX_WAIT_S``): when the earliest slot is further away,
nothing is booked (a delivery that will never go must not push back the ones behind it) and the
worker gives the delivery up as a dead letter. E-mail confirmation requests book their user's bucket
and one of the address (``confirm_key``: one mail per ``NEWSWATCH_ALERT_EMAIL_CONFIRM_INTERVAL_S`` to
an address, from all users together) instead of a destination's.

``reserve`` below is the pure model of the script (unit-tested; an integration test checks the
script gives the same answers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from newswatch_alert.common import keys

__all__ = ["Rate", "RateLimiter", "reserve"]

_MINUTE_MS = 60_000

# KEYS: buckets; ARGV: now (ms), latest slot to book (ms; '' = any), then per bucket: interval (ms),
# tolerance (ms). Books the earliest slot every bucket allows and returns it (epoch ms; <= now means
# "go"); a slot after the latest is returned unbooked.
_RESERVE = """
local now = tonumber(ARGV[1])
local slot = now
local tats = {}
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then
    tat = now
  end
  tats[i] = tat
  local ready = tat - tonumber(ARGV[2 * i + 2])
  if ready > slot then
    slot = ready
  end
end
if ARGV[2] ~= '' and slot > tonumber(ARGV[2]) then
  return slot
end
for i, key in ipairs(KEYS) do
  local tat = tats[i]
  if slot > tat then
    tat = slot
  end
  local booked = tat + tonumber(ARGV[2 * i + 1])
  redis.call('SET', key, string.format('%d', booked), 'PX', string.format('%d', booked - now + 1000))
end
return slot
"""


@dataclass(frozen=True)
class Rate:
    """At most ``count`` in any ``period_ms`` (a minute unless said), all at once if they come together."""

    count: int
    period_ms: int = _MINUTE_MS

    @property
    def interval_ms(self) -> int:
        return math.ceil(self.period_ms / self.count)

    @property
    def tolerance_ms(self) -> int:
        return (self.count - 1) * self.interval_ms


def reserve(
    tats: Sequence[int | None], rates: Sequence[Rate], now_ms: int, latest_ms: int | None = None
) -> tuple[int, list[int | None]]:
    """The pure GCRA reservation the script performs: (slot, TATs after) for buckets at ``tats``. A
    slot after ``latest_ms`` books nothing (the TATs stay as they were)."""
    current = [max(tat or 0, now_ms) for tat in tats]
    slot = max([now_ms, *(tat - rate.tolerance_ms for tat, rate in zip(current, rates, strict=True))])
    if latest_ms is not None and slot > latest_ms:
        return slot, list(tats)
    return slot, [max(tat, slot) + rate.interval_ms for tat, rate in zip(current, rates, strict=True)]


class RateLimiter:
    """The limits of the settings; a limit of 0 is no limit, and so is a ``max_wait_ms`` of None."""

    def __init__(
        self,
        redis: Redis,
        *,
        per_user_per_minute: int,
        per_destination_per_minute: int,
        max_wait_ms: int | None = None,
        confirm_interval_ms: int = 86_400_000,
    ) -> None:
        self._user = Rate(per_user_per_minute) if per_user_per_minute > 0 else None
        self._destination = Rate(per_destination_per_minute) if per_destination_per_minute > 0 else None
        self._confirm = Rate(1, confirm_interval_ms)
        self._max_wait_ms = max_wait_ms
        self._reserve = redis.register_script(_RESERVE)

    async def reserve(
        self, user_id: str, destination_key: str, now_ms: int, *, confirm_key: str | None = None
    ) -> int:
        """Book a slot for one delivery; returns when it may be sent (<= ``now_ms``: at once). A slot
        more than the maximum wait away is returned but not booked: the caller gives the delivery up.
        ``confirm_key`` (an address's key) books a confirmation mail in place of the destination."""
        buckets: list[tuple[str, Rate]] = []
        if self._user is not None:
            buckets.append((keys.rate_user(user_id), self._user))
        if confirm_key is not None:
            buckets.append((keys.rate_confirm(confirm_key), self._confirm))
        elif self._destination is not None:
            buckets.append((keys.rate_destination(destination_key), self._destination))
        if not buckets:
            return now_ms
        latest = "" if self._max_wait_ms is None else now_ms + self._max_wait_ms
        args: list[int | str] = [now_ms, latest]
        for _, rate in buckets:
            args += [rate.interval_ms, rate.tolerance_ms]
        slot: int = await self._reserve(keys=[key for key, _ in buckets], args=args)
        return int(slot)

    def too_far(self, slot_ms: int, now_ms: int) -> bool:
        """The slot is beyond the maximum wait: the delivery is to be given up."""
        return self._max_wait_ms is not None and slot_ms - now_ms > self._max_wait_ms
