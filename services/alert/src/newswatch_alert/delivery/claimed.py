"""A claimed outbox entry: what the worker holds the lease on, parsed once, or why it could not be.

Everything the outbox stored for an entry is parsed when it is claimed (the item, the channel's
state, the alert, the digest, the consent), inside a guard: a piece that no longer parses (a
corrupted value, a field an older version cannot read) makes the entry ``broken`` with a short
description of the problem, never an exception. The worker then buries such an entry as a dead letter
once and carries on; before, the exception escaped the claim, the worker restarted, and the entry came
back after every lease, for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from newswatch_alert.common import keys
from newswatch_alert.common.redact import redact_text
from newswatch_alert.delivery.channels import destination, destination_key
from newswatch_alert.delivery.consent import Consent
from newswatch_alert.delivery.digest import DigestEvent
from newswatch_alert.delivery.models import DeliveryState, OutboxItem
from newswatch_shared.schemas import AlertEvent

__all__ = ["Claimed", "describe", "subject_keys"]


@dataclass(frozen=True)
class Claimed:
    """One outbox entry this replica holds the lease on, with what sending it needs.

    ``item`` or ``state`` None (and not ``broken``) means the entry outlived what it points at (TTL):
    nothing to send. An alert entry carries the stored alert JSON (sent byte for byte) and its parse;
    a digest entry its digest; a confirmation entry the consent it asks for. ``item_json`` is the item
    as stored, what a dead letter keeps for a redrive.
    """

    member: str
    token: str
    item: OutboxItem | None
    state: DeliveryState | None
    alert_json: str | None = None
    alert_event: AlertEvent | None = None
    digest: DigestEvent | None = None
    consent: Consent | None = None
    item_json: str | None = None
    broken: str | None = None

    @property
    def sendable(self) -> bool:
        return (
            self.broken is None
            and self.item is not None
            and self.state is not None
            and (self.alert_event is not None or self.digest is not None or self.consent is not None)
        )

    def alert(self) -> AlertEvent | None:
        """The alert an alert entry sends."""
        return self.alert_event

    @property
    def deliveries_key(self) -> str:
        return subject_keys(self.member, self.item)[1]

    @property
    def destination_key(self) -> str | None:
        """Where it goes (webhook or Slack URL, or the recipients); None for a broken entry."""
        if self.item is None or self.broken is not None:
            return None
        return destination_key(self.item.target())

    @property
    def created_at(self) -> datetime | None:
        """When the notification it sends was made (None for a digest or a confirmation): the alert's
        creation, or the copy's arrival that made a later (or corroborated) notification."""
        if self.alert_event is None:
            return None
        return self.alert_event.updated_at or self.alert_event.created_at

    def fresh_state(self, now: datetime) -> DeliveryState:
        """A state for an entry whose stored state did not parse, from its item (which did)."""
        assert self.item is not None
        channel = self.item.target()
        return DeliveryState(
            channel_id=self.item.channel_id,
            type=channel.type,
            url=destination(channel),
            digest_id=self.item.digest_id,
            updated_at=now,
        )


def subject_keys(member: str, item: OutboxItem | None) -> tuple[str, str]:
    """(what the entry sends, where its channel's state is) for an entry and its item: the alert and
    its deliveries hash (a story's n-th notification: its snapshot and the deliveries hash named by its
    key), the digest and its deliveries hash, or the consent hash (which holds the confirmation mail's
    state in its ``confirm`` field)."""
    subject = member.split(":", 1)[0]
    if item is not None and item.consent_id:
        return keys.consent(subject), keys.consent(subject)
    if item is not None and item.digest_id:
        return keys.digest(subject), keys.digest_deliveries(subject)
    if item is not None and item.notification:
        return keys.notification(subject), keys.deliveries(subject)
    return keys.alert(subject), keys.deliveries(subject)


def describe(what: str, error: ValueError) -> str:
    """A short description of a parse failure, without the input (which may hold a URL or a token)."""
    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in error.errors()[:3]
        )
    else:
        problems = str(error)
    return redact_text(f"stored {what} does not parse: {problems}")[:300]
