"""Users in Redis: created and deactivated by the admin, listed for the admin.

Deactivation is not deletion: the record stays (alerts and watchlists name the user) but it is put in
``users:deactivated`` first, which at once makes its keys fail, stops new keys and takes its
watchlists out of matching (a change is logged for each, so every replica re-files them within a
second, and re-filing leaves a deactivated user's watchlists out). Then its keys are deleted. If the
process dies in between, the user is locked out anyway, and repeating the DELETE finishes the
clean-up.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError, WatchError

from newswatch_alert.common import keys
from newswatch_alert.common.changelog import log_change
from newswatch_alert.users.apikeys import ApiKeyStore, new_key_record
from newswatch_alert.users.credentials import key_id
from newswatch_alert.users.models import ApiKeyRecord, User, UserCreated, UserView
from newswatch_shared.ids import new_id

__all__ = ["FIRST_KEY_NAME", "UserStore"]

log = logging.getLogger(__name__)

FIRST_KEY_NAME = "default"
_SCAN_COUNT = 1000
_ATTEMPTS = 10


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class UserStore:
    def __init__(self, redis: Redis, api_keys: ApiKeyStore) -> None:
        self._redis = redis
        self._api_keys = api_keys

    async def create(self, name: str, now: datetime) -> UserCreated:
        """A new user with one key, named ``default``; the key is returned once."""
        user = User(id=new_id(), name=name, created_at=now)
        api_key, record = new_key_record(FIRST_KEY_NAME, now)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.user(user.id), user.model_dump_json())
            pipe.zadd(keys.USERS_ALL, {user.id: _ms(now)})
            pipe.hset(keys.user_keys(user.id), record.id, record.model_dump_json())
            pipe.set(keys.api_key(record.sha256), user.id)
            await pipe.execute()
        return UserCreated(id=user.id, name=user.name, api_key=api_key)

    async def get(self, user_id: str) -> User | None:
        raw = await self._redis.get(keys.user(user_id))
        return User.model_validate_json(raw) if raw is not None else None

    async def list_all(self) -> list[UserView]:
        """Every user, deactivated ones included, oldest first."""
        ids = [str(i) for i in await self._redis.zrange(keys.USERS_ALL, 0, -1)]
        users: list[UserView] = []
        for start in range(0, len(ids), _SCAN_COUNT):
            chunk = ids[start : start + _SCAN_COUNT]
            for user_id, raw in zip(
                chunk, await self._redis.mget([keys.user(i) for i in chunk]), strict=True
            ):
                if raw is None:
                    continue
                try:
                    users.append(UserView.of(User.model_validate_json(raw)))
                except ValidationError:
                    log.exception("user %s does not parse; not listed", user_id)
        return users

    async def deactivate(self, user_id: str, now: datetime) -> User | None:
        """Deactivate the user and revoke all its keys; None for an unknown user. Repeatable."""
        user = await self.get(user_id)
        if user is None:
            return None
        if user.deactivated_at is None:
            user = user.model_copy(update={"deactivated_at": now})
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(_ATTEMPTS):
                try:
                    # WATCH the user's watchlist set: one created meanwhile makes this start again.
                    await pipe.watch(keys.user_watchlists(user_id))
                    owned = sorted(str(i) for i in await pipe.smembers(keys.user_watchlists(user_id)))
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.sadd(keys.USERS_DEACTIVATED, user_id)
                    pipe.set(keys.user(user_id), user.model_dump_json())
                    for watchlist_id in owned:  # every replica takes these out of its index
                        log_change(pipe, watchlist_id)
                    await pipe.execute()
                    break
                except WatchError:
                    continue
            else:
                raise RedisError(f"user {user_id}'s watchlists kept changing; deactivation gave up")
        revoked = await self._api_keys.revoke_all(user_id)
        log.info("user %s deactivated, %d key(s) revoked", user_id, revoked)
        return user

    async def backfill(self, now: datetime) -> int:
        """Bring records written before users were listed up to date; returns how many were added.

        Such users are missing from ``users:all`` and their one key has no record (only
        ``apikey:<sha>`` → user id existed). Idempotent and cheap enough to run at every start: it
        SCANs the key space once, without blocking Redis.
        """
        added = 0
        async for name in self._redis.scan_iter(match="user:*", count=_SCAN_COUNT, _type="STRING"):
            user_id = str(name).split(":", 1)[1]
            if ":" in user_id:
                continue
            user = await self.get(user_id)
            if user is not None:
                added += int(
                    await self._redis.zadd(keys.USERS_ALL, {user_id: _ms(user.created_at)}, nx=True) or 0
                )
        async for name in self._redis.scan_iter(match="apikey:*", count=_SCAN_COUNT, _type="STRING"):
            digest = str(name).split(":", 1)[1]
            owner = await self._redis.get(name)
            if owner is None:
                continue
            user = await self.get(str(owner))
            record = ApiKeyRecord(
                id=key_id(digest),
                name=FIRST_KEY_NAME,
                created_at=user.created_at if user is not None else now,
                sha256=digest,
            )
            added += await self._redis.hsetnx(keys.user_keys(str(owner)), record.id, record.model_dump_json())
        if added:
            log.info("backfilled %d user or key record(s) written by an older version", added)
        return added
