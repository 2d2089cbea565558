"""Stable identifiers.

Every effect in newswatch is keyed by an id derived from its inputs, so a redelivered message
produces the same id and the effect (publish, alert, delivery) can be de-duplicated.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["new_id", "stable_id"]


def stable_id(*parts: str, length: int = 24) -> str:
    """Hash the parts (order matters) into a short hex id; the same parts always give the same id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def new_id(length: int = 16) -> str:
    """A random id for things that are created, not derived (users, watchlists)."""
    return secrets.token_hex(length // 2)
