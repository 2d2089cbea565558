"""The live half of the demo feed: a new article every minute or so, so the quick start ends in an alert.

The six fixed demo articles are matched as soon as `make run` starts, before anyone can have made a
watchlist. These keep coming: each is taken in turn from :data:`POOL` (written by the newswatch
authors, about the same invented-but-plausible crisis) and gets a fresh slug, hence a fresh article
id, so every one is news to ingest and to every watchlist made since. About half name Ukraine and
troops, so the README's watchlist hears of one within two minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["POOL", "LiveArticle", "live_article"]


@dataclass(frozen=True)
class LiveArticle:
    slug: str
    title: str
    body: str
    published: datetime


POOL: tuple[tuple[str, str, str], ...] = (
    (
        "convoy-sighted-near-kharkiv",
        "Armoured convoy sighted near Ukraine's northern border",
        "KHARKIV (Demo Wire) - Residents of villages north of Kharkiv filmed a column of armoured vehicles "
        "and fuel trucks moving towards the Ukrainian border overnight, and regional officials said more "
        "troops had arrived at a training ground across the frontier.",
    ),
    (
        "grain-insurers-raise-premiums",
        "Insurers raise premiums for ships calling at Black Sea ports",
        "LONDON (Demo Wire) - Marine insurers lifted war-risk premiums for vessels loading grain at Black "
        "Sea ports for the second time this month, brokers said, citing naval drills near the shipping "
        "lanes.",
    ),
    (
        "kyiv-calls-up-reservists",
        "Kyiv calls up reservists as troops mass across the border",
        "KYIV (Demo Wire) - Ukraine's defence ministry ordered reservists aged up to 40 to report for "
        "training within ten days, after intelligence officials said tens of thousands of Russian troops "
        "were now stationed within a day's drive of the frontier.",
    ),
    (
        "baltic-pipeline-inspection",
        "Regulator delays inspection of Baltic gas link",
        "BONN (Demo Wire) - Germany's energy regulator postponed a technical inspection of the Nord Stream 2 "
        "pipeline under the Baltic Sea, saying the operator had not yet supplied the documents needed for "
        "certification.",
    ),
    (
        "airspace-closed-east",
        "Ukraine closes part of its eastern airspace to civilian flights",
        "DNIPRO (Demo Wire) - Ukraine closed a corridor of airspace along its eastern border to civilian "
        "traffic until further notice, as military transport flights and troops moved to forward bases, "
        "the aviation authority said.",
    ),
    (
        "sanctions-list-expanded",
        "Washington adds twelve companies to its sanctions list",
        "WASHINGTON (Demo Wire) - The US Treasury added twelve defence and shipping companies to its "
        "sanctions list on Friday, freezing any assets they hold in the United States and barring American "
        "firms from dealing with them.",
    ),
    (
        "field-hospitals-satellite",
        "Satellite images show field hospitals near Ukraine frontier",
        "WASHINGTON (Demo Wire) - New commercial satellite images show field hospitals and blood supplies at "
        "three camps near the Ukrainian frontier, a private analysis firm said, adding that the number of "
        "troops there had roughly doubled in a fortnight.",
    ),
    (
        "wheat-futures-climb",
        "Wheat futures climb on supply worries",
        "CHICAGO (Demo Wire) - Wheat futures rose for a fourth session as traders weighed the risk to "
        "exports from the region; analysts said prices would stay volatile until the diplomatic talks "
        "resume.",
    ),
    (
        "embassy-staff-reduced",
        "Several embassies in Kyiv send non-essential staff home",
        "KYIV (Demo Wire) - Four Western embassies told the families of their diplomats to leave Ukraine and "
        "cut their staff to a minimum, citing the continued build-up of troops and armour on the country's "
        "borders.",
    ),
    (
        "nato-ministers-meet",
        "NATO defence ministers meet on eastern flank",
        "BRUSSELS (Demo Wire) - NATO defence ministers agreed to keep extra aircraft and ships on alert on "
        "the alliance's eastern flank, and said a response force could deploy within days if needed.",
    ),
)


def live_article(n: int, now: datetime) -> LiveArticle:
    """The ``n``-th live article (0-based), published ``now``: the pool in turn, each with a new slug."""
    slug, title, body = POOL[n % len(POOL)]
    return LiveArticle(f"{slug}-{now:%Y%m%d%H%M%S}-{n}", title, body, now)
