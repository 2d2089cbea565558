"""Registering many feeds at once: an OPML import or the start-up feeds file.

A feed already registered (at that URL, or moved there) is reported as present and left exactly as
it is: a list is a way to add feeds, not to overwrite what people changed since.

Each new feed's URL must pass the egress policy (``newswatch_shared.egress.check_url``): one whose
host is or resolves to a non-public address is reported under ``invalid`` with the reason, and the
rest of the list is registered as usual.

A short list (up to :data:`SPREAD_ABOVE` feeds) is polled at once, as a person adding a few feeds
expects. A longer one gets each new feed's first poll spread over one polling interval
(:func:`schedule.first_poll_delay`), so importing thousands of feeds does not poll thousands of
servers in the same minute, then and at every interval after.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from newswatch_ingest.feeds import FeedRegistry
from newswatch_ingest.opml import ListedFeed, OpmlProblem
from newswatch_ingest.schedule import first_poll_delay
from newswatch_shared.egress import check_url
from newswatch_shared.netguard import PUBLIC_ONLY, EgressPolicy

__all__ = ["SPREAD_ABOVE", "ImportReport", "ImportedFeed", "InvalidEntry", "register_listed"]

SPREAD_ABOVE = 50


class ImportedFeed(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    url: str
    title: str


class InvalidEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str
    title: str
    reason: str


class ImportReport(BaseModel):
    """What an import did: feeds added, feeds already registered, entries that could not be used."""

    model_config = ConfigDict(frozen=True)

    added: list[ImportedFeed]
    present: list[ImportedFeed]
    invalid: list[InvalidEntry]


@dataclass
class _Tally:
    added: list[ImportedFeed] = field(default_factory=list)
    present: list[ImportedFeed] = field(default_factory=list)
    invalid: list[InvalidEntry] = field(default_factory=list)


async def register_listed(
    registry: FeedRegistry,
    feeds: Sequence[ListedFeed],
    *,
    now: datetime,
    rng: random.Random,
    problems: Iterable[OpmlProblem] = (),
    egress: EgressPolicy = PUBLIC_ONLY,
) -> ImportReport:
    """Register the feeds that are new; report every entry."""
    spread = len(feeds) > SPREAD_ABOVE
    tally = _Tally(invalid=[InvalidEntry(url=p.url, title=p.title, reason=p.reason) for p in problems])
    for listed in feeds:
        try:
            existing = await registry.resolve(listed.url)
        except ValueError:
            tally.invalid.append(
                InvalidEntry(url=listed.url, title=listed.title, reason="Not an http(s) URL.")
            )
            continue
        if existing is not None:
            feed = await registry.get(existing)
            if feed is not None:
                tally.present.append(ImportedFeed(id=feed.id, url=feed.url, title=feed.title))
                continue
        refused = await check_url(listed.url, egress)
        if refused is not None:
            tally.invalid.append(InvalidEntry(url=listed.url, title=listed.title, reason=f"{refused}."))
            continue
        delay = first_poll_delay(listed.interval_s or registry.default_interval_s, rng) if spread else 0.0
        feed, created = await registry.add(
            listed.url,
            listed.title or None,
            now=now,
            interval_s=listed.interval_s,
            tags=listed.tags,
            enabled=listed.enabled,
            first_poll_at=now + timedelta(seconds=delay),
        )
        entry = ImportedFeed(id=feed.id, url=feed.url, title=feed.title)
        (tally.added if created else tally.present).append(entry)
    return ImportReport(added=tally.added, present=tally.present, invalid=tally.invalid)
