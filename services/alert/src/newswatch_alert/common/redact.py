"""Secrets out of logs and status views: a URL is shown as its origin and a fingerprint.

Delivery URLs are credentials: a Slack incoming-webhook URL *is* the key to the channel, and webhook
URLs carry tokens in their userinfo, query string or path (Discord, Mattermost and Teams put them in
the path). So wherever the service shows a URL to someone other than its owner editing it (every log
line, a delivery's status, a dead letter) it shows ``scheme://host[:port]/…#<fingerprint>``: enough to
see which receiver it is and to tell two channels on one host apart, nothing to replay. The
fingerprint is the first 8 hex digits of the SHA-256 of the URL (scheme and host lower-cased, an empty
path as ``/``, as httpx writes it), so a log line from httpx and one of ours name the same channel
alike, and the owner can compute it from the URL they hold. A bare origin (``http://enrich:8002``)
holds no secret and is shown as it is; so is ``mailto:`` (addresses are personal data, not keys).

:class:`RedactingFilter` applies this to every URL in every record a handler writes: the message, a
traceback, and string fields given with ``extra=``. The alert service installs it on its log handler
(``install``), so a library's log line (httpx logs each request at INFO with its full URL) is covered
as well as our own.
"""

from __future__ import annotations

import hashlib
import logging
import re
from urllib.parse import urlsplit

__all__ = ["RedactingFilter", "fingerprint", "install", "redact_text", "redact_url"]

# scheme://… up to whitespace, quotes or brackets; trailing sentence punctuation is not part of it.
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>()\[\]{}]+")
_TRAILING = ".,;:!?"
_REDACTED = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#@\s]+/…#[0-9a-f]{8}")
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def _canonical(url: str) -> tuple[str, str]:
    """(origin, canonical URL) of ``url``: what is kept, and what the fingerprint is taken over."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:  # a port that is no number: keep none of it
        port = ""
    origin = f"{parts.scheme.lower()}://{host}{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    rest = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    rest += f"#{parts.fragment}" if parts.fragment else ""
    full = f"{parts.scheme.lower()}://{userinfo + '@' if userinfo else ''}{host}{port}{rest}"
    return origin, full


def fingerprint(url: str) -> str:
    """8 hex digits naming ``url`` without revealing it."""
    return hashlib.sha256(_canonical(url)[1].encode("utf-8")).hexdigest()[:8]


def redact_url(url: str) -> str:
    """``url`` as it may be shown: its origin, plus ``/…#<fingerprint>`` when it holds anything more."""
    if "://" not in url or _REDACTED.fullmatch(url):
        return url  # mailto:, not a URL at all, or redacted already (a log line of ours, filtered)
    origin, full = _canonical(url)
    if full == origin + "/":
        return origin
    return f"{origin}/…#{fingerprint(url)}"


def _one(match: re.Match[str]) -> str:
    found = match.group(0)
    kept = found.rstrip(_TRAILING)
    return redact_url(kept) + found[len(kept) :]


def redact_text(text: str) -> str:
    """``text`` with every URL in it redacted."""
    return _URL.sub(_one, text) if "://" in text else text


class RedactingFilter(logging.Filter):
    """Redacts URLs in what a handler writes (install it on the handler, so records from every
    logger pass it). The record is rewritten in place: message and args become the redacted text, and
    a traceback is formatted here, redacted, and kept in ``exc_text`` instead of ``exc_info``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact_text(message), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, redact_text(value))
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put a :class:`RedactingFilter` on every handler of ``logger`` (default: the root logger)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
