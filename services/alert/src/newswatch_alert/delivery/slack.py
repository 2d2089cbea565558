"""Slack incoming-webhook messages for an alert or a digest (pure): ``{"text", "blocks"}``.

``text`` is the notification and fallback line; ``blocks`` (Block Kit) lay the alert out: a header
with the title, the link with source, time and score, what matched, and the reasons. Slack's limits
are kept: header text 150 characters, section text 3,000, at most 50 blocks (a digest lists up to
``MAX_DIGEST_ITEMS`` alerts and says how many more there are). User text is escaped for mrkdwn
(``&``, ``<``, ``>``), so a title cannot inject a mention or a link.
"""

from __future__ import annotations

from typing import Any

from newswatch_alert.delivery.digest import DigestEvent
from newswatch_shared.schemas import AlertEvent

__all__ = ["MAX_DIGEST_ITEMS", "alert_message", "digest_message", "escape"]

MAX_DIGEST_ITEMS = 40
_HEADER_MAX = 150
_SECTION_MAX = 3000

Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn and plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    safe_url = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{safe_url}|{escape(label)}>"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(alert: AlertEvent) -> str:
    return alert.published_at.strftime("%Y-%m-%d %H:%M UTC")


def _facts(alert: AlertEvent) -> str:
    parts = [escape(alert.source)] if alert.source else []
    parts += [_when(alert), f"score {alert.score:.1f}"]
    return " · ".join(parts)


def _matched(alert: AlertEvent) -> str:
    found = [*alert.matched_entities, *alert.matched_keywords]
    return ", ".join(escape(f) for f in found) if found else "—"


def _story(alert: AlertEvent) -> str:
    """The story's sources and copies, and why this notification came when it is not the first."""
    line = f"*Story* · {len(alert.sources)} sources: " + ", ".join(escape(s) for s in alert.sources)
    line += f" · {alert.copies} copies"
    if alert.notification > 1:
        line += f" · notification {alert.notification} ({alert.reason})"
    return _cut(line, _SECTION_MAX)


def alert_message(alert: AlertEvent) -> dict[str, Any]:
    text = _cut(f"{alert.watchlist_name}: {alert.title}", _SECTION_MAX)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(alert.title, _HEADER_MAX)}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _cut(f"*{_link(alert.url, alert.title)}*\n{_facts(alert)}", 3000),
            },
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": _cut(f"*Watchlist*\n{escape(alert.watchlist_name)}", 2000)},
                {"type": "mrkdwn", "text": _cut(f"*Matched*\n{_matched(alert)}", 2000)},
            ],
        },
    ]
    if len(alert.sources) > 1 or alert.notification > 1:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _story(alert)}})
    if alert.reasons:
        reasons = "\n".join(f"• {escape(r)}" for r in alert.reasons)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(reasons, _SECTION_MAX)}})
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"newswatch alert `{alert.id}`"}]}
    )
    return {"text": escape(text), "blocks": blocks}


def _period(digest: DigestEvent) -> str:
    if digest.mode == "daily":
        return digest.period_start.strftime("%Y-%m-%d (UTC)")
    return f"{digest.period_start:%Y-%m-%d %H:%M}–{digest.period_end:%H:%M} UTC"


def digest_message(digest: DigestEvent) -> dict[str, Any]:
    noun = "alert" if digest.total == 1 else "alerts"
    title = f"{digest.watchlist_name}: {digest.total} {noun}, {_period(digest)}"
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(title, _HEADER_MAX)}},
    ]
    for alert in digest.alerts[:MAX_DIGEST_ITEMS]:
        line = f"*{_link(alert.url, alert.title)}*\n{_facts(alert)} · matched {_matched(alert)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(line, _SECTION_MAX)}})
    more = digest.total - min(len(digest.alerts), MAX_DIGEST_ITEMS)
    footer = f"newswatch {digest.mode} digest `{digest.id}`"
    if more > 0:
        footer = f"and {more} more (GET /alerts lists them all) · " + footer
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return {"text": escape(title), "blocks": blocks}
