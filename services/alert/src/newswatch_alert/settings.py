"""Settings of the alert service (env prefix ``NEWSWATCH_``; service fields start with ``alert_``)."""

from __future__ import annotations

from pydantic import Field, model_validator

from newswatch_shared.settings import AdminSettings

__all__ = ["AlertSettings"]


class AlertSettings(AdminSettings):
    """Built once in ``main`` and passed down; ``NEWSWATCH_ADMIN_TOKEN`` is required."""

    alert_port: int = Field(default=8000, ge=1, le=65535, description="Port of the user-facing API.")
    alert_article_retention_count: int = Field(
        default=5000, ge=1, description="Newest articles (by published time) kept for GET /articles."
    )
    alert_article_ttl_s: int = Field(
        default=7 * 86400, ge=60, description="Seconds a stored article lives, whatever the count."
    )
    alert_alert_ttl_s: int = Field(
        default=30 * 86400,
        ge=3600,
        description="Seconds an alert (and its de-duplication mark and delivery status) is kept.",
    )
    alert_alerts_per_user: int = Field(
        default=1000, ge=1, description="Newest alerts kept in each user's GET /alerts list."
    )
    alert_max_watchlists_per_user: int = Field(default=100, ge=1, description="Watchlists one user may own.")
    alert_delivery_max_attempts: int = Field(
        default=8, ge=1, description="Webhook attempts before a delivery is marked dead."
    )
    alert_backoff_base_s: float = Field(
        default=2.0, gt=0, description="Delay before the second attempt; doubles per attempt (jittered)."
    )
    alert_backoff_cap_s: float = Field(default=600.0, gt=0, description="Longest delay between attempts.")
    alert_webhook_timeout_s: float = Field(default=10.0, gt=0, description="Whole-request webhook timeout.")
    alert_delivery_poll_s: float = Field(default=0.2, gt=0, description="How often the outbox is polled.")
    alert_delivery_lease_s: float = Field(
        default=60.0,
        gt=0,
        description="How long a replica owns an outbox entry it is sending; must exceed the webhook timeout.",
    )
    alert_delivery_concurrency: int = Field(
        default=16, ge=1, description="Webhook requests in flight at once per replica."
    )
    alert_watchlist_refresh_s: float = Field(
        default=0.25, gt=0, description="How often the watchlist index checks `watchlists:version`."
    )

    @model_validator(mode="after")
    def _delivery_is_consistent(self) -> AlertSettings:
        # A lease shorter than a request would let a second replica send while the first still waits.
        if self.alert_delivery_lease_s < self.alert_webhook_timeout_s + 5:
            raise ValueError("NEWSWATCH_ALERT_DELIVERY_LEASE_S must exceed the webhook timeout by 5 s")
        if self.alert_backoff_cap_s < self.alert_backoff_base_s:
            raise ValueError("NEWSWATCH_ALERT_BACKOFF_CAP_S must not be below NEWSWATCH_ALERT_BACKOFF_BASE_S")
        return self
