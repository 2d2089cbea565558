"""Dead letters: the deliveries given up on, kept (bounded, for a while) so they can be redriven.

A delivery dies after its last attempt, when a rate limit would hold it longer than
``NEWSWATCH_ALERT_RATE_MAX_WAIT_S``, or when what the outbox stored for it no longer parses. Instead
of vanishing with its outbox entry it becomes a dead letter: the entry's id (``<alert or digest
id>:<channel id>``), what it was, whose, where it went (redacted), why it died, and the outbox item
as stored, which is what a redrive puts back (``redrive``).

Burial is one script with the lease check, so two replicas never bury one entry twice and an entry
is never both dead and in the outbox: the channel's state is recorded, the entry leaves the outbox,
and the dead letter is written and indexed (all of them, and its owner's). Bounds: each record
expires after the retention (``NEWSWATCH_ALERT_DEAD_LETTER_TTL_S``) and the indexes drop what is
older; each owner keeps at most ``NEWSWATCH_ALERT_DEAD_LETTER_PER_USER`` (the oldest go first, with
their records), so one user's broken receiver cannot push out anyone else's dead letters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from newswatch_alert.common.redact import redact_url
from newswatch_alert.delivery.channels import ChannelType, destination, destination_key
from newswatch_alert.delivery.models import DeliveryState, OutboxItem
from newswatch_shared.lease import LUA
from newswatch_shared.schemas import UtcDatetime

__all__ = ["BURY", "DeadDelivery", "DeadKind", "DeadReason", "dead_record", "gave_up"]

DeadReason = Literal["attempts", "refused", "rate_wait", "unparsable"]
DeadKind = Literal["alert", "digest", "confirmation", "unknown"]


class DeadDelivery(BaseModel):
    """One dead delivery as stored and shown (the API adds ``redriven_at``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(description="The delivery's outbox entry: `<alert or digest id>:<channel id>`.")
    kind: DeadKind = Field(description="What it delivered: an alert, a digest, or an e-mail confirmation.")
    subject_id: str = Field(description="The alert or digest id: the receiver's Idempotency-Key.")
    user_id: str | None = Field(description="Whose it is (null when the stored entry did not parse).")
    channel_id: str
    channel_type: ChannelType | None = None
    destination: str = Field(
        description="Where it went, as logs show it: mailto:<recipients>, or a URL's origin and fingerprint."
    )
    destination_key: str | None = Field(
        default=None,
        description="The destination's rate-limit key: filters an admin redrive to one receiver.",
    )
    reason: DeadReason = Field(
        description="`attempts`: the last attempt failed; `refused`: the destination may never be reached "
        "(a non-public address, a Slack URL off Slack's hosts), so no attempt was worth repeating; "
        "`rate_wait`: the rate limits would have held it "
        "longer than NEWSWATCH_ALERT_RATE_MAX_WAIT_S; `unparsable`: what was stored for it does not parse."
    )
    last_error: str
    attempts: int
    died_at: UtcDatetime
    redriven_at: UtcDatetime | None = Field(
        default=None, description="Set once it was put back in the outbox; it is then no longer listed."
    )

    @property
    def host(self) -> str:
        """The destination's host (or the recipients' domains for e-mail), for admin filters."""
        if self.destination.startswith("mailto:"):
            return ",".join(sorted({a.rpartition("@")[2].lower() for a in self.destination[7:].split(",")}))
        return urlsplit(self.destination).hostname or ""


def _kind(item: OutboxItem | None) -> DeadKind:
    if item is None:
        return "unknown"
    if item.consent_id:
        return "confirmation"
    return "digest" if item.digest_id else "alert"


def dead_record(
    member: str,
    item: OutboxItem | None,
    state: DeliveryState | None,
    reason: DeadReason,
    error: str,
    now: datetime,
) -> DeadDelivery:
    """The dead letter of one outbox entry (pure). ``item`` None: it did not parse; the entry's id
    still names the subject and channel."""
    subject_id, _, channel_id = member.partition(":")
    channel = item.target() if item is not None else None
    return DeadDelivery(
        id=member,
        kind=_kind(item),
        subject_id=item.subject_id if item is not None else subject_id,
        user_id=item.user_id if item is not None else None,
        channel_id=item.channel_id if item is not None else channel_id,
        channel_type=channel.type if channel is not None else None,
        destination=redact_url(destination(channel)) if channel is not None else "",
        destination_key=destination_key(channel) if channel is not None else None,
        reason=reason,
        last_error=error,
        attempts=state.attempts if state is not None else 0,
        died_at=now,
    )


def gave_up(state: DeliveryState, error: str, now: datetime) -> DeliveryState:
    """A delivery's state when it dies without another attempt (attempts unchanged)."""
    return state.model_copy(
        update={
            "status": "dead",
            "last_error": error,
            "next_attempt_at": None,
            "rate_limited_until": None,
            "updated_at": now,
        }
    )


# KEYS: 1 outbox, 2 outbox item, 3 lease, 4 channel's state hash, 5 dead entry, 6 index of all,
#       7 owner's index.
# ARGV: 1 member, 2 token, 3 channel id, 4 state json ('' = leave it), 5 record json, 6 item as stored,
#       7 died (ms), 8 retention (s), 9 most kept per owner, 10 dead entry key prefix.
# Returns 0 when the lease is no longer ours (another replica owns the entry), else 1.
BURY = (
    LUA
    + """
if not lease_held(KEYS[3], ARGV[2]) then
  return 0
end
if ARGV[4] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('HSET', KEYS[4], ARGV[3], ARGV[4])
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[5])
redis.call('HSET', KEYS[5], 'record', ARGV[5], 'item', ARGV[6])
redis.call('EXPIRE', KEYS[5], ARGV[8])
local died = tonumber(ARGV[7])
local horizon = died - tonumber(ARGV[8]) * 1000
for _, index in ipairs({KEYS[6], KEYS[7]}) do
  redis.call('ZADD', index, died, ARGV[1])
  redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. horizon)
end
local extra = redis.call('ZCARD', KEYS[7]) - tonumber(ARGV[9])
if extra > 0 then
  for _, old in ipairs(redis.call('ZRANGE', KEYS[7], 0, extra - 1)) do
    redis.call('DEL', ARGV[10] .. old)
    redis.call('ZREM', KEYS[6], old)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[7], 0, extra - 1)
end
lease_release(KEYS[3], ARGV[2])
return 1
"""
)
