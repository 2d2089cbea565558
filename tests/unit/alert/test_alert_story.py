"""The story decision (``alerts.story``): what a copy does to its alert, and whether it notifies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newswatch_alert.alerts.story import NotifyOptions, decide
from newswatch_alert.delivery.models import notification_id
from newswatch_alert.watchlists.match import build_alert, match
from newswatch_alert.watchlists.models import Watchlist
from newswatch_shared.schemas import AlertEvent, EnrichedArticle
from tests.unit.alert.samples import NOW, enriched

SOURCES = ["Wire A", "Wire B", "Wire C", "Wire D", "Wire E"]


def watchlist(**over: object) -> Watchlist:
    return Watchlist.model_validate(
        {
            "id": "wl-1",
            "user_id": "u-1",
            "name": "Border",
            "entities": ["Ukraine"],
            "keywords": [],
            "channels": [],
            "created_at": NOW,
            **over,
        }
    )


def copy_of(n: int, *, score: float = 40.0, story: str = "story-1") -> EnrichedArticle:
    """The n-th copy (1-based) of one story, from its n-th source, as enrich groups it."""
    base = enriched(article_id=f"copy-{n}", feed_title=SOURCES[n - 1])
    raw = base.article.model_copy(update={"published_at": NOW + timedelta(minutes=n)})
    return base.model_copy(
        update={
            "article": raw,
            "score": score,
            "story_id": story,
            "story_sources": SOURCES[:n],
            "is_first": n == 1,
        }
    )


def alert_for(article: EnrichedArticle, wl: Watchlist | None = None) -> AlertEvent:
    wl = wl or watchlist()
    found = match(wl, article)
    assert found is not None
    return build_alert(wl, article, found, NOW + timedelta(minutes=1))


def run(options: NotifyOptions, copies: list[EnrichedArticle]) -> tuple[AlertEvent, list[int]]:
    """Feed the copies in order; returns the final alert and the copies (1-based) that notified."""
    stored: AlertEvent | None = None
    notified: list[int] = []
    for n, article in enumerate(copies, 1):
        decision = decide(stored, alert_for(article), options)
        if decision.notify:
            notified.append(n)
        stored = decision.alert
    assert stored is not None
    return stored, notified


def test_copies_of_one_story_name_one_alert_and_an_ungrouped_article_its_own() -> None:
    ids = {alert_for(copy_of(n)).id for n in range(1, 6)}
    assert len(ids) == 1
    lone = enriched(article_id="lone")
    assert lone.story == "lone"
    assert alert_for(lone).id not in ids
    assert alert_for(lone).sources == ["Example Wire"]


@pytest.mark.parametrize(
    ("options", "scores", "notified", "reasons"),
    [
        (NotifyOptions(), [40] * 5, [1], "first"),
        (NotifyOptions(notify="every"), [40] * 5, [1, 2, 3, 4, 5], "every"),
        (NotifyOptions(min_sources=3), [40] * 5, [3], "corroborated"),
        (NotifyOptions(min_sources=3, notify="every"), [40] * 5, [3, 4, 5], "every"),
        (NotifyOptions(min_sources=9), [40] * 5, [], None),
        # escalation: against the score of the last notification, not of the last copy
        (
            NotifyOptions(notify="escalation", escalation_points=15),
            [40, 50, 54, 56, 60],
            [1, 4],
            "escalation",
        ),
        (NotifyOptions(notify="escalation", escalation_points=15), [40, 54.9, 30, 20, 50], [1], "first"),
        (
            NotifyOptions(notify="escalation", escalation_points=10),
            [40, 50, 60, 70, 10],
            [1, 2, 3, 4],
            "escalation",
        ),
        # a digest joins its digest once; later copies only update
        (NotifyOptions(notify="every", digest=True), [40] * 5, [1], "first"),
    ],
)
def test_which_copies_notify(
    options: NotifyOptions, scores: list[float], notified: list[int], reasons: str | None
) -> None:
    copies = [copy_of(n, score=s) for n, s in enumerate(scores, 1)]
    alert, made = run(options, copies)
    assert made == notified
    assert alert.notification == len(notified)
    assert alert.reason == reasons
    assert alert.pending == (not notified)


def test_the_alert_shows_every_source_the_newest_copy_and_the_peak_score() -> None:
    alert, _ = run(NotifyOptions(), [copy_of(n, score=s) for n, s in enumerate([40, 70, 50, 45, 41], 1)])
    assert alert.sources == SOURCES
    assert alert.copies == 5
    assert alert.story_id == "story-1"
    assert (alert.article_id, alert.source) == ("copy-5", "Wire E")
    assert alert.score == 70
    assert alert.notified_score == 40  # what notification 1 carried
    assert alert.created_at == NOW + timedelta(minutes=1)


def test_a_copy_published_earlier_but_processed_later_keeps_the_newest_article() -> None:
    """Replicas process copies in any order: the outcome depends on published times, not arrival."""
    alert, _ = run(NotifyOptions(), [copy_of(3), copy_of(1), copy_of(2)])
    assert alert.article_id == "copy-3"
    assert set(alert.sources) == set(SOURCES[:3])


def test_pending_until_corroborated_then_numbered_and_keyed() -> None:
    options = NotifyOptions(min_sources=2, notify="every")
    first = decide(None, alert_for(copy_of(1)), options)
    assert (first.notify, first.created, first.alert.pending, first.alert.notification) == (
        False,
        True,
        True,
        0,
    )
    second = decide(first.alert, alert_for(copy_of(2)), options)
    assert (second.notify, second.created, second.alert.reason) == (True, False, "corroborated")
    assert second.notification_id == second.alert.id  # the first notification keeps the alert id as key
    third = decide(second.alert, alert_for(copy_of(3)), options)
    assert third.notification_id == f"{third.alert.id}-2"


def test_sources_enrich_counted_before_the_watchlist_matched_corroborate_at_once() -> None:
    """Copies 1-2 did not match this watchlist (say, another language); copy 3 brings three sources."""
    decision = decide(None, alert_for(copy_of(3)), NotifyOptions(min_sources=3))
    assert decision.notify and decision.alert.reason == "corroborated"


def test_an_alert_stored_before_stories_counts_as_notified_once() -> None:
    old = AlertEvent.model_validate_json(alert_for(copy_of(1)).model_dump_json(exclude={"notification"}))
    old = old.model_copy(update={"sources": []})
    decision = decide(old, alert_for(copy_of(2)), NotifyOptions())
    assert not decision.notify
    assert decision.alert.sources == ["Wire A", "Wire B"]  # the old alert's own source is kept


def test_watchlist_options_default_to_what_older_watchlists_meant() -> None:
    options = NotifyOptions.of(watchlist(), digest=False)
    assert options == NotifyOptions(notify="first", escalation_points=15.0, min_sources=1, digest=False)
    assert notification_id("a1", 0) == notification_id("a1", 1) == "a1"
    assert notification_id("a1", 3) == "a1-3"
