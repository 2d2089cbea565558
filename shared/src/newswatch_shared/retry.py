"""When to try again: exponential backoff with jitter, and what a server's ``Retry-After`` asks for.

Ingest uses both to reschedule a failing feed, alert to retry a failed delivery; the rules are the
same, only the numbers differ:

- the delay doubles per consecutive failure from ``initial_s`` up to ``cap_s``;
- jitter spreads it over ``[d·(1 - below), d·(1 + above)]``, so replicas that failed together do not
  retry together. Ingest spreads a feed's polls ±10 % around its interval; delivery uses "equal
  jitter", ``[d/2, d]``, which never retries a struggling receiver sooner than half the nominal delay
  (full jitter could retry almost at once);
- a server that says when to come back is never asked sooner: ``Retry-After`` is a floor applied
  after the jitter.

Pure: time and randomness are passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["MAX_RETRY_AFTER_S", "Backoff", "parse_retry_after"]

#: A Retry-After longer than a day is not honoured as is: a misconfigured server should not park a
#: feed or a delivery for months.
MAX_RETRY_AFTER_S = 86_400.0


@dataclass(frozen=True)
class Backoff:
    initial_s: float
    cap_s: float
    below: float = 0.5
    above: float = 0.0

    def __post_init__(self) -> None:
        if self.initial_s <= 0 or self.cap_s < self.initial_s:
            raise ValueError("need 0 < initial_s <= cap_s")
        if not (0 <= self.below < 1 and self.above >= 0):
            raise ValueError("jitter bounds: 0 <= below < 1, above >= 0")

    def nominal_s(self, doublings: int) -> float:
        """``initial_s`` doubled ``doublings`` times, at most ``cap_s`` (0 doublings: ``initial_s``)."""
        return min(self.cap_s, self.initial_s * 2.0 ** min(max(doublings, 0), 60))

    def delay_s(
        self, doublings: int, rng: random.Random | None = None, retry_after_s: float | None = None
    ) -> float:
        """The jittered delay, never shorter than ``retry_after_s`` when the server gave one."""
        nominal = self.nominal_s(doublings)
        delay = nominal * (1 + (rng or random).uniform(-self.below, self.above))
        if retry_after_s is not None and retry_after_s > 0:
            delay = max(delay, retry_after_s)
        return delay


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), at most a day;
    None when absent or unreadable. A date in the past asks for no wait (0)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER_S)
