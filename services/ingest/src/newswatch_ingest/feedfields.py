"""The rules for the fields a person sets on a feed: polling interval and tags.

One place for them, so the API, OPML import and the start-up feeds file accept exactly the same
values. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "MAX_INTERVAL_S",
    "MAX_TAGS",
    "MAX_TAG_CHARS",
    "MIN_INTERVAL_S",
    "check_interval",
    "clean_tags",
]

#: Polling a feed more often than this is impolite to its server and rarely brings news sooner.
MIN_INTERVAL_S = 30.0
#: A week: a feed polled less often than that is better disabled.
MAX_INTERVAL_S = 7 * 86_400.0
MAX_TAGS = 20
MAX_TAG_CHARS = 50


def check_interval(value: float) -> float:
    """The interval in seconds, or ``ValueError`` with a sentence naming the allowed range."""
    if not MIN_INTERVAL_S <= value <= MAX_INTERVAL_S:
        raise ValueError(
            f"The polling interval must be between {MIN_INTERVAL_S:g} and {MAX_INTERVAL_S:g} seconds,"
            f" not {value:g}."
        )
    return float(value)


def clean_tags(values: Iterable[str]) -> tuple[str, ...]:
    """Tags stripped of surrounding whitespace, empty ones dropped, repeats removed (order kept).

    A comma is refused because OPML's ``category`` attribute separates tags with commas, and an
    export must read back as the same tags.
    """
    tags: list[str] = []
    for raw in values:
        tag = " ".join(raw.split())
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_CHARS:
            raise ValueError(f"A tag may have at most {MAX_TAG_CHARS} characters: {tag[:60]!r}.")
        if "," in tag:
            raise ValueError(f"A tag may not contain a comma: {tag!r}.")
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValueError(f"A feed may have at most {MAX_TAGS} tags, not {len(tags)}.")
    return tuple(tags)
