"""The delivery worker: sends due outbox entries to webhooks and records each outcome.

Per entry: claim it with a lease (two replicas never send it at once), POST the stored AlertEvent
JSON signed with the channel's secret, then record the outcome — 2xx is delivered, anything else
(status, timeout, refused connection) is retried with jittered exponential backoff until the last
attempt, which marks it dead.

Delivery is at-least-once: if the process dies after the receiver accepted a POST but before the
outcome is recorded, the entry becomes due again when its lease runs out and is sent once more with
the same ``Idempotency-Key`` (the alert id), which receivers use to drop the repeat. Redirects are
not followed: a webhook URL must answer itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime

import httpx
from redis.exceptions import RedisError

from newswatch_alert import metrics
from newswatch_alert.models import DeliveryState
from newswatch_alert.outbox import Claimed, Outbox
from newswatch_alert.policy import RetryPolicy, after_attempt
from newswatch_alert.signing import SIGNATURE_HEADER, sign
from newswatch_shared.schemas import utcnow

__all__ = ["Deliverer", "USER_AGENT", "describe_failure"]

log = logging.getLogger(__name__)

USER_AGENT = "newswatch-alert/0.1 (+webhook)"


def describe_failure(response: httpx.Response | None, error: Exception | None) -> str | None:
    """A short, stable description of why a POST failed; None when it succeeded."""
    if error is not None:
        if isinstance(error, httpx.TimeoutException):
            return f"timeout ({type(error).__name__})"
        if isinstance(error, httpx.ConnectError):
            return f"connection failed: {error}"[:300]
        return f"{type(error).__name__}: {error}"[:300]
    assert response is not None
    if response.is_success:
        return None
    return f"HTTP {response.status_code}"


class Deliverer:
    """Polls the outbox and sends what is due, at most ``concurrency`` requests at a time."""

    def __init__(
        self,
        outbox: Outbox,
        http: httpx.AsyncClient,
        policy: RetryPolicy,
        *,
        poll_s: float,
        concurrency: int,
        timeout_s: float,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._outbox = outbox
        self._http = http
        self._policy = policy
        self._poll_s = poll_s
        self._concurrency = concurrency
        self._timeout_s = timeout_s
        self._rng = rng or random.Random()
        self._clock = clock
        self._inflight: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                free = self._concurrency - len(self._inflight)
                if free > 0:
                    try:
                        claimed = await self._outbox.claim_due(_ms(self._clock()), free)
                    except RedisError as e:
                        log.warning("outbox poll failed: %s", e)
                        claimed = []
                    for entry in claimed:
                        task = asyncio.create_task(self._deliver(entry), name=f"deliver-{entry.member}")
                        self._inflight.add(task)
                        task.add_done_callback(self._inflight.discard)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._poll_s)
        finally:
            # Let requests in flight finish (the Worker's grace period bounds this); if we are
            # cancelled they are cancelled too and their leases expire, so nothing is lost.
            if self._inflight:
                await asyncio.gather(*self._inflight, return_exceptions=True)

    async def _deliver(self, entry: Claimed) -> None:
        try:
            await self._attempt(entry)
        except RedisError as e:
            log.warning("could not record delivery of %s (lease will expire): %s", entry.member, e)
        except Exception:
            log.exception("delivery of %s failed unexpectedly", entry.member)

    async def _attempt(self, entry: Claimed) -> None:
        if entry.item is None or entry.alert_json is None or entry.state is None:
            # The alert or its details expired: there is nothing left to send.
            log.warning("dropping outbox entry %s: alert no longer stored", entry.member)
            await self._outbox.finish(entry, None, None)
            return
        body = entry.alert_json.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(entry.item.secret, body),
            "Idempotency-Key": entry.item.alert_id,
            "X-Newswatch-Alert-Id": entry.item.alert_id,
        }
        response: httpx.Response | None = None
        error: Exception | None = None
        started = time.perf_counter()
        try:
            response = await self._http.post(
                entry.item.url, content=body, headers=headers, timeout=self._timeout_s
            )
        except Exception as e:  # whatever stopped the POST (network, TLS, bad URL) is a failed attempt
            error = e
        metrics.WEBHOOK_SECONDS.observe(time.perf_counter() - started)
        failure = describe_failure(response, error)
        state = after_attempt(entry.state, failure, self._clock(), self._policy, self._rng)
        next_ms = _ms(state.next_attempt_at) if state.next_attempt_at is not None else None
        if not await self._outbox.finish(entry, state, next_ms):
            log.warning("lease on %s was lost; another replica owns it now", entry.member)
            return
        metrics.DELIVERIES.labels(state.status).inc()
        _log_outcome(entry, state)


def _log_outcome(entry: Claimed, state: DeliveryState) -> None:
    extra = {"alert_id": entry.item.alert_id if entry.item else "", "channel_id": state.channel_id}
    if state.status == "delivered":
        log.info("alert delivered to %s after %d attempt(s)", state.url, state.attempts, extra=extra)
    elif state.status == "dead":
        log.warning(
            "alert delivery to %s gave up after %d attempts: %s",
            state.url,
            state.attempts,
            state.last_error,
            extra=extra,
        )
    else:
        log.info("alert delivery to %s failed (%s); will retry", state.url, state.last_error, extra=extra)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
