"""API keys in Redis: authenticate, create, list, revoke.

``apikey:<sha256>`` → user id is what a request is checked against, on every request and on every
replica, with no cache in between: deleting that key is the revocation, and the next request anywhere
gets 401. The user's key records (name, shown prefix, created time, hash) live in the hash
``user:<id>:keys``, last uses in ``user:<id>:keys:used``. The scripts below keep the two in step
atomically: a key is created only while the user is active and below the limit, and revoked only if
another key remains.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import ValidationError
from redis.asyncio import Redis

from newswatch_alert.common import keys
from newswatch_alert.users.credentials import TouchThrottle, hash_key, key_id, new_api_key, shown_prefix
from newswatch_alert.users.models import ApiKey, ApiKeyCreated, ApiKeyRecord
from newswatch_shared.schemas import utcnow

__all__ = ["MAX_KEYS_PER_USER", "ApiKeyStore", "KeyLimitReached", "LastKey", "UserInactive", "new_key_record"]

log = logging.getLogger(__name__)

MAX_KEYS_PER_USER = 20

# KEYS: apikey:<sha>, users:deactivated. Returns the user id, or nil for an unknown key or a
# deactivated user (checked here too, so a deactivation that died half-way still locks the user out).
_AUTHENTICATE = """
local user_id = redis.call('GET', KEYS[1])
if not user_id then return false end
if redis.call('SISMEMBER', KEYS[2], user_id) == 1 then return false end
return user_id
"""

# KEYS: users:deactivated, user:<id>:keys, apikey:<sha>. ARGV: user id, key id, record json, max keys.
_CREATE = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return -1 end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[4]) then return -2 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[1])
return 1
"""

# KEYS: user:<id>:keys, user:<id>:keys:used, apikey:<sha>. ARGV: key id.
_REVOKE = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HLEN', KEYS[1]) <= 1 then return -1 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
"""

# KEYS: user:<id>:keys, user:<id>:keys:used. ARGV: key id, time. A revoked key's use is not recorded.
_TOUCH = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
return 1
"""


class UserInactive(Exception):
    """The user was deactivated: no new keys."""


class KeyLimitReached(Exception):
    """The user already has the most keys allowed."""


class LastKey(Exception):
    """Revoking this key would leave the user without any."""


def new_key_record(name: str, now: datetime) -> tuple[str, ApiKeyRecord]:
    """A fresh key and the record that describes it (the key itself is not in the record)."""
    api_key = new_api_key()
    digest = hash_key(api_key)
    return api_key, ApiKeyRecord(
        id=key_id(digest), name=name, prefix=shown_prefix(api_key), created_at=now, sha256=digest
    )


class ApiKeyStore:
    def __init__(self, redis: Redis, touch_every_s: float = 60.0) -> None:
        self._redis = redis
        self._authenticate = redis.register_script(_AUTHENTICATE)
        self._create = redis.register_script(_CREATE)
        self._revoke = redis.register_script(_REVOKE)
        self._touch = redis.register_script(_TOUCH)
        self._throttle = TouchThrottle(touch_every_s)

    async def authenticate(self, api_key: str) -> str | None:
        """The id of the active user owning ``api_key``, or None; records the use (throttled)."""
        digest = hash_key(api_key)
        found = await self._authenticate(keys=[keys.api_key(digest), keys.USERS_DEACTIVATED])
        if found is None:
            return None
        user_id = str(found)
        kid = key_id(digest)
        if self._throttle.due(kid):
            try:
                await self._touch(
                    keys=[keys.user_keys(user_id), keys.user_keys_used(user_id)],
                    args=[kid, utcnow().isoformat()],
                )
            except Exception:
                self._throttle.forget(kid)
                raise
        return user_id

    async def create(self, user_id: str, name: str, now: datetime) -> ApiKeyCreated:
        api_key, record = new_key_record(name, now)
        outcome = await self._create(
            keys=[keys.USERS_DEACTIVATED, keys.user_keys(user_id), keys.api_key(record.sha256)],
            args=[user_id, record.id, record.model_dump_json(), MAX_KEYS_PER_USER],
        )
        if outcome == -1:
            raise UserInactive("the user is deactivated")
        if outcome == -2:
            raise KeyLimitReached(f"at most {MAX_KEYS_PER_USER} keys per user: revoke one first")
        return ApiKeyCreated(**ApiKey.of(record).model_dump(), api_key=api_key)

    async def list_for(self, user_id: str) -> list[ApiKey]:
        """The user's keys, oldest first."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.user_keys(user_id))
            pipe.hgetall(keys.user_keys_used(user_id))
            records, used = await pipe.execute()
        found: list[ApiKey] = []
        for kid, raw in records.items():
            try:
                record = ApiKeyRecord.model_validate_json(raw)
                last = used.get(kid)
                found.append(ApiKey.of(record, datetime.fromisoformat(last) if last else None))
            except (ValidationError, ValueError):
                log.exception("key record %s of user %s does not parse; not listed", kid, user_id)
        return sorted(found, key=lambda k: (k.created_at, k.id))

    async def revoke(self, user_id: str, kid: str) -> bool:
        """Revoke one of the user's keys; False when the user has no such key.

        Raises :class:`LastKey` rather than lock the user out: they create another key first.
        """
        raw = await self._redis.hget(keys.user_keys(user_id), kid)
        if raw is None:
            return False
        record = ApiKeyRecord.model_validate_json(raw)
        outcome = await self._revoke(
            keys=[keys.user_keys(user_id), keys.user_keys_used(user_id), keys.api_key(record.sha256)],
            args=[kid],
        )
        if outcome == -1:
            raise LastKey("this is your only key: create another with POST /keys before revoking it")
        return bool(outcome == 1)

    async def revoke_all(self, user_id: str) -> int:
        """Delete every key of the user (deactivation); returns how many there were."""
        records = await self._redis.hgetall(keys.user_keys(user_id))
        digests = []
        for raw in records.values():
            try:
                digests.append(ApiKeyRecord.model_validate_json(raw).sha256)
            except ValidationError:
                log.exception("key record of user %s does not parse", user_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            for digest in digests:
                pipe.delete(keys.api_key(digest))
            pipe.delete(keys.user_keys(user_id), keys.user_keys_used(user_id))
            await pipe.execute()
        return len(records)
