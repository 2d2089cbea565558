"""Demo articles in wire-news style about an invented-but-plausible border crisis.

All text here is our own. Times are relative to when the demo server starts, so the feed looks live.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEMO_ARTICLES", "DemoArticle"]


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    minutes_ago: int
    title: str
    body: str


DEMO_ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        "moscow-rules-out-concessions",
        5,
        "Moscow rules out concessions as troops gather near Ukraine border",
        "MOSCOW (Demo Wire) - Russia will not give ground in its security talks with the United States and "
        "NATO, a senior Kremlin official said on Tuesday, as commercial satellite images showed more troops, "
        "tanks and field hospitals arriving at camps a few hours' drive from the Ukrainian frontier. "
        "Officials in Kyiv said the build-up was the largest since the seizure of Crimea. European capitals "
        "are drafting sanctions that could target Russian banks, and Berlin said the Nord Stream 2 gas "
        "pipeline would not be certified while the standoff lasted.",
    ),
    DemoArticle(
        "eu-drafts-sanctions-package",
        18,
        "EU drafts sanctions package targeting banks and energy exports",
        "BRUSSELS (Demo Wire) - European Union ambassadors discussed a package of sanctions on Wednesday "
        "that would freeze the assets of several Russian state banks and restrict exports of advanced chips, "
        "diplomats said. Germany's chancellor told reporters that every option, including halting Nord "
        "Stream 2, remained on the table if Moscow ordered an invasion of Ukraine.",
    ),
    DemoArticle(
        "nato-jets-baltic",
        41,
        "NATO allies send extra fighter jets to the Baltic as Russia stages drills",
        "VILNIUS (Demo Wire) - Denmark and the Netherlands will send additional fighter jets to Lithuania "
        "and Estonia, NATO said, after Russia began snap military exercises in Belarus involving thousands "
        "of soldiers. A NATO spokesperson said the deployment was defensive and proportionate.",
    ),
    DemoArticle(
        "gas-prices-jump",
        66,
        "European gas prices jump as pipeline approval stalls",
        "LONDON (Demo Wire) - Benchmark European gas prices rose 9 percent on Thursday after the German "
        "regulator suspended the approval process for the Nord Stream 2 pipeline, which runs under the "
        "Baltic Sea from Russia to Germany. Traders said the market was pricing in the risk of sanctions "
        "on Russian energy flows.",
    ),
    DemoArticle(
        "osce-ceasefire-violations",
        95,
        "Monitors report rise in ceasefire violations in eastern Ukraine",
        "KYIV (Demo Wire) - International monitors from the OSCE recorded more than 200 ceasefire "
        "violations in the Donbas region over the weekend, up sharply from the week before, including "
        "artillery fire near the line of contact. Ukraine's foreign minister called for talks under the "
        "Normandy format to resume.",
    ),
    DemoArticle(
        "central-bank-holds-rates",
        130,
        "Central bank holds rates steady, signals patience",
        "FRANKFURT (Demo Wire) - The central bank left its key interest rate unchanged on Thursday and said "
        "it would wait for more data on wages before deciding its next move. Markets had expected the hold.",
    ),
)
