"""Alert e-mails: multipart text + HTML messages for an alert or a digest, and sending them over SMTP.

Everything but ``send`` is pure. The ``Message-ID`` is derived from the alert (or digest) id and the
sender's domain, and the ``Date`` from the alert's creation (or the digest period's end), so a repeat
after a crash is the same message: mail clients and archives that de-duplicate by Message-ID drop
it, and a person can recognise it. ``X-Newswatch-Alert-Id`` / ``X-Newswatch-Digest-Id`` carry the
id for filters.

Each message goes to one recipient, because each carries that recipient's unsubscribe link (in its
footer and in ``List-Unsubscribe`` with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, RFC
8058, which mail clients turn into an unsubscribe button that POSTs to it); copies of one alert to
several recipients share its Message-ID, as personalised copies of one message do.

Sending uses aiosmtplib (asyncio, STARTTLS, AUTH) with the deployment's SMTP settings. The whole
conversation has one time limit, so it can never outlive the outbox lease.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib

from newswatch_alert.delivery.digest import DigestEvent
from newswatch_alert.delivery.models import notification_id
from newswatch_shared.schemas import AlertEvent

__all__ = [
    "SendFailed",
    "SmtpConfig",
    "alert_message",
    "confirmation_message",
    "digest_message",
    "message_id",
    "send",
]

_SUBJECT_MAX = 200


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log line or a traceback
    starttls: bool = True


class SendFailed(Exception):
    """An SMTP exchange failed; the message is a short fixed description for ``last_error``."""


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "newswatch.invalid"


def message_id(kind: str, subject_id: str, sender: str) -> str:
    """``<alert.<id>@<sender's domain>>``: the same for every send of the same alert."""
    return f"<{kind}.{subject_id}@{_domain(sender)}>"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _subject(text: str) -> str:
    text = _one_line(text)
    return text if len(text) <= _SUBJECT_MAX else text[: _SUBJECT_MAX - 1] + "…"


