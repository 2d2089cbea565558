"""Sample articles for the alert tests, written for these tests (not taken from any outlet)."""

from __future__ import annotations

from datetime import UTC, datetime

from newswatch_alert.delivery.channels import WebhookChannel
from newswatch_alert.watchlists.models import Watchlist
from newswatch_shared.schemas import EnrichedArticle, Entity, EscalationMatch, RawArticle

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

BORDER_TITLE = "Ukrainian officials count more soldiers moving toward the eastern frontier"
BORDER_SUMMARY = "Satellite pictures show long columns of armoured vehicles. Talks are set for next week."
BORDER_CONTENT = (
    "Officials in Kyiv said on Friday that the build-up had grown again overnight. "
    "A troopship was also seen leaving port. "
    "Diplomats said the Nord-Stream 2 pipeline could become part of any sanctions package."
)


def entity(
    text: str, label: str, canonical: str, country: str | None = None, country_name: str | None = None
) -> Entity:
    return Entity(text=text, label=label, canonical=canonical, country=country, country_name=country_name)


def term(
    name: str, text: str, sentence: str, *, category: str = "military", negated: bool = False
) -> EscalationMatch:
    return EscalationMatch(
        term=name,
        category=category,
        weight=3.0,
        text=text,
        start=0,
        end=len(text),
        sentence=sentence,
        negated=negated,
    )


def enriched(
    *,
    article_id: str = "art-1",
    title: str = BORDER_TITLE,
    summary: str = BORDER_SUMMARY,
    content: str = BORDER_CONTENT,
    entities: list[Entity] | None = None,
    escalation: list[EscalationMatch] | None = None,
    feed_title: str = "Example Wire",
) -> EnrichedArticle:
    raw = RawArticle(
        id=article_id,
        url=f"https://news.example/{article_id}",
        title=title,
        summary=summary,
        content=content,
        published_at=NOW,
        feed_id="feed-1",
        feed_title=feed_title,
        feed_url="https://www.news.example/rss",
        fetched_at=NOW,
    )
    return EnrichedArticle(
        article=raw,
        entities=entities
        if entities is not None
        else [
            # as enrich wrote them before a nationality named its country (alert reads both forms)
            entity("Ukrainian", "NORP", "Ukrainian", "UA", "Ukraine"),
            entity("Kyiv", "GPE", "Kyiv", "UA", "Ukraine"),
            entity("Kremlin", "ORG", "Kremlin", "RU", "Russia"),
        ],
        escalation=escalation if escalation is not None else [term("troops", "soldiers", BORDER_TITLE)],
        score=37.5,
        enriched_at=NOW,
    )


def watchlist(
    entities: list[str] | None = None,
    keywords: list[str] | None = None,
    *,
    watchlist_id: str = "wl-1",
    user_id: str = "user-1",
) -> Watchlist:
    return Watchlist(
        id=watchlist_id,
        user_id=user_id,
        name="border watch",
        entities=entities or [],
        keywords=keywords or [],
        channels=[WebhookChannel(id="ch-1", url="https://hooks.example/in", secret="s" * 32)],
        created_at=NOW,
    )
