"""What a story's notifications look like on each channel: its sources, and a key per notification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newswatch_alert.delivery import email, slack, webhook
from newswatch_shared.schemas import AlertEvent

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def story_alert(notification: int, **over: object) -> AlertEvent:
    return AlertEvent.model_validate(
        {
            "id": "a1b2c3",
            "user_id": "u1",
            "watchlist_id": "w1",
            "watchlist_name": "Border",
            "article_id": "copy-3",
            "title": "Convoy sighted near the border",
            "url": "https://news.example/copy-3",
            "source": "Outlet C",
            "published_at": T0,
            "score": 56.0,
            "created_at": T0,
            "updated_at": T0 + timedelta(minutes=5) if notification > 1 else None,
            "story_id": "story-1",
            "sources": ["Outlet A", "Outlet B", "Outlet C"],
            "copies": 3,
            "notification": notification,
            "reason": "first" if notification == 1 else "escalation",
            **over,
        }
    )


def test_webhook_keys_each_notification_apart_and_names_the_alert() -> None:
    body = b"{}"
    first = webhook.headers("s" * 16, body, "a1b2c3", digest=False, timestamp=1, alert=story_alert(1))
    second = webhook.headers("s" * 16, body, "a1b2c3-2", digest=False, timestamp=1, alert=story_alert(2))
    assert (first["Idempotency-Key"], first["X-Newswatch-Alert-Id"], first["X-Newswatch-Notification"]) == (
        "a1b2c3",
        "a1b2c3",
        "1",
    )
    assert (
        second["Idempotency-Key"],
        second["X-Newswatch-Alert-Id"],
        second["X-Newswatch-Notification"],
    ) == (
        "a1b2c3-2",
        "a1b2c3",
        "2",
    )


def test_each_notification_is_its_own_mail_showing_the_story() -> None:
    first = email.alert_message(story_alert(1), "alerts@news.example", "desk@example.org", "https://u")
    second = email.alert_message(story_alert(2), "alerts@news.example", "desk@example.org", "https://u")
    assert first["Message-ID"] == "<alert.a1b2c3@news.example>"  # as before stories
    assert second["Message-ID"] == "<alert.a1b2c3-2@news.example>"  # not dropped as a repeat
    assert second["Date"] != first["Date"]
    text = second.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Story: 3 sources (Outlet A, Outlet B, Outlet C), 3 copies; notification 2 (escalation)" in text


def test_slack_lists_the_sources_and_a_later_notification_says_why() -> None:
    blocks = slack.alert_message(story_alert(2))["blocks"]
    story = [
        b["text"]["text"]
        for b in blocks
        if b["type"] == "section" and "Story" in b.get("text", {}).get("text", "")
    ]
    assert story == [
        "*Story* · 3 sources: Outlet A, Outlet B, Outlet C · 3 copies · notification 2 (escalation)"
    ]
    lone = story_alert(1, sources=["Outlet A"], copies=1)
    assert not any("Story" in str(b) for b in slack.alert_message(lone)["blocks"])