def _envelope(
    subject: str, sender: str, to: str, kind: str, subject_id: str, date: datetime, unsubscribe: str
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = _subject(subject)
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id(kind, subject_id, sender)
    message["X-Newswatch-" + kind.capitalize() + "-Id"] = subject_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies to alerts
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _alert_text(alert: AlertEvent) -> str:
    lines = [alert.title, alert.url, ""]
    lines.append(
        " · ".join(p for p in (alert.source, _when(alert.published_at), f"score {alert.score:.1f}") if p)
    )
    lines.append(f"Watchlist: {alert.watchlist_name}")
    story = _story(alert)
    if story:
        lines.append(story)
    if alert.matched_entities:
        lines.append("Entities: " + ", ".join(alert.matched_entities))
    if alert.matched_keywords:
        lines.append("Keywords: " + ", ".join(alert.matched_keywords))
    if alert.reasons:
        lines += ["", "Why it matched:", *(f"- {r}" for r in alert.reasons)]
    if alert.sentences:
        lines += ["", *(f"> {_one_line(s)}" for s in alert.sentences)]
    return "\n".join(lines)


def _story(alert: AlertEvent) -> str:
    """The story line: its sources and copies, and why a later notification came ("" for a lone article
    notified once)."""
    if len(alert.sources) <= 1 and alert.copies <= 1 and alert.notification <= 1:
        return ""
    noun = "source" if len(alert.sources) == 1 else "sources"
    line = f"Story: {len(alert.sources)} {noun} ({', '.join(alert.sources)}), {alert.copies} copies"
    if alert.notification > 1 or alert.reason == "corroborated":
        line += f"; notification {alert.notification} ({alert.reason})"
    return line


def _alert_html(alert: AlertEvent) -> str:
    e = html.escape
    facts = " · ".join(
        e(p) for p in (alert.source, _when(alert.published_at), f"score {alert.score:.1f}") if p
    )
    parts = [
        f'<h2 style="margin:0 0 4px"><a href="{e(alert.url)}">{e(alert.title)}</a></h2>',
        f'<p style="margin:0 0 12px;color:#555">{facts}</p>',
        f"<p><b>Watchlist:</b> {e(alert.watchlist_name)}</p>",
    ]
    story = _story(alert)
    if story:
        parts.append(f"<p>{e(story)}</p>")
    matched = [*alert.matched_entities, *alert.matched_keywords]
    if matched:
        parts.append("<p><b>Matched:</b> " + ", ".join(e(m) for m in matched) + "</p>")
    if alert.reasons:
        parts.append("<ul>" + "".join(f"<li>{e(r)}</li>" for r in alert.reasons) + "</ul>")
    for sentence in alert.sentences:
        parts.append(f'<blockquote style="color:#333">{e(_one_line(sentence))}</blockquote>')
    return "\n".join(parts)


def _page(body: str, footer: str, unsubscribe: str) -> str:
    link = f'<a href="{html.escape(unsubscribe)}">Unsubscribe</a>'
    return (
        '<!doctype html><html><body style="font-family:sans-serif">\n'
        f'{body}\n<p style="color:#888;font-size:small">{html.escape(footer)} · {link}</p>\n</body></html>\n'
    )


def _signature(footer: str, unsubscribe: str) -> str:
    return f"\n\n-- \n{footer}\nUnsubscribe: {unsubscribe}\n"


def alert_message(alert: AlertEvent, sender: str, to: str, unsubscribe: str) -> EmailMessage:
    """The mail of one alert to one recipient; ``unsubscribe`` is that recipient's link."""
    message = _envelope(
        f"[newswatch] {alert.watchlist_name}: {alert.title}",
        sender,
        to,
        "alert",
        notification_id(alert.id, alert.notification),  # each notification of a story is its own mail
        alert.updated_at or alert.created_at,
        unsubscribe,
    )
    footer = f"newswatch alert {alert.id}"
    message.set_content(_alert_text(alert) + _signature(footer, unsubscribe))
    message.add_alternative(_page(_alert_html(alert), footer, unsubscribe), subtype="html")
    return message


def _period(digest: DigestEvent) -> str:
    if digest.mode == "daily":
        return digest.period_start.strftime("%Y-%m-%d (UTC)")
    return f"{digest.period_start:%Y-%m-%d %H:%M}–{digest.period_end:%H:%M} UTC"


def digest_message(digest: DigestEvent, sender: str, to: str, unsubscribe: str) -> EmailMessage:
    noun = "alert" if digest.total == 1 else "alerts"
    title = f"{digest.watchlist_name}: {digest.total} {noun}, {_period(digest)}"
    message = _envelope(
        f"[newswatch] {title}", sender, to, "digest", digest.id, digest.period_end, unsubscribe
    )
    more = digest.total - len(digest.alerts)
    footer = f"newswatch {digest.mode} digest {digest.id}"
    text = [title, ""]
    for alert in digest.alerts:
        text += [alert.title, alert.url, f"  {alert.source} · {_when(alert.published_at)}", ""]
    if more > 0:
        text.append(f"… and {more} more (GET /alerts lists them all).")
    message.set_content("\n".join(text) + _signature(footer, unsubscribe))
    items = "".join(
        f'<li><a href="{html.escape(a.url)}">{html.escape(a.title)}</a> '
        f'<span style="color:#555">{html.escape(a.source)} · {_when(a.published_at)}</span></li>'
        for a in digest.alerts
    )
    tail = f"<p>… and {more} more.</p>" if more > 0 else ""
    message.add_alternative(
        _page(f"<h2>{html.escape(title)}</h2><ol>{items}</ol>{tail}", footer, unsubscribe), subtype="html"
    )
    return message


def confirmation_message(
    consent_id: str, asked: datetime, sender: str, to: str, confirm: str, unsubscribe: str
) -> EmailMessage:
    """The one mail asking ``to`` whether it wants a user's alerts. It holds nothing the user wrote
    (no names, no watchlist), so it cannot carry a stranger's spam; the same request always makes the
    same Message-ID."""
    request_id = f"{consent_id}.{int(asked.timestamp())}"
    message = _envelope(
        "[newswatch] Confirm that you want news alerts at this address",
        sender,
        to,
        "confirm",
        request_id,
        asked,
        unsubscribe,
    )
    text = (
        f"Someone with a newswatch account asked to send news alerts to {to}.\n\n"
        f'To receive them, open this link and press "Confirm":\n{confirm}\n\n'
        "If you did not expect this, ignore this mail: nothing more is sent unless you confirm.\n"
        f"To refuse, so that this account cannot ask this address again:\n{unsubscribe}\n"
    )
    message.set_content(text + _signature(f"newswatch confirmation {request_id}", unsubscribe))
    e = html.escape
    body = (
        f"<p>Someone with a newswatch account asked to send news alerts to <b>{e(to)}</b>.</p>"
        f'<p><a href="{e(confirm)}">Confirm that you want them</a></p>'
        "<p>If you did not expect this, ignore this mail: nothing more is sent unless you confirm.</p>"
    )
    message.add_alternative(_page(body, f"newswatch confirmation {request_id}", unsubscribe), subtype="html")
    return message


async def send(message: EmailMessage, config: SmtpConfig, timeout_s: float) -> None:
    """Hand the message to the SMTP server; raises :class:`SendFailed` unless it took it.

    The server accepting some recipients and refusing others counts as sent (the accepted ones have
    it; resending would repeat it to them); all refused raises.
    """
    try:
        async with asyncio.timeout(timeout_s):
            await aiosmtplib.send(
                message,
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                start_tls=config.starttls,
                timeout=timeout_s,
            )
    except TimeoutError as e:
        raise SendFailed(f"timeout ({type(e).__name__})") from e
    except aiosmtplib.SMTPRecipientsRefused as e:
        codes = sorted({r.code for r in e.recipients})
        raise SendFailed(f"SMTP recipients refused ({', '.join(map(str, codes))})") from e
    except aiosmtplib.SMTPResponseException as e:
        raise SendFailed(f"SMTP {e.code}: {_one_line(e.message)}"[:300]) from e
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError) as e:
        raise SendFailed(f"connection failed: {e}"[:300]) from e
    except aiosmtplib.SMTPException as e:
        raise SendFailed(f"{type(e).__name__}: {e}"[:300]) from e
