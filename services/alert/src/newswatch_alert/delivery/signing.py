"""Webhook signatures: receivers check that a delivery came from us and was not altered.

The signature covers the exact body bytes sent (never a re-serialisation), so a receiver verifies
the raw request body before parsing it. Format, as GitHub and Stripe popularised it:
``X-Newswatch-Signature: sha256=<lower-case hex HMAC-SHA256(secret, body)>``.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "sign", "verify"]

SIGNATURE_HEADER = "X-Newswatch-Signature"


def sign(secret: str, body: bytes) -> str:
    """The header value for ``body`` signed with ``secret``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """Constant-time check of a received header value (what a receiver would run)."""
    return hmac.compare_digest(sign(secret, body), header.strip())
