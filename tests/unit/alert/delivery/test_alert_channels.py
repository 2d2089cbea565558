"""Channel models and the pure message formats (webhook headers, Slack blocks, e-mail)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from newswatch_alert.delivery import email, slack, webhook
from newswatch_alert.delivery.channels import (
    Channel,
    ChannelIn,
    EmailChannel,
    SlackChannel,
    WebhookChannel,
    destination,
    destination_key,
)
from newswatch_alert.delivery.digest import DigestEvent
from newswatch_alert.delivery.models import OutboxItem
from newswatch_alert.delivery.signing import verify
from newswatch_alert.watchlists.models import Watchlist
from newswatch_shared.schemas import AlertEvent

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
INPUT: TypeAdapter[Any] = TypeAdapter(ChannelIn)
STORED: TypeAdapter[Any] = TypeAdapter(Channel)


def alert(title: str = "Convoy sighted near the border", **over: Any) -> AlertEvent:
    return AlertEvent.model_validate(
        {
            "id": "a1b2c3",
            "user_id": "u1",
            "watchlist_id": "w1",
            "watchlist_name": "Eastern border",
            "article_id": "art-1",
            "title": title,
            "url": "https://news.example/convoy",
            "source": "Example Wire",
            "published_at": NOW - timedelta(minutes=5),
            "score": 41.25,
            "matched_entities": ["Ukraine"],
            "matched_keywords": ["troops"],
            "reasons": ['keyword "troops" matched escalation term troops'],
            "sentences": ["Troops were seen\non the road."],
            "created_at": NOW,
            **over,
        }
    )


def digest(n: int, total: int | None = None, mode: str = "hourly") -> DigestEvent:
    end = NOW + (timedelta(hours=1) if mode == "hourly" else timedelta(days=1))
    return DigestEvent.model_validate(
        {
            "id": "d1",
            "user_id": "u1",
            "watchlist_id": "w1",
            "watchlist_name": "Eastern border",
            "mode": mode,
            "period_start": NOW,
            "period_end": end,
            "total": n if total is None else total,
            "alerts": [alert(f"Item {i}", id=f"a{i}").model_dump() for i in range(n)],
        }
    )


# -- models ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"type": "webhook", "url": "https://hooks.example/in"},
        {"type": "webhook", "url": "http://10.0.0.1:8080/x", "secret": "s" * 16},
        {"type": "slack", "url": "https://hooks.slack.com/services/T0/B0/x"},
        {"type": "email", "to": ["desk@example.org", "duty@news.example.co.uk"]},
    ],
)
def test_valid_channels(body: dict[str, Any]) -> None:
    assert INPUT.validate_python(body).type == body["type"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"type": "pager", "url": "https://x.example"}, "union_tag_invalid"),
        ({"type": "webhook", "url": "ftp://x.example/in"}, "http(s) URL"),
        ({"type": "webhook", "url": "https://x.example", "secret": "short"}, "at least 16"),
        ({"type": "slack", "url": "hooks.slack.com/services/x"}, "http(s) URL"),
        ({"type": "email", "to": []}, "at least 1"),
        ({"type": "email", "to": ["not-an-address"]}, "not an e-mail address"),
        ({"type": "email", "to": ["Desk <desk@example.org>"]}, "not an e-mail address"),
        ({"type": "email", "to": ["desk@example.org\r\nBcc: all@example.org"]}, "not an e-mail address"),
        ({"type": "email", "to": ["desk@localhost"]}, "not an e-mail address"),
        ({"type": "email", "to": [f"u{i}@example.org" for i in range(11)]}, "at most 10"),
    ],
)
def test_invalid_channels_say_why(body: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError) as raised:
        INPUT.validate_python(body)
    assert problem in str(raised.value)


def test_repeated_recipients_are_dropped() -> None:
    assert INPUT.validate_python({"type": "email", "to": ["a@x.org", "b@x.org", "a@x.org"]}).to == [
        "a@x.org",
        "b@x.org",
    ]


def test_a_watchlist_stored_before_channel_types_still_loads() -> None:
    stored = {
        "id": "w1",
        "user_id": "u1",
        "name": "old",
        "entities": ["Ukraine"],
        "keywords": [],
        "channels": [{"id": "c1", "type": "webhook", "url": "https://hooks.example/in", "secret": "s" * 32}],
        "created_at": NOW.isoformat(),
    }
    (channel,) = Watchlist.model_validate(stored).channels
    assert isinstance(channel, WebhookChannel) and channel.secret == "s" * 32
    old_item = OutboxItem.model_validate_json(
        '{"alert_id": "a1", "user_id": "u1", "channel_id": "c1", "url": "https://h.example", "secret": "k"}'
    )
    assert old_item.target() == WebhookChannel(id="c1", url="https://h.example", secret="k")
    assert old_item.subject_id == "a1"


def test_stored_channels_round_trip_by_type() -> None:
    channels = [
        WebhookChannel(id="a", url="https://h.example", secret="k" * 16),
        SlackChannel(id="b", url="https://hooks.slack.com/services/x"),
        EmailChannel(id="c", to=["desk@example.org"]),
    ]
    for channel in channels:
        assert STORED.validate_json(channel.model_dump_json()) == channel


def test_destinations_and_their_rate_limit_keys() -> None:
    one = SlackChannel(id="a", url="https://hooks.slack.com/services/x")
    same_url = SlackChannel(id="b", url="https://hooks.slack.com/services/x")
    mail = EmailChannel(id="c", to=["desk@example.org", "duty@example.org"])
    assert destination(mail) == "mailto:desk@example.org,duty@example.org"
    assert destination_key(one) == destination_key(same_url)  # one Slack URL, one budget
    assert destination_key(one) != destination_key(WebhookChannel(id="d", url=one.url, secret="k" * 16))


# -- webhook -----------------------------------------------------------------------------------------


def test_webhook_headers_sign_the_body_and_name_the_subject() -> None:
    body = alert().model_dump_json().encode()
    secret = "a-long-secret-for-tests"
    headers = webhook.headers(secret, body, "a1b2c3", digest=False, timestamp=1_795_780_800)
    assert headers["X-Newswatch-Timestamp"] == "1795780800"
    assert verify(secret, body, headers, now=1_795_780_800)
    assert headers["Idempotency-Key"] == headers["X-Newswatch-Alert-Id"] == "a1b2c3"
    assert headers["X-Newswatch-Event"] == "alert" and headers["Content-Type"] == "application/json"
    as_digest = webhook.headers("k" * 16, b"{}", "d1", digest=True, timestamp=0)
    assert as_digest["X-Newswatch-Digest-Id"] == as_digest["Idempotency-Key"] == "d1"
    assert "X-Newswatch-Alert-Id" not in as_digest


def test_a_digest_body_is_its_event() -> None:
    body = webhook.digest_body(digest(2))
    assert DigestEvent.model_validate_json(body) == digest(2)
    assert b'"type":"digest"' in body


# -- slack -------------------------------------------------------------------------------------------


def test_slack_text_is_escaped_and_cut_to_the_limits() -> None:
    message = slack.alert_message(alert("A & B <@U1> " + "x" * 400, source="<!here>"))
    header = message["blocks"][0]["text"]["text"]
    assert len(header) == 150 and header.endswith("…")
    assert message["text"].startswith("Eastern border: A &amp; B &lt;@U1&gt;")
    facts = message["blocks"][1]["text"]["text"]
    assert "&lt;!here&gt;" in facts and "<!here>" not in facts
    assert "<https://news.example/convoy|A &amp; B &lt;@U1&gt;" in facts


def test_slack_links_cannot_be_broken_by_the_url() -> None:
    message = slack.alert_message(alert(url="https://news.example/a|b>c"))
    assert "<https://news.example/a%7Cb%3Ec|" in message["blocks"][1]["text"]["text"]


@pytest.mark.parametrize(("n", "total", "sections", "more"), [(1, 1, 1, None), (45, 60, 40, 20)])
def test_slack_digest_lists_what_fits(n: int, total: int, sections: int, more: int | None) -> None:
    message = slack.digest_message(digest(n, total))
    assert sum(1 for b in message["blocks"] if b["type"] == "section") == sections
    footer = message["blocks"][-1]["elements"][0]["text"]
    assert footer.startswith(f"and {more} more") if more else footer.startswith("newswatch hourly digest")
    noun = "alert" if total == 1 else "alerts"
    assert message["text"] == f"Eastern border: {total} {noun}, 2026-11-20 12:00–13:00 UTC"


# -- e-mail ------------------------------------------------------------------------------------------


UNSUBSCRIBE = "https://newswatch.example.org/email/unsubscribe?token=t0ken"


def test_an_alert_mail_is_multipart_with_a_derived_message_id() -> None:
    sender = "nw <alerts@mail.example.org>"
    message = email.alert_message(alert("Line one\nline two"), sender, "a@x.org", UNSUBSCRIBE)
    assert message["Message-ID"] == "<alert.a1b2c3@mail.example.org>"
    assert message["Subject"] == "[newswatch] Eastern border: Line one line two"  # one line, always
    assert message["Auto-Submitted"] == "auto-generated" and message["To"] == "a@x.org"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    again = email.alert_message(alert("Line one\nline two"), sender, "a@x.org", UNSUBSCRIBE)
    for header in ("Message-ID", "Date", "Subject", "From", "To", "X-Newswatch-Alert-Id", "List-Unsubscribe"):
        assert again[header] == message[header]  # a repeat is the same message (MIME boundaries aside)
    assert [p.get_content() for p in again.iter_parts()] == [p.get_content() for p in message.iter_parts()]


def test_every_alert_mail_can_be_unsubscribed_in_one_click() -> None:
    """RFC 8058: the header names the HTTPS URL, and the Post header says one POST does it."""
    for message in (
        email.alert_message(alert("A"), "a@x.org", "b@x.org", UNSUBSCRIBE),
        email.digest_message(digest(3, 5, mode="daily"), "a@x.org", "b@x.org", UNSUBSCRIBE),
    ):
        assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        assert text is not None and f"Unsubscribe: {UNSUBSCRIBE}" in text.get_content()
        assert html is not None and UNSUBSCRIBE.replace("&", "&amp;") in html.get_content()


def test_a_confirmation_mail_holds_nothing_the_user_wrote() -> None:
    asked = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    confirm = "https://newswatch.example.org/email/confirm?token=t0ken"
    message = email.confirmation_message("c1", asked, "nw <a@x.org>", "b@x.org", confirm, UNSUBSCRIBE)
    again = email.confirmation_message("c1", asked, "nw <a@x.org>", "b@x.org", confirm, UNSUBSCRIBE)
    assert message["Message-ID"] == again["Message-ID"] == f"<confirm.c1.{int(asked.timestamp())}@x.org>"
    assert message["To"] == "b@x.org" and message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    text = message.get_body(("plain",))
    assert text is not None and confirm in text.get_content() and UNSUBSCRIBE in text.get_content()


def test_mail_html_is_escaped() -> None:
    message = email.alert_message(alert('<script>alert("x")</script>'), "a@x.org", "b@x.org", UNSUBSCRIBE)
    html = message.get_body(("html",))
    assert html is not None and "<script>" not in html.get_content()
    assert "&lt;script&gt;" in html.get_content()


def test_a_digest_mail_counts_and_lists() -> None:
    message = email.digest_message(digest(3, 5, mode="daily"), "alerts@x.org", "b@x.org", UNSUBSCRIBE)
    assert message["Subject"] == "[newswatch] Eastern border: 5 alerts, 2026-11-20 (UTC)"
    assert message["Message-ID"] == "<digest.d1@x.org>"
    text = message.get_body(("plain",))
    assert text is not None and "… and 2 more" in text.get_content()
