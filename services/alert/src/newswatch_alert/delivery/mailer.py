"""E-mail deliveries: an alert or digest to each confirmed recipient, and the confirmation requests.

The messages are made in ``email`` (pure) with the links of ``consent``; this module sends them with
the deployment's SMTP settings. An alert goes to each confirmed recipient as a message of its own
(each has its own unsubscribe link). The server taking it for at least one recipient counts as
delivered: resending would repeat it to those who have it, as before when one message named them
all; only when every recipient failed is the attempt a failure (the last error is reported).
"""

from __future__ import annotations

from dataclasses import dataclass

from newswatch_alert.delivery import email
from newswatch_alert.delivery.claimed import Claimed
from newswatch_alert.delivery.consent import ConsentStore, Recipients, confirm_link, unsubscribe_link

__all__ = ["Mailer"]


@dataclass(frozen=True)
class Mailer:
    smtp: email.SmtpConfig
    public_url: str  # the api role's public base URL: the links in mails point there
    consents: ConsentStore
    timeout_s: float

    async def send(self, entry: Claimed, recipients: Recipients) -> str | None:
        """Send an alert or digest entry to ``recipients.confirmed``; None when the server took it."""
        sender, errors, sent = self.smtp.sender, [], 0
        for address, token in recipients.confirmed.items():
            unsubscribe = unsubscribe_link(self.public_url, token)
            if entry.digest is not None:
                message = email.digest_message(entry.digest, sender, address, unsubscribe)
            else:
                alert = entry.alert()
                assert alert is not None  # the worker sends only sendable entries
                message = email.alert_message(alert, sender, address, unsubscribe)
            try:
                await email.send(message, self.smtp, self.timeout_s)
                sent += 1
            except email.SendFailed as e:
                errors.append(str(e))
        if sent or not errors:
            return None
        return errors[-1]

    async def confirm(self, entry: Claimed) -> str | None:
        """Send a confirmation entry's one request; None when the server took it."""
        consent = entry.consent
        assert consent is not None and consent.requested_at is not None
        message = email.confirmation_message(
            consent.id,
            consent.requested_at,
            self.smtp.sender,
            consent.address,
            confirm_link(self.public_url, consent.token),
            unsubscribe_link(self.public_url, consent.token),
        )
        try:
            await email.send(message, self.smtp, self.timeout_s)
        except email.SendFailed as e:
            return str(e)
        return None
