"""Request validation: what POST /watchlists refuses with 422, and how it cleans what it accepts."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from newswatch_alert.settings import AlertSettings
from newswatch_alert.watchlists.models import WatchlistIn

GOOD: dict[str, Any] = {
    "name": "Border",
    "entities": ["Ukraine"],
    "keywords": ["troops"],
    "channels": [{"type": "webhook", "url": "https://hooks.example/in"}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"entities": [], "keywords": []}, "at least one entity or keyword"),
        ({"name": "   "}, "name must not be blank"),
        ({"name": ""}, "at least 1 character"),
        ({"entities": ["  "]}, "letter or digit"),
        ({"keywords": ["--"]}, "letter or digit"),
        ({"channels": [{"type": "webhook", "url": "ftp://hooks.example/in"}]}, "http(s) URL"),
        ({"channels": [{"type": "webhook", "url": "not a url"}]}, "http(s) URL"),
        ({"channels": [{"type": "pager", "url": "https://hooks.example"}]}, "'webhook', 'slack', 'email'"),
        ({"channels": [{"type": "email", "url": "https://hooks.example"}]}, "channels.0.email.to"),
        ({"channels": [{"type": "webhook", "url": "https://h.example", "secret": "short"}]}, "at least 16"),
    ],
)
def test_invalid_watchlists_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        WatchlistIn.model_validate({**GOOD, **change})


def test_terms_are_tidied_and_repeats_dropped() -> None:
    body = WatchlistIn.model_validate({**GOOD, "keywords": [" troops ", "Troops", "armoured   vehicles"]})
    assert body.keywords == ["troops", "armoured vehicles"]
    assert body.channels[0].secret is None


def test_keywords_alone_or_entities_alone_are_enough() -> None:
    assert WatchlistIn.model_validate({"name": "k", "keywords": ["troops"]}).entities == []
    assert WatchlistIn.model_validate({"name": "e", "entities": ["UA"]}).channels == []


def test_settings_refuse_a_lease_shorter_than_a_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_ADMIN_TOKEN", "a-perfectly-fine-admin-token")
    assert AlertSettings().alert_port == 8000
    monkeypatch.setenv("NEWSWATCH_ALERT_WEBHOOK_TIMEOUT_S", "60")
    with pytest.raises(ValidationError, match="LEASE_S"):
        AlertSettings()
