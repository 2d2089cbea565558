"""The pure parts of dead letters: what a dead letter says of its entry, and the admin's filter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswatch_alert.delivery.channels import AnyChannel, EmailChannel, SlackChannel, WebhookChannel
from newswatch_alert.delivery.deadletter import dead_record
from newswatch_alert.delivery.models import DeliveryState, OutboxItem
from newswatch_alert.delivery.redrive import DeadLetterFilter

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SLACK = "https://hooks.slack.com/services/T0/B0/secretpath"


def item(channel: AnyChannel, **over: str) -> OutboxItem:
    return OutboxItem(alert_id="a1", user_id="u1", channel_id=channel.id, channel=channel, **over)


def test_a_dead_letter_names_its_entry_without_the_credential() -> None:
    state = DeliveryState(channel_id="s", type="slack", url=SLACK, attempts=8, updated_at=NOW)
    dead = dead_record("a1:s", item(SlackChannel(id="s", url=SLACK)), state, "attempts", "HTTP 500", NOW)
    assert (dead.kind, dead.subject_id, dead.user_id, dead.channel_type, dead.attempts) == (
        "alert",
        "a1",
        "u1",
        "slack",
        8,
    )
    assert dead.destination.startswith("https://hooks.slack.com/…#")
    assert "secretpath" not in dead.model_dump_json()
    assert dead.host == "hooks.slack.com" and dead.destination_key


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        (item(EmailChannel(id="m", to=["a@x.org"]), digest_id="d1"), "digest"),
        (item(EmailChannel(id="confirm", to=["a@x.org"]), consent_id="c1"), "confirmation"),
        (None, "unknown"),
    ],
)
def test_kinds_and_an_entry_that_did_not_parse(entry: OutboxItem | None, kind: str) -> None:
    dead = dead_record("s1:m", entry, None, "unparsable", "stored outbox item does not parse", NOW)
    assert dead.kind == kind
    if entry is None:  # the member still names the subject and channel; the owner is unknown
        assert (dead.subject_id, dead.channel_id, dead.user_id, dead.destination) == ("s1", "m", None, "")


def test_the_admin_filter() -> None:
    hook = WebhookChannel(id="h", url="http://[::1]:8080/in?token=x", secret="s" * 16)
    mail = EmailChannel(id="m", to=["desk@Example.org", "duty@other.org"])
    by_hook = dead_record("a1:h", item(hook), None, "rate_wait", "…", NOW)
    by_mail = dead_record("a1:m", item(mail), None, "attempts", "…", NOW)
    assert by_hook.host == "::1" and by_mail.host == "example.org,other.org"
    assert DeadLetterFilter(host="example.org").matches(by_mail)
    assert not DeadLetterFilter(host="example.org").matches(by_hook)
    assert DeadLetterFilter(channel="webhook", reason="rate_wait").matches(by_hook)
    assert not DeadLetterFilter(channel="webhook", reason="attempts").matches(by_hook)
    assert DeadLetterFilter(destination_key=by_mail.destination_key, user_id="u1").matches(by_mail)
    assert DeadLetterFilter().matches(by_hook) and DeadLetterFilter().matches(by_mail)
