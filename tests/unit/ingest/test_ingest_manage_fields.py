"""The rules for fields people set on feeds, the new settings, and the API's request models."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from newswatch_ingest.api import AddFeed, UpdateFeed
from newswatch_ingest.app import poller_config
from newswatch_ingest.feedfields import check_interval, clean_tags
from newswatch_ingest.settings import IngestSettings

TOKEN = "a-long-enough-admin-token"


@pytest.mark.parametrize("value", [30, 300.5, 604_800])
def test_intervals_in_range_are_kept(value: float) -> None:
    assert check_interval(value) == value


@pytest.mark.parametrize("value", [0, 29.9, 604_801, float("nan"), float("inf")])
def test_intervals_out_of_range_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match="between 30 and 604800 seconds"):
        check_interval(value)


def test_tags_are_tidied() -> None:
    assert clean_tags(["  border ", "border", "", "  ", "Sea  lanes", "sea lanes"]) == (
        "border",
        "Sea lanes",
        "sea lanes",
    )


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (["a,b"], "may not contain a comma"),
        (["x" * 51], "at most 50 characters"),
        ([f"t{i}" for i in range(21)], "at most 20 tags, not 21"),
    ],
)
def test_bad_tags_are_refused(tags: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        clean_tags(tags)


def test_add_feed_model_validates_interval_and_tags() -> None:
    body = AddFeed(url="https://a.example/rss", interval_s=60, tags=[" x ", "x", "y"])
    assert (body.interval_s, body.tags, body.enabled) == (60, ["x", "y"], None)
    for bad in ({"interval_s": 10}, {"tags": ["a,b"]}, {"colour": "red"}):
        with pytest.raises(ValidationError):
            AddFeed.model_validate({"url": "https://a.example/rss", **bad})


def test_update_model_tells_a_reset_from_no_change() -> None:
    assert UpdateFeed.model_validate({}).model_fields_set == set()
    reset = UpdateFeed.model_validate({"interval_s": None, "title": None})
    assert reset.model_fields_set == {"interval_s", "title"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("NEWSWATCH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSWATCH_ADMIN_TOKEN", TOKEN)
    return monkeypatch


def test_new_settings_defaults_reach_the_poller(env: pytest.MonkeyPatch) -> None:
    settings = IngestSettings()
    assert settings.ingest_max_per_host == 2
    assert settings.ingest_disable_after_failures == 10
    assert settings.ingest_max_age_cap_s == 86_400
    cfg = poller_config(settings)
    assert (cfg.max_per_host, cfg.disable_after_failures, cfg.max_age_cap_s) == (2, 10, 86_400)


def test_new_settings_from_the_environment(env: pytest.MonkeyPatch) -> None:
    env.setenv("NEWSWATCH_INGEST_MAX_PER_HOST", "4")
    env.setenv("NEWSWATCH_INGEST_DISABLE_AFTER_FAILURES", "0")
    env.setenv("NEWSWATCH_INGEST_MAX_AGE_CAP_S", "600")
    cfg = poller_config(IngestSettings())
    assert (cfg.max_per_host, cfg.disable_after_failures, cfg.max_age_cap_s) == (4, 0, 600)
    env.setenv("NEWSWATCH_INGEST_MAX_PER_HOST", "0")
    with pytest.raises(ValidationError):
        IngestSettings()
