"""Prometheus metrics of the alert service, defined once per process (tests build several apps)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ALERTS_CREATED",
    "NOTIFICATIONS",
    "DELIVERIES",
    "DEAD_LETTERS",
    "DEAD_LETTER_ENTRIES",
    "DELIVERIES_DEFERRED",
    "DELIVERIES_HELD",
    "DELIVERIES_REDRIVEN",
    "DELIVERY_LATENCY",
    "DELIVERY_SECONDS",
    "EMAIL_CONSENT",
    "STREAM_CONNECTIONS",
    "STREAM_DROPPED",
    "STREAM_EVENTS",
    "WATCHLIST_RELOADS",
]

ALERTS_CREATED = Counter("newswatch_alert_alerts_created_total", "Alerts created (first match only).")
NOTIFICATIONS = Counter(
    "newswatch_alert_notifications_total",
    "Notifications queued for an alert's channels, by reason: first, every, escalation, corroborated.",
    ["reason"],
)
DELIVERIES = Counter(
    "newswatch_alert_deliveries_total",
    "Delivery attempts by channel type (webhook, slack, email) and outcome: delivered, failed (will "
    "retry), dead (gave up); and e-mail deliveries not attempted because no address confirmed (unconfirmed).",
    ["channel", "outcome"],
)
DELIVERIES_HELD = Counter(
    "newswatch_alert_deliveries_held_total",
    "Deliveries put back unattempted because their destination had the most in flight already "
    "(NEWSWATCH_ALERT_DELIVERY_PER_DESTINATION): a slow receiver, kept from taking every slot.",
)
DELIVERIES_DEFERRED = Counter(
    "newswatch_alert_deliveries_deferred_total",
    "Deliveries held back by a rate limit (rescheduled, not attempted), by channel type.",
    ["channel"],
)
DEAD_LETTERS = Counter(
    "newswatch_alert_deliveries_dead_lettered_total",
    "Deliveries given up on and kept as dead letters, by channel type (unknown: unparsable) and reason: "
    "attempts (the last one failed), rate_wait (a rate limit would hold it too long), unparsable.",
    ["channel", "reason"],
)
DEAD_LETTER_ENTRIES = Gauge(
    "newswatch_alert_dead_letter_entries",
    "Dead letters kept (all users, not yet redriven), as this replica's delivery worker last counted them "
    "(every 15 s); replicas report the same number, so take the max.",
)
DELIVERIES_REDRIVEN = Counter(
    "newswatch_alert_deliveries_redriven_total",
    "Dead deliveries put back in the outbox by a redrive (user or admin), by channel type.",
    ["channel"],
)
EMAIL_CONSENT = Counter(
    "newswatch_alert_email_consent_total",
    "E-mail consent events: requested (a confirmation mail queued), confirmed, unsubscribed.",
    ["event"],
)
WATCHLIST_RELOADS = Counter(
    "newswatch_alert_watchlist_reloads_total", "Times the in-memory watchlist index was rebuilt."
)
DELIVERY_SECONDS = Histogram(
    "newswatch_alert_delivery_seconds",
    "Duration of one delivery attempt (POST or SMTP exchange), success or not, by channel type.",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DELIVERY_LATENCY = Histogram(
    "newswatch_alert_delivery_latency_seconds",
    "From the alert's creation (a digest's period end) to its successful delivery, by channel type.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
STREAM_CONNECTIONS = Gauge("newswatch_alert_stream_connections", "Open GET /alerts/stream connections.")
STREAM_EVENTS = Counter("newswatch_alert_stream_events_total", "Alerts sent on GET /alerts/stream.")
STREAM_DROPPED = Counter(
    "newswatch_alert_stream_dropped_total",
    "Stream connections refused or ended by the server: too_many (limit), slow (client did not read).",
    ["reason"],
)
