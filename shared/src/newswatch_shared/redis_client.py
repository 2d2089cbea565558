"""The Redis client factory: one client per process, created at start-up and passed down."""

from __future__ import annotations

from redis import exceptions as redis_errors
from redis.asyncio import Redis

__all__ = ["TRANSIENT_REDIS_ERRORS", "make_redis", "redis_ready"]

_READY_PROBE = "newswatch:ready-probe"

#: Redis failures that pass (a restart, a failover, memory freed): retry the work, never dead-letter it.
TRANSIENT_REDIS_ERRORS: tuple[type[Exception], ...] = (
    redis_errors.ConnectionError,  # includes BusyLoadingError (Redis loading its data after a restart)
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,  # a replica promoted while we wrote
    redis_errors.OutOfMemoryError,
    redis_errors.TryAgainError,
)


def make_redis(url: str) -> Redis:
    """A decode-responses client; health checks keep idle pooled connections honest."""
    return Redis.from_url(url, decode_responses=True, health_check_interval=30, socket_connect_timeout=5)


async def redis_ready(client: Redis) -> bool:
    """Redis answers and takes writes. A PING alone says yes while Redis refuses every write for want
    of memory (maxmemory reached with nothing it may evict): then the services retry their work, which
    loses nothing, and /ready must say they cannot make progress."""
    try:
        return bool(await client.set(_READY_PROBE, "1", px=10_000))
    except Exception:
        return False
