"""How often to poll a healthy feed: about twice per item it publishes, within a floor and a cap.

A fixed interval is wrong both ways: a wire feed with an item every minute waits up to the whole
interval for each story, and a blog with a post a week is asked hundreds of times for nothing. So
each successful poll records when it ran and how many new articles it brought (:func:`add_poll`,
the last :data:`HISTORY_POLLS` polls), and the next interval is

    clamp(FACTOR × span / items, floor, cap)

where ``span`` is the time from the oldest to the newest poll in the history and ``items`` the new
articles the polls after the oldest found: the items that appeared within the span, so
``span / items`` is the mean gap between new items whatever the polls' spacing. The oldest poll's
own items are left out because they appeared before the span began (the first poll of a feed brings
its whole backlog, which says nothing about its rhythm). With no new item in the span, or fewer than
two polls known, the answer is the cap.

The cap is the feed's configured interval (its own ``interval_s``, else the service default):
adaptive polling only ever polls a feed *more* often than configured, never less. The floor
(``NEWSWATCH_INGEST_MIN_POLL_INTERVAL_S``) keeps a busy feed from being hammered; it never exceeds
the cap. Pure: the caller stores the history and adds jitter.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["FACTOR", "HISTORY_POLLS", "HISTORY_WINDOW_S", "Poll", "adaptive_interval", "add_poll"]

#: Poll about twice per expected item: the mean wait for a new item is then a quarter of its gap.
FACTOR = 0.5
#: Polls remembered; enough to smooth a burst, few enough to follow a change of rhythm within hours.
HISTORY_POLLS = 20
#: Polls older than this are forgotten whatever their number: a week-old rhythm is no guide.
HISTORY_WINDOW_S = 7 * 86_400.0

#: (epoch seconds of the poll, new articles it published).
Poll = tuple[float, int]


def add_poll(history: Sequence[Poll], at_s: float, new: int) -> list[Poll]:
    """The history with this poll appended, oldest first, trimmed to the count and time window."""
    polls = sorted([*history, (at_s, max(new, 0))])
    kept = [p for p in polls if at_s - p[0] <= HISTORY_WINDOW_S]
    return kept[-HISTORY_POLLS:]


def adaptive_interval(history: Sequence[Poll], cap_s: float, floor_s: float, factor: float = FACTOR) -> float:
    """Seconds to wait before the next poll of a healthy feed (before jitter)."""
    floor = min(floor_s, cap_s)
    if len(history) < 2:
        return cap_s
    polls = sorted(history)
    span = polls[-1][0] - polls[0][0]
    items = sum(n for _, n in polls[1:])
    if items <= 0 or span <= 0:
        return cap_s
    return min(cap_s, max(floor, factor * span / items))
