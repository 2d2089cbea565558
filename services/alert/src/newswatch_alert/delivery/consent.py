"""E-mail consent (double opt-in): a user's alerts reach an address only after the address said yes.

Without it anyone with an account could mail-bomb a stranger through us. Consent is per (user,
address), kept in the hash ``email:consent:<id>`` (``id`` = stable_id("consent", user, address)):

- **asked** (``request``): when a watchlist names an address that was never asked, or whose request
  is older than ``NEWSWATCH_ALERT_EMAIL_CONFIRM_INTERVAL_S`` and still unanswered, the consent becomes
  ``pending`` and ONE confirmation mail is queued in the outbox (so it is sent, retried, rate-limited
  and dead-lettered like any delivery; see ``worker``). Its link carries the consent's token: 32
  random bytes, known only from mails sent to the address; Redis maps its SHA-256 to the consent.
- **confirmed** (``confirm``): whoever opens the link and presses the button (a form POST, so mail
  scanners that fetch links do not confirm on their own) records the consent. Confirming again, also
  after an unsubscribe, is the address's own undo.
- **unsubscribed** (``withdraw``): every alert mail carries the same token in its unsubscribe link and
  ``List-Unsubscribe`` header (RFC 8058 one-click). An unsubscribed address is never asked again on
  the user's behalf; only the address can undo it, from the link it holds.

Deliveries read ``recipients``: confirmed addresses (with their tokens, for the unsubscribe links)
get the mail; the rest are left out, and an address never asked is asked now (watchlists saved
before consent existed, or a request that failed).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, ValidationError
from redis.asyncio import Redis

from newswatch_alert.common import keys, metrics
from newswatch_alert.delivery.channels import ConsentStatus, EmailChannel
from newswatch_alert.delivery.models import DeliveryState, OutboxItem
from newswatch_shared.ids import stable_id
from newswatch_shared.schemas import UtcDatetime

__all__ = [
    "CONFIRM_CHANNEL",
    "Consent",
    "ConsentStore",
    "Recipients",
    "address_key",
    "confirm_link",
    "consent_id",
    "unsubscribe_link",
]

CONFIRM_CHANNEL = "confirm"  # the channel id of a confirmation entry (and its state's field)


class Consent(BaseModel):
    """One (user, address), as stored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    user_id: str
    address: str
    status: Literal["pending", "confirmed", "unsubscribed"]
    token: str
    requested_at: UtcDatetime | None = None
    confirmed_at: UtcDatetime | None = None
    unsubscribed_at: UtcDatetime | None = None


@dataclass(frozen=True)
class Recipients:
    """An e-mail channel's addresses sorted for one delivery."""

    confirmed: dict[str, str] = field(default_factory=dict)  # address → its unsubscribe token
    left_out: list[str] = field(default_factory=list)  # not confirmed (pending, unsubscribed, asked now)


def _norm(address: str) -> str:
    return address.strip().lower()


def consent_id(user_id: str, address: str) -> str:
    return stable_id("consent", user_id, _norm(address))


def address_key(address: str) -> str:
    """Names the address in the confirmation rate limit (all users together)."""
    return stable_id("address", _norm(address))


def confirm_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/email/confirm?token={token}"


def unsubscribe_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/email/unsubscribe?token={token}"


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# KEYS: 1 consent, 2 new token's key, 3 outbox, 4 outbox item.
# ARGV: 1 now (ms), 2 now (ISO), 3 re-ask after (ms), 4 id, 5 user, 6 address, 7 new token, 8 member,
#       9 item json, 10 state json, 11 item ttl (s). Returns 1 when a confirmation was queued.
_REQUEST = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'confirmed' or status == 'unsubscribed' then
  return 0
end
if status == 'pending' then
  local asked = tonumber(redis.call('HGET', KEYS[1], 'requested_ms') or '0')
  if tonumber(ARGV[1]) - asked < tonumber(ARGV[3]) or redis.call('ZSCORE', KEYS[3], ARGV[8]) then
    return 0
  end
else
  redis.call('HSET', KEYS[1], 'id', ARGV[4], 'user_id', ARGV[5], 'address', ARGV[6], 'token', ARGV[7])
  redis.call('SET', KEYS[2], ARGV[4])
end
redis.call('HSET', KEYS[1], 'status', 'pending', 'requested_at', ARGV[2], 'requested_ms', ARGV[1])
redis.call('HSET', KEYS[1], 'confirm', ARGV[10])
redis.call('SET', KEYS[4], ARGV[9], 'EX', ARGV[11])
redis.call('ZADD', KEYS[3], 'NX', ARGV[1], ARGV[8])
return 1
"""

# KEYS: 1 the token's key. ARGV: 1 consent key prefix, 2 new status, 3 its time field, 4 now (ISO).
# Returns the consent's fields (flat), or an empty list for an unknown token.
_ANSWER = """
local id = redis.call('GET', KEYS[1])
if not id then
  return {}
