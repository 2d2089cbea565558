"""The settings turned into the objects the roles run, each in one place (several roles build some)."""

from __future__ import annotations

import hashlib
import hmac

import httpx
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.alerts.stream import AlertStreams
from newswatch_alert.delivery.consent import ConsentStore
from newswatch_alert.delivery.destinations import DestinationRules
from newswatch_alert.delivery.email import SmtpConfig
from newswatch_alert.delivery.mailer import Mailer
from newswatch_alert.delivery.outbox import DeadLetterLimits, Outbox
from newswatch_alert.delivery.policy import RetryPolicy
from newswatch_alert.delivery.ratelimit import RateLimiter
from newswatch_alert.delivery.redrive import DeadLetters
from newswatch_alert.delivery.senders import Senders
from newswatch_alert.delivery.worker import Deliverer
from newswatch_alert.live.articles import ArticleStore
from newswatch_alert.live.feed import LiveConfig, LiveFeed
from newswatch_alert.settings import AlertSettings
from newswatch_shared.concepts import ConceptScheme, load_scheme

__all__ = [
    "alert_store",
    "alert_streams",
    "article_store",
    "concept_scheme",
    "consent_store",
    "dead_letters",
    "deliverer",
    "destination_rules",
    "live_feed",
    "mailer",
    "outbox",
]


def concept_scheme(settings: AlertSettings) -> ConceptScheme:
    """The scheme enrich tags with (give both services the same ``NEWSWATCH_TAXONOMY_PATH``); loaded and
    checked once per process, so a broken taxonomy stops the service at start-up, not at a request."""
    return load_scheme(settings.taxonomy_path)


def article_store(settings: AlertSettings, redis: Redis) -> ArticleStore:
    return ArticleStore(redis, settings.alert_article_retention_count, settings.alert_article_ttl_s)


def alert_store(settings: AlertSettings, redis: Redis) -> AlertStore:
    return AlertStore(
        redis,
        settings.alert_alert_ttl_s,
        settings.alert_alerts_per_user,
        stream_maxlen=settings.alert_stream_maxlen,
        digest_grace_s=settings.alert_digest_grace_s,
    )


def live_feed(settings: AlertSettings, redis: Redis) -> LiveFeed:
    return LiveFeed.build(
        redis,
        LiveConfig(
            keep=settings.alert_article_retention_count,
            ttl_s=settings.alert_article_ttl_s,
            stream_maxlen=settings.alert_feed_stream_maxlen,
            scan_limit=settings.alert_feed_scan_limit,
            text_scan_limit=settings.alert_feed_text_scan_limit,
            client_queue=settings.alert_feed_client_queue,
            heartbeat_s=settings.alert_feed_heartbeat_s,
            send_timeout_s=settings.alert_feed_send_timeout_s,
            trend_retention_days=settings.alert_trend_retention_days,
            stream_max_connections=settings.alert_feed_stream_max_connections,
            stream_per_client=settings.alert_feed_stream_per_client,
            replay_max=settings.alert_feed_replay_max,
            cursor_key=_cursor_key(settings),
        ),
    )


def _cursor_key(settings: AlertSettings) -> bytes:
    """Derived from the admin token: the same on every api replica, secret, and never the token itself."""
    if settings.admin_token is None:
        return b""  # a process without the api role serves no cursors
    token = settings.admin_token.get_secret_value().encode()
    return hmac.new(token, b"newswatch: GET /articles cursors", hashlib.sha256).digest()


def alert_streams(settings: AlertSettings) -> AlertStreams:
    """The live alert streams, on a Redis pool of their own: each open stream holds a connection."""
    redis = Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_connect_timeout=5,
        health_check_interval=30,
        max_connections=settings.alert_stream_max_connections + 1,
    )
    return AlertStreams(
        redis,
        heartbeat_s=settings.alert_stream_heartbeat_s,
        send_timeout_s=settings.alert_stream_send_timeout_s,
        max_connections=settings.alert_stream_max_connections,
        per_user=settings.alert_stream_per_user,
    )


def outbox(settings: AlertSettings, redis: Redis) -> Outbox:
    return Outbox(
        redis,
        int(settings.alert_delivery_lease_s * 1000),
        ttl_s=settings.alert_alert_ttl_s,
        digest_max_items=settings.alert_digest_max_items,
        dead_letters=DeadLetterLimits(settings.alert_dead_letter_ttl_s, settings.alert_dead_letter_per_user),
    )


def dead_letters(settings: AlertSettings, redis: Redis) -> DeadLetters:
    return DeadLetters(redis, settings.alert_dead_letter_ttl_s, settings.alert_alert_ttl_s)


def consent_store(settings: AlertSettings, redis: Redis) -> ConsentStore:
    return ConsentStore(
        redis, ask_again_s=settings.alert_email_confirm_interval_s, item_ttl_s=settings.alert_alert_ttl_s
    )


def mailer(settings: AlertSettings, redis: Redis) -> Mailer | None:
    """E-mail sending, or None without an SMTP host (e-mail deliveries then fail with a clear error)."""
    if not settings.alert_smtp_host:
        return None
    assert settings.alert_public_url is not None  # the settings refuse SMTP without it where deliver runs
    password = settings.alert_smtp_password
    smtp = SmtpConfig(
        host=settings.alert_smtp_host,
        port=settings.alert_smtp_port,
        sender=settings.alert_smtp_from,
        username=settings.alert_smtp_username,
        password=password.get_secret_value() if password else None,
        starttls=settings.alert_smtp_starttls,
    )
    return Mailer(
        smtp, settings.alert_public_url, consent_store(settings, redis), settings.alert_webhook_timeout_s
    )


def deliverer(settings: AlertSettings, redis: Redis, http: httpx.AsyncClient) -> Deliverer:
    return Deliverer(
        outbox(settings, redis),
        Senders(
            http, mailer(settings, redis), settings.alert_webhook_timeout_s, slack_hosts=settings.slack_hosts
        ),
        RetryPolicy(
            max_attempts=settings.alert_delivery_max_attempts,
            base_s=settings.alert_backoff_base_s,
            cap_s=settings.alert_backoff_cap_s,
        ),
        poll_s=settings.alert_delivery_poll_s,
        concurrency=settings.alert_delivery_concurrency,
        per_destination=settings.alert_delivery_per_destination,
        limiter=RateLimiter(
            redis,
            per_user_per_minute=settings.alert_rate_user_per_minute,
            per_destination_per_minute=settings.alert_rate_channel_per_minute,
            max_wait_ms=int(settings.alert_rate_max_wait_s * 1000),
            confirm_interval_ms=int(settings.alert_email_confirm_interval_s * 1000),
        ),
    )


def destination_rules(settings: AlertSettings) -> DestinationRules:
    """What webhook and Slack URLs may be, checked when watchlists are saved."""
    return DestinationRules(settings.egress_policy(), settings.slack_hosts)
