"""Stories: one alert per (watchlist, story), and whether a copy of the story notifies (pure).

A wire report is republished by dozens of outlets within minutes; enrich gives every copy the same
``story_id``. The alert id is derived from (watchlist, story), so the first matching copy makes the
alert and every later copy updates it: the sources (a union, in order of appearance), the number of
copies, the newest copy's article fields (title, url, …, by published time, so the outcome does not
depend on the order replicas process copies in) and the peak score.

Whether a copy notifies (a message on the channels) follows the watchlist:

- nothing is sent until ``min_sources`` distinct sources carry the story: before that the alert is
  stored and ``pending``; the copy that reaches it notifies (reason ``corroborated``, or ``first``
  when ``min_sources`` is 1);
- after the first notification, ``notify: first`` (the default) sends nothing more; ``every`` sends
  each new copy; ``escalation`` sends again when the story's peak score rose by at least
  ``notify_escalation_points`` over the score of the last notification;
- a digest watchlist joins its digest once; later copies only update the alert, which the digest
  reads when it is sent.

A copy already counted (a redelivery of the same article) is recognised by the caller before this
is asked, and changes nothing. The store applies the decision only if the alert is still what it
was read as (compare-and-set in one script), and asks again otherwise, so two replicas handling two
copies at once never both notify.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newswatch_alert.delivery.models import notification_id
from newswatch_alert.watchlists.models import NotifyMode, Watchlist
from newswatch_shared.schemas import AlertEvent, NotifyReason

__all__ = ["Decision", "NotifyOptions", "decide", "notification_id"]

#: What the newest copy of a story decides about the alert: the article it shows and why it matched.
_ARTICLE_FIELDS = (
    "article_id",
    "title",
    "url",
    "source",
    "published_at",
    "matched_entities",
    "matched_keywords",
    "reasons",
    "sentences",
    "explanation",
)


@dataclass(frozen=True)
class NotifyOptions:
    """A watchlist's notification rules (its ``notify``, ``notify_escalation_points``, ``min_sources``,
    and whether it collects a digest)."""

    notify: NotifyMode = "first"
    escalation_points: float = 15.0
    min_sources: int = 1
    digest: bool = False

    @classmethod
    def of(cls, watchlist: Watchlist, *, digest: bool) -> NotifyOptions:
        return cls(watchlist.notify, watchlist.notify_escalation_points, watchlist.min_sources, digest)


@dataclass(frozen=True)
class Decision:
    """The alert to store after a copy, and whether this copy notifies (``alert.notification`` is then
    the new notification's number)."""

    alert: AlertEvent
    notify: bool
    created: bool

    @property
    def notification_id(self) -> str:
        return notification_id(self.alert.id, self.alert.notification)


def _union(first: list[str], then: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *then]))


def _merged(stored: AlertEvent, copy: AlertEvent) -> AlertEvent:
    """The stored alert with one more copy: union of sources, newest copy's article, peak score."""
    known = stored.sources or ([stored.source] if stored.source else [])
    update: dict[str, Any] = {
        "watchlist_name": copy.watchlist_name,
        "sources": _union(known, copy.sources),
        "copies": stored.copies + 1,
        "score": max(stored.score, copy.score),
        "updated_at": copy.created_at,
    }
    if copy.published_at >= stored.published_at:
        update.update({name: getattr(copy, name) for name in _ARTICLE_FIELDS})
    return stored.model_copy(update=update)


def _reason(stored: AlertEvent | None, alert: AlertEvent, options: NotifyOptions) -> NotifyReason | None:
    """Why this copy notifies, or None when it does not."""
    made = stored.notification if stored is not None else 0
    if made == 0:
        if max(1, len(alert.sources)) < options.min_sources:  # a copy is one source, named or not
            return None
        return "corroborated" if options.min_sources > 1 else "first"
    if options.digest or options.notify == "first":
        return None
    if options.notify == "every":
        return "every"
    assert stored is not None
    baseline = stored.notified_score if stored.notified_score is not None else stored.score
    return "escalation" if alert.score - baseline >= options.escalation_points else None


def decide(stored: AlertEvent | None, copy: AlertEvent, options: NotifyOptions) -> Decision:
    """The alert after ``copy`` (an alert built from one new copy alone) given what is ``stored``."""
    if stored is None:
        fresh = {"copies": 1, "notification": 0, "reason": None, "notified_score": None, "updated_at": None}
        alert = copy.model_copy(update=fresh)
    else:
        alert = _merged(stored, copy)
    reason = _reason(stored, alert, options)
    if reason is None:
        return Decision(alert.model_copy(update={"pending": alert.notification == 0}), False, stored is None)
    notified = alert.model_copy(
        update={
            "notification": alert.notification + 1,
            "reason": reason,
            "pending": False,
            "notified_score": alert.score,
        }
    )
    return Decision(notified, True, stored is None)
