"""Creating and PATCHing watchlists as pure functions: generic over fields, channels keep identity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from newswatch_alert.watchlists.edit import WatchlistPatch, new_watchlist, patched
from newswatch_alert.watchlists.models import Watchlist, WatchlistIn

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)

BODY: dict[str, Any] = {
    "name": "Eastern border",
    "entities": ["UA"],
    "keywords": ["troops"],
    "channels": [
        {"type": "webhook", "url": "https://hooks.example/a"},
        {"type": "webhook", "url": "https://hooks.example/b", "secret": "b-secret-chosen-by-user"},
    ],
}


def stored() -> Watchlist:
    return new_watchlist("u1", WatchlistIn.model_validate(BODY), NOW)


def test_create_copies_every_input_field() -> None:
    body = WatchlistIn.model_validate(BODY)
    watchlist = new_watchlist("u1", body, NOW)
    assert (watchlist.user_id, watchlist.created_at, watchlist.updated_at) == ("u1", NOW, None)
    for name in WatchlistIn.model_fields.keys() - {"channels"}:
        assert getattr(watchlist, name) == getattr(body, name), name
    a, b = watchlist.channels
    assert a.id != b.id and len(a.secret) >= 32 and b.secret == "b-secret-chosen-by-user"
    assert new_watchlist("u1", body, NOW).id != watchlist.id


def test_a_patch_changes_only_what_was_sent() -> None:
    current = stored()
    result = patched(current, {"name": "  Border  ", "keywords": ["invasion", "Invasion"]}, LATER)
    assert result is not None
    assert result.name == "Border" and result.keywords == ["invasion"]  # validated like a new watchlist
    assert result.updated_at == LATER
    unchanged = result.model_dump(exclude={"name", "keywords", "updated_at"})
    assert unchanged == current.model_dump(exclude={"name", "keywords", "updated_at"})


def test_a_patch_that_changes_nothing_is_none() -> None:
    current = stored()
    assert patched(current, {}, LATER) is None
    assert patched(current, {"name": current.name, "entities": ["UA"]}, LATER) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"entities": [], "keywords": []},
        {"name": None},
        {"name": " "},
        {"channels": [{"type": "webhook", "url": "ftp://x"}]},
    ],
)
def test_an_invalid_result_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        patched(stored(), changes, LATER)


def test_rules_over_several_fields_see_the_merged_result() -> None:
    only_keywords = patched(stored(), {"entities": []}, LATER)
    assert only_keywords is not None and only_keywords.keywords == ["troops"]
    with pytest.raises(ValidationError, match="at least one entity"):
        patched(only_keywords, {"keywords": []}, LATER)  # would leave nothing to match


def test_channels_sent_again_keep_their_id_and_secret() -> None:
    current = stored()
    a, b = current.channels
    result = patched(
        current,
        {
            "channels": [
                {"type": "webhook", "url": "https://hooks.example/b"},  # same target: kept
                {"type": "webhook", "url": "https://hooks.example/c"},  # new
                {"type": "webhook", "url": "https://hooks.example/a", "secret": "a-new-secret-from-user"},
            ]
        },
        LATER,
    )
    assert result is not None
    kept_b, new_c, kept_a = result.channels
    assert (kept_b.id, kept_b.secret) == (b.id, b.secret)
    assert new_c.id not in (a.id, b.id) and len(new_c.secret) >= 32
    assert (kept_a.id, kept_a.secret) == (a.id, "a-new-secret-from-user")

    # The same target twice gives two channels, not one id twice; dropping a channel removes it.
    twice = patched(current, {"channels": [{"type": "webhook", "url": "https://hooks.example/a"}] * 2}, LATER)
    assert twice is not None and len({c.id for c in twice.channels}) == 2
    none = patched(current, {"channels": []}, LATER)
    assert none is not None and none.channels == []


def test_the_patch_body_has_every_field_optional_and_refuses_others() -> None:
    assert set(WatchlistPatch.model_fields) == set(WatchlistIn.model_fields)
    assert WatchlistPatch.model_validate({}).model_dump(exclude_unset=True) == {}
    sent = WatchlistPatch.model_validate({"name": "x", "keywords": ["a"]}).model_dump(exclude_unset=True)
    assert sent == {"name": "x", "keywords": ["a"]}
    for forbidden in ({"id": "x"}, {"user_id": "u2"}, {"created_at": NOW.isoformat()}, {"nmae": "typo"}):
        with pytest.raises(ValidationError):
            WatchlistPatch.model_validate(forbidden)


def test_the_enabled_flag_is_patchable() -> None:
    current = stored()
    assert current.enabled is True
    off = patched(current, {"enabled": False}, LATER)
    assert off is not None and off.enabled is False
    on = patched(off, {"enabled": True}, LATER)
    assert on is not None and on.enabled is True


def test_every_channel_type_keeps_its_identity() -> None:
    channels = [
        {"type": "slack", "url": "https://hooks.slack.example/services/T0/B0/x"},
        {"type": "email", "to": ["desk@example.org"]},
    ]
    current = patched(stored(), {"channels": channels}, LATER)
    assert current is not None
    slack, email = current.channels
    again = patched(current, {"channels": [*channels, {"type": "email", "to": ["other@example.org"]}]}, LATER)
    assert again is not None
    assert [c.id for c in again.channels[:2]] == [slack.id, email.id]
    assert again.channels[2].id not in (slack.id, email.id)
    assert all(not hasattr(c, "secret") for c in again.channels)  # these types do not sign
