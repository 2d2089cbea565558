"""The Redis client factory: one client per process, created at start-up and passed down."""

from __future__ import annotations

from redis.asyncio import Redis

__all__ = ["make_redis", "redis_ready"]


def make_redis(url: str) -> Redis:
    """A decode-responses client; health checks keep idle pooled connections honest."""
    return Redis.from_url(url, decode_responses=True, health_check_interval=30, socket_connect_timeout=5)


async def redis_ready(client: Redis) -> bool:
    try:
        return bool(await client.ping())
    except Exception:
        return False
