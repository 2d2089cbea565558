"""Webhook requests: the signed JSON POST a receiver gets for an alert or a digest (pure).

An alert's body is the stored ``AlertEvent`` JSON, byte for byte; a digest's is its ``DigestEvent``
(``"type": "digest"``). Both are signed over the attempt's timestamp and the exact bytes sent (see
``signing``), and carry the idempotency key, the alert or digest id, which stays the same on every
retry and after a restart while the timestamp and signature are made afresh for each attempt. A story
notified again is a new key (``<alert id>-<n>``); ``X-Newswatch-Alert-Id`` stays the alert's id.
"""

from __future__ import annotations

from newswatch_alert.delivery.digest import DigestEvent
from newswatch_alert.delivery.signing import signature_headers
from newswatch_shared.schemas import AlertEvent

__all__ = ["USER_AGENT", "digest_body", "headers"]

USER_AGENT = "newswatch-alert/0.1 (+webhook)"


def digest_body(digest: DigestEvent) -> bytes:
    return digest.model_dump_json().encode("utf-8")


def headers(
    secret: str,
    body: bytes,
    subject_id: str,
    *,
    digest: bool,
    timestamp: int,
    alert: AlertEvent | None = None,
) -> dict[str, str]:
    """Headers of one POST at ``timestamp`` (unix seconds of the attempt); ``subject_id`` is the
    idempotency key: the alert's notification key (``<alert id>`` or ``<alert id>-<n>``), or the digest
    id for a digest. ``alert`` (the payload) names the alert and its notification number."""
    found = {
        "Content-Type": "application/json",
        **signature_headers(secret, body, timestamp),
        "Idempotency-Key": subject_id,
        "X-Newswatch-Event": "digest" if digest else "alert",
        ("X-Newswatch-Digest-Id" if digest else "X-Newswatch-Alert-Id"): subject_id,
    }
    if alert is not None and not digest:
        found["X-Newswatch-Alert-Id"] = alert.id
        found["X-Newswatch-Notification"] = str(max(1, alert.notification))
    return found
