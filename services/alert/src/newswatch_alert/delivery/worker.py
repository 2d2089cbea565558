"""The delivery worker: sends due outbox entries over their channels and records each outcome.

Per entry: claim it with a lease (two replicas never send it at once); book a rate-limit slot (a
slot in the future reschedules the entry, which is then sent without asking again); send it (signed
webhook POST, Slack message or e-mail; an alert or a digest); record the outcome. Accepted is
delivered; anything else (status, timeout, refused connection, SMTP error) is retried with jittered
exponential backoff, or after the receiver's ``Retry-After``, until the last attempt marks it dead; a
destination the rules refuse (a non-public address, a Slack channel off Slack's hosts) is dead at once.

One slow or dead receiver cannot take the replica's delivery slots: at most ``per_destination``
deliveries to one destination are in flight at once; an entry claimed beyond that is put back a moment
later, unattempted, so the other users' entries behind it go out meanwhile.

A dead delivery is kept as a dead letter (``deadletter``), and so is one the rate limits would hold
longer than the maximum wait, and one whose stored parts no longer parse (``claimed``): each is
buried once, with its reason and error, and the worker goes on with the rest.

E-mail asks for consent first (``consent``): an alert or digest goes only to the channel's
confirmed addresses, sorted before the rate limit so a delivery with none is neither attempted nor
counted; it ends ``unconfirmed``. A confirmation request is dropped once its address has answered,
and is rate-limited per address (all users together) as well as per user.

Delivery is at-least-once, and exactly-once except in one window: if the process dies after the
receiver accepted but before the outcome is recorded, the entry becomes due again when its lease
runs out and is sent once more with the same idempotency key (alert or digest id; for e-mail the
same Message-ID), which receivers use to drop the repeat. A death at any other point sends nothing
twice: before the send, the entry is simply sent after the lease expires; after the record, it is
gone. Redirects are not followed: a webhook URL must answer itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from redis.exceptions import RedisError

from newswatch_alert.common import metrics
from newswatch_alert.common.redact import redact_url
from newswatch_alert.delivery.channels import EmailChannel, destination_key
from newswatch_alert.delivery.consent import Recipients, address_key
from newswatch_alert.delivery.deadletter import DeadReason, dead_record, gave_up
from newswatch_alert.delivery.models import DeliveryState
from newswatch_alert.delivery.outbox import Claimed, Outbox
from newswatch_alert.delivery.policy import RetryPolicy, after_attempt, deferred
from newswatch_alert.delivery.ratelimit import RateLimiter
from newswatch_alert.delivery.senders import Senders
from newswatch_shared.schemas import utcnow

__all__ = ["Deliverer"]

log = logging.getLogger(__name__)

_GAUGE_EVERY_S = 15.0
#: How soon an entry put back for a busy destination is due again.
_HOLD_MS = 500


class Deliverer:
    """Polls the outbox and sends what is due, at most ``concurrency`` deliveries at a time."""

    def __init__(
        self,
        outbox: Outbox,
        senders: Senders,
        policy: RetryPolicy,
        *,
        poll_s: float,
        concurrency: int,
        per_destination: int = 4,
        limiter: RateLimiter | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._outbox = outbox
        self._senders = senders
        self._policy = policy
        self._poll_s = poll_s
        self._concurrency = concurrency
        self._per_destination = per_destination
        self._busy: Counter[str] = Counter()  # destination key → deliveries in flight here
        self._limiter = limiter
        self._rng = rng or random.Random()
        self._clock = clock
        self._inflight: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        counted_at = -_GAUGE_EVERY_S
        loop = asyncio.get_running_loop()
        try:
            while not stop.is_set():
                free = self._concurrency - len(self._inflight)
                if free > 0:
                    try:
                        claimed = await self._outbox.claim_due(_ms(self._clock()), free)
                        if loop.time() - counted_at >= _GAUGE_EVERY_S:
                            metrics.DEAD_LETTER_ENTRIES.set(await self._outbox.dead_letters())
                            counted_at = loop.time()
                    except RedisError as e:
                        log.warning("outbox poll failed: %s", e)
                        claimed = []
                    for entry in claimed:
                        await self._start(entry)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._poll_s)
        except asyncio.CancelledError:
            # Cancelled (the Worker's grace ran out): abandon deliveries in flight. Their leases
            # expire and they are sent again, so nothing is lost.
            for task in self._inflight:
                task.cancel()
            raise
        finally:
            # Asked to stop: let deliveries in flight finish (the Worker's grace period bounds this).
            if self._inflight:
                await asyncio.gather(*self._inflight, return_exceptions=True)

    async def _start(self, entry: Claimed) -> None:
        """Deliver ``entry`` in a task of its own, unless its destination already has
        ``per_destination`` deliveries in flight: then it is due again shortly, not attempted."""
        key = entry.destination_key
        if key is not None and self._busy[key] >= self._per_destination:
            try:
                if await self._outbox.finish(entry, entry.state, _ms(self._clock()) + _HOLD_MS):
                    metrics.DELIVERIES_HELD.inc()
            except RedisError as e:
                log.warning("could not put %s back (its lease will expire): %s", entry.member, e)
            return
        if key is not None:
            self._busy[key] += 1
        task = asyncio.create_task(self.deliver(entry), name=f"deliver-{entry.member}")
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        if key is not None:
            task.add_done_callback(lambda _: self._release(key))

    def _release(self, key: str) -> None:
        self._busy[key] -= 1
        if self._busy[key] <= 0:
            del self._busy[key]

    async def deliver(self, entry: Claimed) -> None:
        """Rate-limit, send and record one claimed entry; never raises (the lease covers failures)."""
        try:
            await self._attempt(entry)
        except RedisError as e:
            log.warning("could not record delivery of %s (lease will expire): %s", entry.member, e)
        except Exception:
            log.exception("delivery of %s failed unexpectedly", entry.member)

    async def _attempt(self, entry: Claimed) -> None:
        if entry.broken is not None:
            await self._bury(entry, entry.broken, "unparsable")
            return
        if not entry.sendable or entry.item is None or entry.state is None:
            # The alert, digest or entry details expired: there is nothing left to send.
            log.warning("dropping outbox entry %s: what it delivers is no longer stored", entry.member)
            await self._outbox.finish(entry, None, None)
            return
        item, state = entry.item, entry.state
        channel = item.target()
        now = self._clock()
        recipients: Recipients | None = None
        if isinstance(channel, EmailChannel) and self._senders.mailer is not None:
            if entry.consent is not None and entry.consent.status != "pending":
                log.info("confirmation %s not sent: the address has answered already", entry.member)
                await self._outbox.finish(entry, None, None)
                return
            if entry.consent is None:
                recipients = await self._senders.mailer.consents.recipients(item.user_id, channel.to, now)
                if not recipients.confirmed:
                    await self._unconfirmed(entry, state, recipients, now)
                    return
        if self._limiter is not None and not _slot_booked(state, now):
            confirm = address_key(entry.consent.address) if entry.consent is not None else None
            slot_ms = await self._limiter.reserve(
                item.user_id, destination_key(channel), _ms(now), confirm_key=confirm
            )
            if self._limiter.too_far(slot_ms, _ms(now)):
                wait_s = (slot_ms - _ms(now)) / 1000
                error = f"rate limits: next slot {wait_s:.0f} s away, past NEWSWATCH_ALERT_RATE_MAX_WAIT_S"
                await self._bury(entry, error, "rate_wait")
                return
            if slot_ms > _ms(now):
                until = datetime.fromtimestamp(slot_ms / 1000, UTC)
                if await self._outbox.finish(entry, deferred(state, until, now), slot_ms):
                    metrics.DELIVERIES_DEFERRED.labels(channel.type).inc()
                    log.info("delivery of %s waits for the rate limit until %s", entry.member, until)
                return
        result = await self._senders.send(entry, now, recipients)
        done = self._clock()
        after = after_attempt(
            state, result.error, done, self._policy, self._rng, result.retry_after_s, final=result.final
        )
        if recipients is not None:
            after = after.model_copy(update={"unconfirmed": recipients.left_out})
        if after.status == "dead":
            reason: DeadReason = "refused" if result.final else "attempts"
            if await self._bury(entry, after.last_error or "failed", reason, after):
                metrics.DELIVERIES.labels(channel.type, "dead").inc()
            return
        next_ms = _ms(after.next_attempt_at) if after.next_attempt_at is not None else None
        if not await self._outbox.finish(entry, after, next_ms):
            log.warning("lease on %s was lost; another replica owns it now", entry.member)
            return
        metrics.DELIVERIES.labels(channel.type, after.status).inc()
        if after.status == "delivered":
            since = entry.digest.period_end if entry.digest else entry.created_at
            if since is not None:
                metrics.DELIVERY_LATENCY.labels(channel.type).observe(
                    max(0.0, (done - since).total_seconds())
                )
        _log_outcome(entry, after)

    async def _unconfirmed(
        self, entry: Claimed, state: DeliveryState, recipients: Recipients, now: datetime
    ) -> None:
        """No address of the e-mail channel has confirmed: the delivery ends here, not attempted."""
        final = state.model_copy(
            update={
                "status": "unconfirmed",
                "unconfirmed": recipients.left_out,
                "next_attempt_at": None,
                "rate_limited_until": None,
                "updated_at": now,
            }
        )
        if await self._outbox.finish(entry, final, None):
            metrics.DELIVERIES.labels("email", "unconfirmed").inc()
            _log_outcome(entry, final)

    async def _bury(
        self, entry: Claimed, error: str, reason: DeadReason, final: DeliveryState | None = None
    ) -> bool:
        """Keep the entry as a dead letter and record its final state: ``final`` after the last
        attempt; given up without an attempt (rate wait, or a state that did not parse) otherwise."""
        now = self._clock()
        if final is None and entry.item is not None:
            final = gave_up(entry.state or entry.fresh_state(now), error, now)
        dead = dead_record(entry.member, entry.item, final, reason, error, now)
        if not await self._outbox.bury(entry, final, dead):
            log.warning("lease on %s was lost; another replica owns it now", entry.member)
            return False
        metrics.DEAD_LETTERS.labels(dead.channel_type or "unknown", reason).inc()
        log.warning(
            "%s delivery to %s is dead (%s) after %d attempt(s): %s",
            dead.kind,
            dead.destination or "?",
            reason,
            dead.attempts,
            error,
            extra={"subject_id": dead.subject_id, "channel_id": dead.channel_id},
        )
        return True


def _slot_booked(state: DeliveryState, now: datetime) -> bool:
    """The entry was rescheduled to a rate-limit slot it already booked, and that slot has come."""
    return state.rate_limited_until is not None and state.rate_limited_until <= now


def _log_outcome(entry: Claimed, state: DeliveryState) -> None:
    """One line per attempt; the URL shown is its origin and fingerprint (``common.redact``)."""
    extra = {"subject_id": entry.item.subject_id if entry.item else "", "channel_id": state.channel_id}
    what = "digest" if entry.digest else "alert"
    where = redact_url(state.url)
    if state.status == "delivered":
        log.info("%s delivered to %s after %d attempt(s)", what, where, state.attempts, extra=extra)
    elif state.status == "unconfirmed":
        log.info("%s not sent to %s: no address has confirmed it wants them", what, where, extra=extra)
    else:
        log.info("%s delivery to %s failed (%s); will retry", what, where, state.last_error, extra=extra)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
