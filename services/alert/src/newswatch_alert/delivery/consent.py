"""E-mail consent (double opt-in): a user's alerts reach an address only after the address said yes.

Stub: the model only; the store follows.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from newswatch_shared.schemas import UtcDatetime

__all__ = ["Consent", "ConsentStatus"]

#: As GET /watchlists shows an address: ``unconfirmed`` means no confirmation was ever asked for.
ConsentStatus = Literal["unconfirmed", "pending", "confirmed", "unsubscribed"]


class Consent(BaseModel):
    """One (user, address): stored as the hash ``email:consent:<id>``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    user_id: str
    address: str
    status: Literal["pending", "confirmed", "unsubscribed"]
    token: str
    requested_at: UtcDatetime | None = None
    confirmed_at: UtcDatetime | None = None
    unsubscribed_at: UtcDatetime | None = None
