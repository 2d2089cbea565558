"""Webhook signatures: receivers check that a delivery came from us, was not altered, and is fresh.

What is signed is the attempt's timestamp and the exact body bytes sent (never a re-serialisation),
so a receiver verifies the raw request body before parsing it. Format, as Slack and the Standard
Webhooks proposal use it (two headers, the timestamp inside the MAC):

    X-Newswatch-Timestamp: <unix seconds of this attempt>
    X-Newswatch-Signature: sha256=<lower-case hex HMAC-SHA256(secret, b"<timestamp>." + body)>

Without the timestamp a captured delivery could be replayed to the receiver for ever; with it, a
receiver refuses anything older (or newer) than a tolerance, five minutes by default, and drops a
repeat inside that window by ``Idempotency-Key``. Each attempt is signed afresh, so a retry carries a
new timestamp while its ``Idempotency-Key`` stays the alert (or digest) id.

``verify`` is what a receiver runs; it uses only the standard library, so it can be copied as is.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "TOLERANCE_S", "sign", "signature_headers", "verify"]

SIGNATURE_HEADER = "X-Newswatch-Signature"
TIMESTAMP_HEADER = "X-Newswatch-Timestamp"
TOLERANCE_S = 300.0

_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Newswatch-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    signed = f"{timestamp}.".encode("ascii") + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_headers(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """Both headers of one attempt."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, body, timestamp)}


def verify(
    secret: str, body: bytes, headers: Mapping[str, str], now: float, tolerance_s: float = TOLERANCE_S
) -> bool:
    """True when ``headers`` sign ``body`` with ``secret`` at a time within ``tolerance_s`` of ``now``
    (unix seconds, either way: clocks drift). Header names are matched in any case; the comparison of
    signatures takes constant time."""
    found = {name.lower(): value for name, value in headers.items()}
    raw = found.get(TIMESTAMP_HEADER.lower(), "").strip()
    if not _TIMESTAMP.fullmatch(raw):
        return False
    timestamp = int(raw)
    if abs(now - timestamp) > tolerance_s:
        return False
    given = found.get(SIGNATURE_HEADER.lower(), "").strip()
    return hmac.compare_digest(sign(secret, body, timestamp).encode(), given.encode("utf-8", "replace"))
