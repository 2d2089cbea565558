"""What delivery stores: one channel's delivery state, and the outbox entry that drives it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from newswatch_alert.delivery.channels import AnyChannel, Channel, ChannelType, WebhookChannel
from newswatch_shared.schemas import UtcDatetime

__all__ = ["DeliveryState", "DeliveryStatus", "OutboxItem", "notification_id"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def notification_id(alert_id: str, n: int) -> str:
    """The idempotency key of an alert's n-th notification: the alert id for the first (as before
    stories), ``<alert id>-<n>`` after it. Receivers drop a repeat by it; a later notification of the
    same story is a new key, so it is not mistaken for a repeat."""
    return alert_id if n <= 1 else f"{alert_id}-{n}"


DeliveryStatus = Literal["pending", "delivered", "failed", "dead", "unconfirmed"]


class DeliveryState(_Frozen):
    """One channel's delivery of one alert (or of one digest). ``failed`` means "will retry"; ``dead`` is
    final (and kept as a dead letter); ``unconfirmed`` is final too: an e-mail channel none of whose
    addresses has confirmed it wants this user's alerts. An alert of a digest watchlist carries
    ``digest_id`` and shows its digest's state."""

    channel_id: str
    type: ChannelType = "webhook"
    url: str = Field(
        description="Where it goes: mailto:<recipients>, or the webhook or Slack URL, which the API shows "
        "as its origin and a fingerprint (https://hooks.slack.com/…#1a2b3c4d); GET /watchlists has it whole."
    )
    status: DeliveryStatus = "pending"
    attempts: int = 0
    last_error: str | None = None
    delivered_at: UtcDatetime | None = None
    next_attempt_at: UtcDatetime | None = None
    updated_at: UtcDatetime
    digest_id: str | None = Field(default=None, description="Set when the alert goes out in a digest.")
    rate_limited_until: UtcDatetime | None = Field(
        default=None, description="Held back by a rate limit until then (not an attempt, not dropped)."
    )
    unconfirmed: list[str] = Field(
        default_factory=list,
        description="E-mail only: recipients left out because they have not confirmed (or unsubscribed).",
    )


class OutboxItem(_Frozen):
    """What the delivery worker needs, snapshotted when the entry is made (the watchlist may change).

    Exactly one of ``alert_id``, ``digest_id`` and ``consent_id`` (an e-mail address's confirmation
    request) names what is sent. Entries written before channel types existed have no ``channel``,
    only a webhook's ``url`` and ``secret``.
    """

    alert_id: str = ""
    digest_id: str | None = None
    consent_id: str | None = None
    user_id: str
    channel_id: str
    channel: Channel | None = None
    url: str = ""
    secret: str = ""
    notification: int = Field(
        default=0,
        description="Which notification of the alert this sends; ``alert_id`` is then its idempotency key "
        "(``<alert id>`` or ``<alert id>-<n>``) and its body the snapshot ``notification:<key>``. 0: an "
        "entry made before stories, whose body is the alert itself.",
    )

    def target(self) -> AnyChannel:
        if self.channel is not None:
            return self.channel
        return WebhookChannel(id=self.channel_id, url=self.url, secret=self.secret)

    @property
    def subject_id(self) -> str:
        """The id sent as the idempotency key: the digest's, the confirmation's, else the alert's."""
        return self.digest_id or self.consent_id or self.alert_id
