"""Users and their API keys in Redis.

A key is shown once, at creation; Redis holds only its SHA-256, so a leaked dump reveals no key.
(A fast hash is right here: keys are 256-bit random, not guessable passwords needing a slow KDF.)
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from redis.asyncio import Redis

from newswatch_alert import keys
from newswatch_alert.models import User, UserCreated
from newswatch_shared.ids import new_id

__all__ = ["UserStore", "hash_key"]

KEY_PREFIX = "nw_"


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


class UserStore:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def create(self, name: str, now: datetime) -> UserCreated:
        user = User(id=new_id(), name=name, created_at=now)
        api_key = KEY_PREFIX + secrets.token_urlsafe(32)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.user(user.id), user.model_dump_json())
            pipe.set(keys.api_key(hash_key(api_key)), user.id)
            await pipe.execute()
        return UserCreated(id=user.id, name=user.name, api_key=api_key)

    async def user_id_for(self, api_key: str) -> str | None:
        """The owner of ``api_key``, or None when no user has it."""
        user_id = await self._redis.get(keys.api_key(hash_key(api_key)))
        return str(user_id) if user_id is not None else None
