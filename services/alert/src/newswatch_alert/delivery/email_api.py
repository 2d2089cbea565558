"""The public pages an e-mail's links open: confirm an address (double opt-in), and unsubscribe it.

Public on purpose: the person following the link has no account; the link's token (32 random bytes,
sent only to the address) is the credential. Opening a link (GET) changes nothing: it shows a page
with one button, and the button (a POST to the same URL) records the answer, because mail scanners
and link previews fetch links on their own and must not confirm for the recipient. The one
exception is the RFC 8058 one-click unsubscribe: mail clients POST ``List-Unsubscribe=One-Click`` to
the unsubscribe URL itself, which is that same POST. Pages are small, self-contained HTML, never
cached, never framed, and send no Referer (the token is in their URL).
"""

from __future__ import annotations

import html
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from newswatch_alert.common import metrics
from newswatch_alert.common.openapi import errors
from newswatch_alert.common.parts import part
from newswatch_alert.delivery.consent import Consent, ConsentStore
from newswatch_shared.schemas import utcnow

__all__ = ["email_router"]

Consents = Annotated[ConsentStore, Depends(part(ConsentStore))]
Token = Annotated[
    str,
    Query(
        min_length=20,
        max_length=100,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The token of the link in the mail.",
        openapi_examples={"token": {"value": "Xb3kQ9v0Jd2LrT6wPz8yNq1sHc5mGf4aUe7iOj0lKvA"}},
    ),
]

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
}
_GONE = "This link is not valid (any more). Nothing was changed."


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        '<body style="font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em">'
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(page, status_code=status_code, headers=_HEADERS)


def _button(label: str, action: str = "") -> str:
    """A form posting to ``action`` (empty: this very URL, token included)."""
    target = f' action="{html.escape(action)}"' if action else ""
    return f'<form method="post"{target}><button type="submit">{html.escape(label)}</button></form>'


def _unknown() -> HTMLResponse:
    return _page("Link not valid", f"<p>{_GONE}</p>", 404)


def _docs(example: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": "A small HTML page.", "content": {"text/html": {"example": example}}},
        404: {"description": "Unknown token: an HTML page says so.", "content": {"text/html": {}}},
        **errors(),
    }


def email_router() -> APIRouter:
    router = APIRouter(tags=["email"], default_response_class=HTMLResponse)

    @router.get(
        "/email/confirm",
        summary="The page a confirmation mail links to: one button to confirm (public, token)",
        responses=_docs("<!doctype html>…<h1>Confirm newswatch alerts</h1>…<button>Confirm</button>…"),
    )
    async def confirm_page(token: Token, consents: Consents) -> HTMLResponse:
        consent = await consents.lookup(token)
        if consent is None:
            return _unknown()
        if consent.status == "confirmed":
            return _page("Already confirmed", f"<p>{_who(consent)} receives these alerts.</p>")
        return _page(
            "Confirm newswatch alerts",
            f"<p>Someone with a newswatch account asked to send news alerts to {_who(consent)}.</p>"
            f"<p>Do you want them?</p>{_button('Confirm')}",
        )

    @router.post(
        "/email/confirm",
        summary="Confirm that the address wants this account's alerts (public, token)",
        description="Also undoes an unsubscribe. Repeating it changes nothing.",
        responses=_docs("<!doctype html>…<h1>Confirmed</h1>…"),
    )
    async def confirm(token: Token, consents: Consents) -> HTMLResponse:
        consent = await consents.confirm(token, utcnow())
        if consent is None:
            return _unknown()
        metrics.EMAIL_CONSENT.labels("confirmed").inc()
        return _page(
            "Confirmed",
            f"<p>{_who(consent)} now receives this account's alerts. Every alert mail has a link to "
            "unsubscribe.</p>",
        )

    @router.get(
        "/email/unsubscribe",
        summary="The page an alert mail's unsubscribe link opens: one button (public, token)",
        responses=_docs("<!doctype html>…<h1>Unsubscribe</h1>…<button>Unsubscribe</button>…"),
    )
    async def unsubscribe_page(token: Token, consents: Consents) -> HTMLResponse:
        consent = await consents.lookup(token)
        if consent is None:
            return _unknown()
        return _page(
            "Unsubscribe",
            f"<p>Stop all newswatch alerts from this account to {_who(consent)}?</p>{_button('Unsubscribe')}",
        )

    @router.post(
        "/email/unsubscribe",
        summary="Unsubscribe the address from this account's alerts; RFC 8058 one-click (public, token)",
        description="What mail clients' unsubscribe button POSTs (`List-Unsubscribe=One-Click`; the body "
        "is not needed). The account can never ask this address again; the page offers the address an "
        "undo.",
        responses=_docs("<!doctype html>…<h1>Unsubscribed</h1>…<button>Subscribe again</button>…"),
    )
    async def unsubscribe(token: Token, consents: Consents) -> HTMLResponse:
        consent = await consents.withdraw(token, utcnow())
        if consent is None:
            return _unknown()
        metrics.EMAIL_CONSENT.labels("unsubscribed").inc()
        return _page(
            "Unsubscribed",
            f"<p>{_who(consent)} gets no more alerts from this account, and it cannot ask again.</p>"
            f"<p>Changed your mind?</p>{_button('Subscribe again', f'confirm?token={token}')}",
        )

    return router


def _who(consent: Consent) -> str:
    return f"<b>{html.escape(consent.address)}</b>"