end
local consent = ARGV[1] .. id
if redis.call('EXISTS', consent) == 0 then
  return {}
end
if redis.call('HGET', consent, 'status') ~= ARGV[2] then
  redis.call('HSET', consent, 'status', ARGV[2], ARGV[3], ARGV[4])
end
return redis.call('HGETALL', consent)
"""


def _parse(raw: Sequence[str] | dict[str, str]) -> Consent | None:
    fields = raw if isinstance(raw, dict) else dict(zip(raw[::2], raw[1::2], strict=True))
    try:
        return Consent.model_validate(fields) if fields else None
    except ValidationError:
        return None


class ConsentStore:
    def __init__(self, redis: Redis, *, ask_again_s: float, item_ttl_s: int) -> None:
        self._redis = redis
        self._ask_again_ms = int(ask_again_s * 1000)
        self._item_ttl_s = item_ttl_s
        self._request = redis.register_script(_REQUEST)
        self._answer = redis.register_script(_ANSWER)

    async def request(self, user_id: str, addresses: Iterable[str], now: datetime) -> list[str]:
        """Ask every address that needs asking (see the module doc); returns those asked now."""
        asked: list[str] = []
        for address in dict.fromkeys(addresses):
            cid = consent_id(user_id, address)
            token = secrets.token_urlsafe(32)
            member = keys.outbox_member(cid, CONFIRM_CHANNEL)
            channel = EmailChannel(id=CONFIRM_CHANNEL, to=[address])
            item = OutboxItem(consent_id=cid, user_id=user_id, channel_id=CONFIRM_CHANNEL, channel=channel)
            state = DeliveryState(
                channel_id=CONFIRM_CHANNEL, type="email", url=f"mailto:{address}", updated_at=now
            )
            ms = int(now.timestamp() * 1000)
            done = await self._request(
                keys=[
                    keys.consent(cid),
                    keys.consent_token(_sha(token)),
                    keys.OUTBOX,
                    keys.outbox_item(member),
                ],
                args=[
                    ms,
                    now.isoformat(),
                    self._ask_again_ms,
                    cid,
                    user_id,
                    address,
                    token,
                    member,
                    item.model_dump_json(),
                    state.model_dump_json(),
                    self._item_ttl_s,
                ],
            )
            if done:
                asked.append(address)
                metrics.EMAIL_CONSENT.labels("requested").inc()
        return asked

    async def _get(self, ids: Sequence[str]) -> list[Consent | None]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for cid in ids:
                pipe.hgetall(keys.consent(cid))
            raws = await pipe.execute()
        return [_parse(raw) for raw in raws]

    async def statuses(self, user_id: str, addresses: Sequence[str]) -> dict[str, ConsentStatus]:
        """What GET /watchlists shows per address."""
        found = await self._get([consent_id(user_id, a) for a in addresses])
        return {
            a: (c.status if c is not None else "unconfirmed") for a, c in zip(addresses, found, strict=True)
        }

    async def recipients(self, user_id: str, addresses: Sequence[str], now: datetime) -> Recipients:
        """The confirmed addresses of a delivery (with their tokens) and those left out; an address
        never asked is asked now."""
        found = await self._get([consent_id(user_id, a) for a in addresses])
        confirmed = {
            a: c.token for a, c in zip(addresses, found, strict=True) if c and c.status == "confirmed"
        }
        never = [a for a, c in zip(addresses, found, strict=True) if c is None]
        if never:
            await self.request(user_id, never, now)
        return Recipients(confirmed, [a for a in addresses if a not in confirmed])

    async def lookup(self, token: str) -> Consent | None:
        cid = await self._redis.get(keys.consent_token(_sha(token)))
        return (await self._get([str(cid)]))[0] if cid else None

    async def confirm(self, token: str, now: datetime) -> Consent | None:
        """Record the address's yes (also its undo of an unsubscribe); None for an unknown token."""
        return await self._set(token, "confirmed", "confirmed_at", now)

    async def withdraw(self, token: str, now: datetime) -> Consent | None:
        """Record the address's no; None for an unknown token."""
        return await self._set(token, "unsubscribed", "unsubscribed_at", now)

    async def _set(self, token: str, status: str, field_name: str, now: datetime) -> Consent | None:
        raw = await self._answer(
            keys=[keys.consent_token(_sha(token))],
            args=[keys.consent(""), status, field_name, now.isoformat()],
        )
        return _parse(cast(list[str], raw))
