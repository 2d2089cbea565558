"""WebSub (W3C, formerly PubSubHubbub) rules that need no I/O: signatures, timing, identifiers.

A hub signs each content distribution with the secret we gave it when subscribing:
``X-Hub-Signature: <method>=<hex HMAC of the raw body>``, method one of sha1, sha256, sha384, sha512
(the spec's list; sha1 is still what many hubs send). :func:`verify_signature` accepts exactly those,
compares in constant time, and refuses anything unsigned, malformed or in another method, since every
subscription we make has a secret: an unsigned push is never from our hub.

Callback URLs end in a random id per subscription (:func:`new_callback_id`, 192 bits): the callback
endpoints are public (hubs are not admins), so knowing the service's address must not be enough to
push into, or confirm an unsubscribe of, someone's subscription.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = [
    "ALGORITHMS",
    "callback_url",
    "new_callback_id",
    "new_secret",
    "renew_delay_s",
    "sign",
    "verify_signature",
]

#: The spec's signature methods, by name in the header.
ALGORITHMS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
#: Renew this long before the lease ends at most (half the lease when that is shorter), so a hub that
#: is briefly away on the first try still gets the renewal in time.
RENEW_MARGIN_S = 3_600.0


def new_callback_id() -> str:
    return secrets.token_urlsafe(24)


def new_secret() -> str:
    """A per-subscription HMAC key (the spec allows up to 200 bytes)."""
    return secrets.token_urlsafe(32)


def callback_url(public_url: str, callback_id: str) -> str:
    return f"{public_url.rstrip('/')}/websub/{callback_id}"


def sign(body: bytes, secret: str, method: str = "sha256") -> str:
    """The ``X-Hub-Signature`` value a hub sends for ``body`` (what the tests' hub uses)."""
    return f"{method}=" + hmac.new(secret.encode(), body, ALGORITHMS[method]).hexdigest()


def verify_signature(header: str | None, secret: str, body: bytes) -> bool:
    """True only for a signature in a known method that matches ``body`` under ``secret``."""
    if not header or "=" not in header:
        return False
    method, _, given = header.strip().partition("=")
    digest = ALGORITHMS.get(method.strip().lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def renew_delay_s(lease_s: float) -> float:
    """Seconds after a verified subscription to renew it: before the lease ends by the margin, or
    at half the lease when that is shorter."""
    return max(lease_s - min(RENEW_MARGIN_S, lease_s / 2), 1.0)
