"""API keys as values: how they are made, hashed, named and shown (pure; the stores hold the state).

A key is ``nw_`` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored. A fast hash
is right here, unlike for passwords: a slow KDF protects low-entropy secrets from guessing, but 2²⁵⁶
random keys cannot be guessed however fast the hash, and a fast hash lets every request be checked
against Redis without a per-replica cache (so a revoked key fails at once everywhere).

A key's id is the first 16 hex digits of that hash, so authentication learns which key was used from
the one lookup it already makes; 64 bits of a hash reveal nothing usable about a 256-bit key.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

__all__ = ["KEY_PREFIX", "SHOWN_CHARS", "TouchThrottle", "hash_key", "key_id", "new_api_key", "shown_prefix"]

KEY_PREFIX = "nw_"  # lets secret scanners and humans recognise a leaked newswatch key
SHOWN_CHARS = 10  # "nw_" + 7 characters: enough to tell keys apart, far too few to guess the rest
_ID_HEX = 16


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(api_key: str) -> str:
    """Hex SHA-256 of the key: what Redis stores and looks up."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def key_id(key_sha256: str) -> str:
    """The public id of the key with this hash."""
    return key_sha256[:_ID_HEX]


def shown_prefix(api_key: str) -> str:
    """The start of the key, listed by GET /keys so a user can tell which key is which."""
    return api_key[:SHOWN_CHARS]


class TouchThrottle:
    """Says when a key's ``last_used_at`` is worth writing: at most once per ``every_s`` per key.

    Writing on every request would turn each read into a Redis write; a minute's precision is all a
    user needs to spot a key that is still in use. The memory is bounded: when ``max_keys`` keys are
    remembered, the oldest half is forgotten (those keys are simply written again on next use).
    """

    def __init__(
        self, every_s: float = 60.0, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000
    ) -> None:
        self._every_s = every_s
        self._clock = clock
        self._max_keys = max_keys
        self._last: dict[str, float] = {}

    def due(self, key: str) -> bool:
        """True (and remembered as written now) when ``key`` has not been written for ``every_s``."""
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._every_s:
            return False
        if last is None and len(self._last) >= self._max_keys:
            for old in sorted(self._last, key=self._last.__getitem__)[: self._max_keys // 2]:
                del self._last[old]
        self._last[key] = now
        return True

    def forget(self, key: str) -> None:
        """Write ``key`` on its next use (after a failed write, say)."""
        self._last.pop(key, None)
