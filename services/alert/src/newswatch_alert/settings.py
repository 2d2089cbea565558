"""Settings of the alert service (env prefix ``NEWSWATCH_``; service fields start with ``alert_``)."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Literal, cast, get_args

from pydantic import Field, SecretStr, field_validator, model_validator

from newswatch_shared.settings import ServiceSettings, check_admin_token

__all__ = ["ROLES", "AlertSettings", "Role"]

#: What one alert process can run; see ``roles`` and docs/architecture.md.
Role = Literal["api", "match", "deliver"]
ROLES: tuple[Role, ...] = get_args(Role)


class AlertSettings(ServiceSettings):
    """Built once in ``main`` and passed down. ``NEWSWATCH_ADMIN_TOKEN`` is required where the api role
    runs (it guards the admin endpoints); a match or deliver process is not given a secret it never uses."""

    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for admin endpoints; required by the api role."
    )

    alert_port: int = Field(
        default=8000,
        ge=1,
        le=65535,
        description="Port of the HTTP server: the user-facing API (api role) and /health, /ready, /metrics.",
    )
    alert_roles: str = Field(
        default="api,match,deliver",
        description="Roles this process runs, comma-separated: `api` (users, watchlists, live feed API, "
        "streams, dashboard), `match` (the articles.enriched consumer group: matching, alert creation), "
        "`deliver` (the outbox workers). Each can run in processes of its own and scale apart.",
    )
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
        default=8,
        ge=1,
        description="Attempts per channel (webhook, Slack, e-mail) before a delivery is dead.",
    )
    alert_backoff_base_s: float = Field(
        default=2.0, gt=0, description="Delay before the second attempt; doubles per attempt (jittered)."
    )
    alert_backoff_cap_s: float = Field(default=600.0, gt=0, description="Longest delay between attempts.")
    alert_webhook_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Timeout of one delivery: a whole webhook or Slack POST, a whole SMTP conversation.",
    )
    alert_delivery_poll_s: float = Field(default=0.2, gt=0, description="How often the outbox is polled.")
    alert_delivery_lease_s: float = Field(
        default=60.0,
        gt=0,
        description="How long a replica owns an outbox entry it is sending; must exceed the webhook timeout "
        "by 5 s.",
    )
    alert_delivery_concurrency: int = Field(
        default=16, ge=1, description="Deliveries (webhook, Slack, e-mail) in flight at once per replica."
    )
    alert_delivery_per_destination: int = Field(
        default=4,
        ge=1,
        description="Deliveries in flight at once to one destination (URL or recipients) per replica, so a "
        "slow or dead receiver cannot take every slot; more wait their turn, unattempted.",
    )
    alert_slack_hosts: str = Field(
        default="hooks.slack.com,hooks.slack-gov.com",
        description="Hosts a Slack channel's URL may be on (comma-separated): Slack's incoming-webhook "
        "hosts. Another host is a 422 when the watchlist is saved, and a delivery that is never sent.",
    )
    # -- e-mail (SMTP) ---------------------------------------------------------------------------------
    alert_smtp_host: str | None = Field(
        default=None, description="SMTP server for e-mail channels; unset means e-mail deliveries fail."
    )
    alert_smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port.")
    alert_smtp_username: str | None = Field(default=None, description="SMTP login; unset: no AUTH.")
    alert_smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    alert_smtp_starttls: bool = Field(
        default=True, description="Require STARTTLS before sending (turn off only for a local relay)."
    )
    alert_smtp_from: str = Field(
        default="newswatch <alerts@newswatch.invalid>",
        description="From header of alert e-mails; its domain also names the Message-IDs.",
    )
    alert_public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s?#]+(/[^\s?#]*)?$",
        description="Public base URL of the api role (e.g. https://newswatch.example.org): e-mails link "
        "to its /email/confirm and /email/unsubscribe. Required where the deliver role sends e-mail.",
    )
    alert_email_confirm_interval_s: float = Field(
        default=86400.0,
        ge=60,
        description="At most one confirmation mail per address in this time (all users together); an "
        "unanswered request is asked again, on the next save of a watchlist naming it, only after it.",
    )
    # -- rate limits, digests ---------------------------------------------------------------------------
    alert_rate_channel_per_minute: int = Field(
        default=60,
        ge=0,
        description="Deliveries per minute to one destination (URL or recipients), bursts of as many; more "
        "wait, none is dropped. 0: no limit.",
    )
    alert_rate_user_per_minute: int = Field(
        default=300,
        ge=0,
        description="Deliveries per minute for one user over all channels, bursts of as many; more wait. "
        "0: no limit.",
    )
    alert_rate_max_wait_s: float = Field(
        default=3 * 3600.0,
        ge=60,
        description="Longest a delivery waits for a rate-limit slot; one whose slot is further away ends "
        "`dead` (a dead letter, to redrive) without taking the slot.",
    )
    alert_dead_letter_ttl_s: int = Field(
        default=30 * 86400,
        ge=3600,
        description="Seconds a dead delivery is kept for GET /deliveries/dead and redrive.",
    )
    alert_dead_letter_per_user: int = Field(
        default=1000,
        ge=10,
        description="Dead deliveries kept per user (the oldest go first); entries that no longer parse "
        "count as one more owner.",
    )
    alert_digest_grace_s: float = Field(
        default=30.0,
        ge=0,
        description="Seconds after a digest period ends before it is sent, so alerts of its last moments "
        "join.",
    )
    alert_digest_max_items: int = Field(
        default=50, ge=1, description="Alerts listed in one digest message (the total is always given)."
    )
    # -- live stream ------------------------------------------------------------------------------------
    alert_stream_maxlen: int = Field(
        default=1000,
        ge=10,
        description="Newest alerts kept in each user's stream for resuming (approximate).",
    )
    alert_stream_heartbeat_s: float = Field(
        default=15.0, gt=0, description="Seconds between heartbeat comments on GET /alerts/stream."
    )
    alert_stream_send_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="A stream client that takes no data for this long is dropped (it resumes with "
        "Last-Event-ID).",
    )
    alert_stream_max_connections: int = Field(
        default=500, ge=1, description="Open GET /alerts/stream connections per replica (more get 503)."
    )
    alert_stream_per_user: int = Field(
        default=5,
        ge=1,
        description="Open GET /alerts/stream connections per user per replica (more get 429).",
    )
    alert_watchlist_refresh_s: float = Field(
        default=0.25, gt=0, description="How often the watchlist index checks `watchlists:version`."
    )
    alert_enrich_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+",
        description="Base URL of the enrich service; POST /watchlists/test sends a `text` to its /tag. "
        "Unset: a text is matched on its words only.",
    )
    # -- live feed API and trends (GET /articles, /articles/stream, /trends) -----------------------------
    alert_feed_stream_maxlen: int = Field(
        default=10000, ge=100, description="Newest article ids kept in the article stream for resuming."
    )
    alert_feed_scan_limit: int = Field(
        default=20000,
        ge=100,
        description="Index entries one GET /articles page may examine; past it the page ends early "
        "with a cursor.",
    )
    alert_feed_text_scan_limit: int = Field(
        default=2000,
        ge=50,
        description="Articles one GET /articles page may read to apply the free-text `q` filter.",
    )
    alert_feed_client_queue: int = Field(
        default=500,
        ge=1,
        description="Articles queued for one GET /articles/stream client; one that falls further "
        "behind is disconnected (it resumes with Last-Event-ID).",
    )
    alert_feed_stream_max_connections: int = Field(
        default=1000, ge=1, description="Open GET /articles/stream connections per replica (more get 503)."
    )
    alert_feed_stream_per_client: int = Field(
        default=10,
        ge=1,
        description="Open GET /articles/stream connections per client address per replica (more get 429).",
    )
    alert_feed_replay_max: int = Field(
        default=500,
        ge=10,
        description="Most stream entries one GET /articles/stream replays after Last-Event-ID; a client "
        "further behind gets a `gap` event and the newest ones (GET /articles pages through the rest).",
    )
    alert_feed_heartbeat_s: float = Field(
        default=15.0, gt=0, description="Seconds between heartbeat comments on an idle GET /articles/stream."
    )
    alert_feed_send_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="A GET /articles/stream client that takes no data for this long is dropped.",
    )
    alert_trend_retention_days: int = Field(
        default=90, ge=1, description="Days hourly and daily trend buckets are kept (5-minute ones: 3 days)."
    )

    @field_validator("alert_slack_hosts")
    @classmethod
    def _hosts(cls, value: str) -> str:
        hosts = [h.strip().lower().rstrip(".") for h in value.split(",") if h.strip()]
        if not hosts:
            raise ValueError("name at least one host (Slack's is hooks.slack.com)")
        return ",".join(hosts)

    @property
    def slack_hosts(self) -> frozenset[str]:
        return frozenset(self.alert_slack_hosts.split(","))

    @field_validator("alert_roles")
    @classmethod
    def _known_roles(cls, value: str) -> str:
        names = {name.strip().lower() for name in value.split(",") if name.strip()}
        unknown = sorted(names - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}")
        if not names:
            raise ValueError(f"name at least one role of {', '.join(ROLES)}")
        return ",".join(role for role in ROLES if role in names)

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles of ``alert_roles``, in start order (api, match, deliver), each once."""
        return tuple(cast(Role, name) for name in self.alert_roles.split(","))

    @model_validator(mode="after")
    def _admin_token_where_needed(self) -> AlertSettings:
        if self.admin_token is not None:
            check_admin_token(self.admin_token)
        elif "api" in self.roles:
            raise ValueError(
                "NEWSWATCH_ADMIN_TOKEN is required where the api role runs (16+ characters, no placeholder)"
            )
        return self

    @model_validator(mode="after")
    def _delivery_is_consistent(self) -> AlertSettings:
        # A lease shorter than a request would let a second replica send while the first still waits.
        if self.alert_delivery_lease_s < self.alert_webhook_timeout_s + 5:
            raise ValueError("NEWSWATCH_ALERT_DELIVERY_LEASE_S must exceed the webhook timeout by 5 s")
        if self.alert_smtp_host and "deliver" in self.roles and not self.alert_public_url:
            raise ValueError(
                "NEWSWATCH_ALERT_PUBLIC_URL is required to send e-mail: every mail links to the api role "
                "(to confirm the address, to unsubscribe)"
            )
        if "@" not in parseaddr(self.alert_smtp_from)[1]:
            raise ValueError("NEWSWATCH_ALERT_SMTP_FROM must hold an address (name <local@domain>)")
        if self.alert_backoff_cap_s < self.alert_backoff_base_s:
            raise ValueError("NEWSWATCH_ALERT_BACKOFF_CAP_S must not be below NEWSWATCH_ALERT_BACKOFF_BASE_S")
        return self
