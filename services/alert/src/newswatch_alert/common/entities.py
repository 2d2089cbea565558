"""One entity per real thing on alert's side: the shared name table, keyed as alert compares text.

Enrich names each entity by the thing it is ("Russian troops" → Russia / GPE / RU). Alert reads the
same table (``newswatch_shared.entity_names``, generated from enrich's gazetteer) to:

- bring articles enriched before that change up to date, when they arrive and when they are read
  back from Redis (:func:`current_article`): their canonical "Russian" / NORP becomes Russia / GPE,
  merged with a Russia entity of the same article;
- widen what a reader asks for to every name of the thing (:func:`entity_keys`): ``entity=UK`` also
  finds "Britain" and "British", ``entity=Russia`` also finds older articles indexed under "russian".
"""

from __future__ import annotations

from newswatch_alert.common.text import norm
from newswatch_shared.entity_names import EntityNames, load_entity_names
from newswatch_shared.schemas import EnrichedArticle

__all__ = ["current_article", "entity_keys", "entity_names"]


def entity_names() -> EntityNames:
    """The packaged table keyed by :func:`norm` (built once per process)."""
    return load_entity_names(norm)


def current_article(enriched: EnrichedArticle) -> EnrichedArticle:
    """``enriched`` with its entities as today's enrich writes them (the same object when they are)."""
    entities = entity_names().entities(enriched.entities)
    if entities == enriched.entities:
        return enriched
    return enriched.model_copy(update={"entities": entities})


def entity_keys(name: str) -> frozenset[str]:
    """The normalised keys an entity filter on ``name`` matches: its own and every name of its thing."""
    return entity_names().keys(name)
