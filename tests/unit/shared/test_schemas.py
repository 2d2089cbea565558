from datetime import UTC, datetime, timedelta, timezone

import pytest

from newswatch_shared.errors import SchemaError
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import EnrichedArticle, RawArticle, decode, encode
from newswatch_shared.settings import AdminSettings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def raw(**over: object) -> RawArticle:
    fields: dict[str, object] = {
        "id": "a1",
        "url": "https://news.example/a1",
        "title": "Troops gather near the border",
        "summary": "More troops arrived overnight.",
        "published_at": NOW,
        "feed_id": "f1",
        "fetched_at": NOW,
    }
    fields.update(over)
    return RawArticle.model_validate(fields)


def test_round_trip_keeps_every_field() -> None:
    article = raw(authors=["A. Writer"], language="en")
    enriched = EnrichedArticle(article=article, score=42.5, enriched_at=NOW)
    assert decode(EnrichedArticle, encode(enriched)) == enriched


def test_datetimes_are_normalised_to_utc() -> None:
    plus_two = datetime(2026, 11, 20, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert raw(published_at=plus_two).published_at == NOW
    assert raw(published_at=plus_two).published_at.tzinfo == UTC


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        raw(published_at=datetime(2026, 11, 20, 12, 0))


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (None, "tombstone"),
        (b"not json", "validation error"),
        (b'{"schema_version": 2, "id": "x"}', "validation error"),
        (b'{"schema_version": 1}', "validation error"),
    ],
)
def test_bad_payloads_raise_schema_error(payload: bytes | None, reason: str) -> None:
    with pytest.raises(SchemaError, match=reason):
        decode(RawArticle, payload)


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    data = encode(raw())[:-1] + b', "added_later": 1}'
    assert decode(RawArticle, data).id == "a1"


def test_text_joins_parts_without_repeating_the_title() -> None:
    article = raw(summary="Troops gather near the border", content="Long body.")
    assert article.text == "Troops gather near the border\n\nLong body."


def test_stable_id_depends_on_every_part_and_their_order() -> None:
    assert stable_id("w1", "a1") == stable_id("w1", "a1")
    assert stable_id("w1", "a1") != stable_id("a1", "w1")
    assert stable_id("w1a", "1") != stable_id("w1", "a1")


@pytest.mark.parametrize("token", ["short", "changeme", "CHANGEME"])
def test_admin_token_placeholders_are_refused(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_ADMIN_TOKEN", token)
    with pytest.raises(ValueError, match="NEWSWATCH_ADMIN_TOKEN"):
        AdminSettings()


def test_settings_read_the_newswatch_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_ADMIN_TOKEN", "x" * 20)
    monkeypatch.setenv("NEWSWATCH_KAFKA_BOOTSTRAP", "kafka:9092")
    monkeypatch.setenv("NEWSWATCH_KAFKA_ENABLE_IDEMPOTENCE", "false")
    settings = AdminSettings()
    cfg = settings.kafka("enrich")
    assert (cfg.bootstrap, cfg.enable_idempotence, cfg.client_id) == ("kafka:9092", False, "newswatch-enrich")
