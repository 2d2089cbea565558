"""Every Redis key the alert service uses, in one place (docs/alert.md lists them with their types).

Keys are plain and unprefixed by tenant: one Redis database per deployment. Lua scripts touch keys
beyond their declared KEYS (articles and leases named from ids), so this layout needs a single Redis,
not Redis Cluster.
"""

from __future__ import annotations

__all__ = [
    "ARTICLES_BY_TIME",
    "ARTICLE_PREFIX",
    "LEASE_PREFIX",
    "OUTBOX",
    "USERS_ALL",
    "USERS_DEACTIVATED",
    "WATCHLISTS_ALL",
    "WATCHLISTS_CHANGES",
    "WATCHLISTS_VERSION",
    "alert",
    "api_key",
    "article",
    "copies",
    "deliveries",
    "lease",
    "notification",
    "outbox_item",
    "outbox_member",
    "user",
    "user_alerts",
    "user_keys",
    "user_keys_used",
    "user_watchlists",
    "watchlist",
]

ARTICLE_PREFIX = "article:"
ARTICLES_BY_TIME = "articles:by_published"  # zset: article id → published time (epoch s)
USERS_ALL = "users:all"  # zset: user id → created time (epoch ms), what GET /users lists
USERS_DEACTIVATED = "users:deactivated"  # set of user ids: their keys fail, their watchlists never match
WATCHLISTS_ALL = "watchlists:all"  # set of every watchlist id (what the matcher index loads)
WATCHLISTS_VERSION = "watchlists:version"  # counter, INCR on every watchlist change
WATCHLISTS_CHANGES = "watchlists:changes"  # stream: one entry {id} per change, for incremental index updates
OUTBOX = "outbox"  # zset: "<alert id>:<channel id>" → next attempt time (epoch ms)
LEASE_PREFIX = "outbox:lease:"


def article(article_id: str) -> str:
    return f"{ARTICLE_PREFIX}{article_id}"


def user(user_id: str) -> str:
    return f"user:{user_id}"


def api_key(key_sha256: str) -> str:
    return f"apikey:{key_sha256}"


def user_keys(user_id: str) -> str:
    """Hash: key id → key record JSON (name, shown prefix, created time, SHA-256)."""
    return f"user:{user_id}:keys"


def user_keys_used(user_id: str) -> str:
    """Hash: key id → last use (ISO time), kept apart so a use never rewrites the record."""
    return f"user:{user_id}:keys:used"


def watchlist(watchlist_id: str) -> str:
    return f"watchlist:{watchlist_id}"


def user_watchlists(user_id: str) -> str:
    return f"user:{user_id}:watchlists"


def user_alerts(user_id: str) -> str:
    return f"user:{user_id}:alerts"


def alert(alert_id: str) -> str:
    return f"alert:{alert_id}"


def deliveries(alert_id: str) -> str:
    return f"alert:{alert_id}:deliveries"


def copies(alert_id: str) -> str:
    """Set: the article ids of the story copies an alert has counted (a redelivered one changes nothing)."""
    return f"alert:{alert_id}:copies"


def notification(notification_id: str) -> str:
    """String: the AlertEvent JSON as its notification ``<alert id>`` or ``<alert id>-<n>`` sends it."""
    return f"notification:{notification_id}"


def outbox_member(alert_id: str, channel_id: str) -> str:
    return f"{alert_id}:{channel_id}"


def outbox_item(member: str) -> str:
    return f"outbox:item:{member}"


def lease(member: str) -> str:
    return f"{LEASE_PREFIX}{member}"


# -- delivery: digests, live streams, rate limits (see docs/alert.md, "Alerts and delivery") ----------

__all__ += [
    "digest",
    "digest_alerts",
    "digest_closed",
    "digest_deliveries",
    "rate_destination",
    "rate_user",
    "user_stream",
]


def digest(digest_id: str) -> str:
    return f"digest:{digest_id}"  # string: DigestInfo JSON


def digest_alerts(digest_id: str) -> str:
    return f"digest:{digest_id}:alerts"  # zset: alert id → created time (epoch ms)


def digest_closed(digest_id: str) -> str:
    return f"digest:{digest_id}:closed"  # string flag: the digest is being sent; later alerts go alone


def digest_deliveries(digest_id: str) -> str:
    return f"digest:{digest_id}:deliveries"  # hash: channel id → DeliveryState JSON


def user_stream(user_id: str) -> str:
    return f"user:{user_id}:stream"  # stream: the user's alerts, for GET /alerts/stream


def rate_user(user_id: str) -> str:
    return f"ratelimit:user:{user_id}"  # string: GCRA theoretical arrival time (epoch ms)


def rate_destination(destination_key: str) -> str:
    return f"ratelimit:dest:{destination_key}"  # string: GCRA theoretical arrival time (epoch ms)


# -- dead letters: deliveries given up on, kept for redrive (docs/alert.md, "Dead letters") ------------

__all__ += ["DEAD_LETTER", "DEAD_LETTER_UNOWNED", "DEAD_ENTRY_PREFIX", "dead_entry", "user_dead_letter"]

DEAD_LETTER = "deadletter"  # zset: entry id (the outbox member) → died (epoch ms), every owner
DEAD_LETTER_UNOWNED = "deadletter:unowned"  # zset: as above, entries whose owner could not be read
DEAD_ENTRY_PREFIX = "deadletter:entry:"


def dead_entry(member: str) -> str:
    """Hash: ``record`` (DeadDelivery JSON), ``item`` (the outbox item as stored), ``redriven_at``."""
    return f"{DEAD_ENTRY_PREFIX}{member}"


def user_dead_letter(user_id: str) -> str:
    return f"user:{user_id}:deadletter"  # zset: the user's dead entry ids → died (epoch ms)


# -- e-mail consent: double opt-in per (user, address) (docs/alert.md, "E-mail consent") ---------------

__all__ += ["consent", "consent_token", "rate_confirm"]


def consent(consent_id: str) -> str:
    """Hash: address, user_id, status, token, requested/confirmed/unsubscribed times, and ``confirm``
    (the confirmation mail's DeliveryState JSON). ``consent_id`` = stable_id("consent", user, address)."""
    return f"email:consent:{consent_id}"


def consent_token(token_sha256: str) -> str:
    return f"email:token:{token_sha256}"  # string: the consent id the link's token stands for


def rate_confirm(address_key: str) -> str:
    return f"ratelimit:confirm:{address_key}"  # string: GCRA TAT (epoch ms) of confirmation mails
