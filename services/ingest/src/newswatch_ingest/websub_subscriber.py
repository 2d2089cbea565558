"""The WebSub subscriber: asks hubs for pushes, answers their verifications, renews and unsubscribes.

How a subscription goes (W3C WebSub §5):

1. a poll finds a hub in the feed (:mod:`hubs`) and :meth:`WebSubSubscriber.offer` stores a pending
   subscription with a fresh callback id and secret, due at once;
2. the worker (:meth:`WebSubSubscriber.run`, on every replica; a Redis lease per subscription makes
   one of them act) POSTs ``hub.mode=subscribe`` with topic, callback, lease and secret to the hub,
   through the egress-guarded client: the hub URL comes from a feed, so it is checked like one;
3. the hub GETs the callback with a challenge (:meth:`verify`): answered only for a subscription we
   asked for, with the same topic and mode; the subscription is then live until its lease ends;
4. the worker renews before the lease runs out (:func:`websub.renew_delay_s`), and retries with
   backoff when the hub fails or never verifies (:data:`VERIFY_WAIT_S`);
5. a feed that is deleted or disabled, or stops naming its hub, is unsubscribed the same way
   (``hub.mode=unsubscribe``, confirmed by the hub's GET); a hub that never confirms is forgotten
   after :data:`UNSUBSCRIBE_TRIES` tries.

While a subscription is live the feed is still polled, as a safety net, at the slower interval
the poll chooses (:class:`feedpoll.FeedPoll`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

import httpx

from newswatch_ingest import metrics
from newswatch_ingest.websub import callback_url
from newswatch_ingest.websubstore import Subscription, SubscriptionStore
from newswatch_shared.ids import new_id
from newswatch_shared.schemas import utcnow

__all__ = ["UNSUBSCRIBE_TRIES", "VERIFY_WAIT_S", "WebSubSubscriber"]

log = logging.getLogger(__name__)

#: How long a hub may take to verify after accepting a request before we ask again.
VERIFY_WAIT_S = 300.0
#: Longest pause between failed requests to a hub.
MAX_RETRY_S = 6 * 3_600.0
#: A hub that denied a subscription is asked again this much later.
DENIED_RETRY_S = 6 * 3_600.0
UNSUBSCRIBE_TRIES = 3


class WebSubSubscriber:
    def __init__(
        self,
        store: SubscriptionStore,
        http: httpx.AsyncClient,
        *,
        public_url: str,
        lease_s: int,
        timeout_s: float,
        clock: Callable[[], datetime] = utcnow,
        idle_s: float = 5.0,
    ) -> None:
        self.store = store
        self._http = http
        self._public_url = public_url
        self._lease_s = lease_s
        self._timeout_s = timeout_s
        self._clock = clock
        self._idle_s = idle_s
        self._owner = new_id()
        self._wake = asyncio.Event()

    # What a poll asks (feedpoll.Subscriptions).

    async def live(self, feed_id: str) -> bool:
        sub = await self.store.current(feed_id)
        return sub is not None and sub.live(self._clock().timestamp())

    async def offer(self, feed_id: str, hub: str | None, topic: str) -> None:
        current = await self.store.current(feed_id)
        if hub is None:
            if current is not None:
                await self.retire(feed_id)
            return
        if current is not None and (current.hub, current.topic) == (hub, topic):
            return
        await self.store.create(feed_id, hub, topic, self._clock())
        log.info("subscribing to %s at hub %s", topic, hub, extra={"feed_id": feed_id})
        self._wake.set()

    async def retire(self, feed_id: str) -> None:
        if await self.store.retire(feed_id, self._clock()):
            self._wake.set()

    # What the hub asks (websub_api).

    async def verify(
        self, callback_id: str, mode: str, topic: str, lease_seconds: str | None, reason: str | None
    ) -> bool:
        """Whether to confirm the hub's verification request (answer its challenge)."""
        sub = await self.store.get(callback_id)
        outcome = "refused"
        try:
            if sub is None or sub.topic != topic:
                return False
            now = self._clock()
            if mode == "subscribe" and sub.state in ("subscribing", "active"):
                lease = _lease(lease_seconds, self._lease_s)
                await self.store.activate(callback_id, lease, now)
                self._wake.set()  # the renewal may be due sooner than the worker's next look
                outcome = "confirmed"
                log.info("hub %s verified %s for %d s", sub.hub, topic, lease, extra={"feed_id": sub.feed_id})
                return True
            if mode == "unsubscribe" and sub.state == "unsubscribing":
                await self.store.forget(callback_id)
                outcome = "confirmed"
                return True
            if mode == "denied" and sub.state in ("subscribing", "active"):
                await self.store.schedule(
                    callback_id, now.timestamp() + DENIED_RETRY_S, error=f"The hub denied it: {reason or '-'}"
                )
                outcome = "denied"
                return True
            return False
        finally:
            metrics.WEBSUB_VERIFICATIONS.labels(mode if mode in _MODES else "other", outcome).inc()

    # The worker.

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            delay = self._idle_s
            try:
                now = self._clock()
                ids, first = await self.store.due(now)
                for callback_id in ids:
                    await self._act_leased(callback_id)
                if first is not None and not ids:
                    delay = min(max(first - now.timestamp(), 0.05), self._idle_s)
                elif ids:
                    delay = 0.0
            except Exception:
                log.exception("WebSub worker failed; retrying")
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    waits = [asyncio.create_task(stop.wait()), asyncio.create_task(self._wake.wait())]
                    try:
                        await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        for w in waits:
                            w.cancel()

    async def _act_leased(self, callback_id: str) -> None:
        if not await self.store.take(callback_id, self._owner, self._timeout_s + 60):
            return
        try:
            sub = await self.store.get(callback_id)
            if sub is None:
                await self.store.forget(callback_id)
            elif sub.state == "unsubscribing":
                await self._unsubscribe(sub)
            else:
                await self._subscribe(sub)
        finally:
            await self.store.release(callback_id, self._owner)

    async def _subscribe(self, sub: Subscription) -> None:
        now = self._clock()
        await self.store.requested(sub.callback_id, now)
        error = await self._request(sub, "subscribe")
        if error is not None:
            await self._retry(sub, error)
            return
        # The hub verifies on its own time (perhaps already, inside the request): ask again if not.
        await self.store.await_verification(
            sub.callback_id, self._clock().timestamp() + VERIFY_WAIT_S, since=now.timestamp()
        )

    async def _unsubscribe(self, sub: Subscription) -> None:
        if sub.requested_at or sub.attempts >= UNSUBSCRIBE_TRIES:
            # Asked and not confirmed in time, or the hub keeps failing: stop caring. Pushes to the
            # callback now get 404, which makes a hub drop it.
            await self.store.forget(sub.callback_id)
            return
        error = await self._request(sub, "unsubscribe")
        if error is not None:
            await self._retry(sub, error)
            return
        await self.store.requested(sub.callback_id, self._clock())
        await self.store.schedule(sub.callback_id, self._clock().timestamp() + VERIFY_WAIT_S)

    async def _retry(self, sub: Subscription, error: str) -> None:
        attempts = sub.attempts + 1
        wait = min(60.0 * 2 ** (attempts - 1), MAX_RETRY_S)
        log.warning("WebSub %s at %s failed (%d): %s", sub.state, sub.hub, attempts, error)
        await self.store.schedule(
            sub.callback_id, self._clock().timestamp() + wait, attempts=attempts, error=error
        )

    async def _request(self, sub: Subscription, mode: str) -> str | None:
        """POST the request to the hub; None when it accepted, else why not."""
        form = {
            "hub.mode": mode,
            "hub.topic": sub.topic,
            "hub.callback": callback_url(self._public_url, sub.callback_id),
        }
        if mode == "subscribe":
            form |= {"hub.lease_seconds": str(self._lease_s), "hub.secret": sub.secret}
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._http.post(sub.hub, data=form, follow_redirects=False)
        except TimeoutError:
            error: str | None = f"The hub did not answer within {self._timeout_s:g} s."
        except httpx.HTTPError as e:
            error = f"The hub could not be reached: {e or type(e).__name__}."
        else:
            error = (
                None
                if response.is_success
                else f"The hub answered HTTP {response.status_code}: {response.text[:200]}"
            )
        metrics.WEBSUB_REQUESTS.labels(mode, "ok" if error is None else "failed").inc()
        return error


_MODES = frozenset({"subscribe", "unsubscribe", "denied"})


def _lease(value: str | None, requested: int) -> float:
    """The lease the hub granted (it must say; what we asked for when it does not)."""
    try:
        granted = float(value) if value else float(requested)
    except ValueError:
        granted = float(requested)
    return max(granted, 1.0)
