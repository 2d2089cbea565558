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
    "WATCHLISTS_ALL",
    "WATCHLISTS_VERSION",
    "alert",
    "api_key",
    "article",
    "deliveries",
    "lease",
    "outbox_item",
    "outbox_member",
    "user",
    "user_alerts",
    "user_watchlists",
    "watchlist",
]

ARTICLE_PREFIX = "article:"
ARTICLES_BY_TIME = "articles:by_published"  # zset: article id → published time (epoch s)
WATCHLISTS_ALL = "watchlists:all"  # set of every watchlist id (what the matcher index loads)
WATCHLISTS_VERSION = "watchlists:version"  # counter, INCR on every watchlist change
OUTBOX = "outbox"  # zset: "<alert id>:<channel id>" → next attempt time (epoch ms)
LEASE_PREFIX = "outbox:lease:"


def article(article_id: str) -> str:
    return f"{ARTICLE_PREFIX}{article_id}"


def user(user_id: str) -> str:
    return f"user:{user_id}"


def api_key(key_sha256: str) -> str:
    return f"apikey:{key_sha256}"


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


def outbox_member(alert_id: str, channel_id: str) -> str:
    return f"{alert_id}:{channel_id}"


def outbox_item(member: str) -> str:
    return f"outbox:item:{member}"


def lease(member: str) -> str:
    return f"{LEASE_PREFIX}{member}"
