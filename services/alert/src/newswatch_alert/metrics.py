"""Prometheus metrics of the alert service, defined once per process (tests build several apps)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["ALERTS_CREATED", "DELIVERIES", "WATCHLIST_RELOADS", "WEBHOOK_SECONDS"]

ALERTS_CREATED = Counter("newswatch_alert_alerts_created_total", "Alerts created (first match only).")
DELIVERIES = Counter(
    "newswatch_alert_deliveries_total",
    "Webhook delivery attempts by outcome: delivered, failed (will retry), dead (gave up).",
    ["outcome"],
)
WATCHLIST_RELOADS = Counter(
    "newswatch_alert_watchlist_reloads_total", "Times the in-memory watchlist index was rebuilt."
)
WEBHOOK_SECONDS = Histogram(
    "newswatch_alert_webhook_request_seconds",
    "Duration of one webhook POST, success or not.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
