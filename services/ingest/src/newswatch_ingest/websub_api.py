"""The WebSub callback endpoints: hubs verify subscriptions here and push new content here.

They are public (a hub has no admin token), so nothing here trusts the caller:

- the path holds the subscription's random callback id; an unknown one is a 404, an id whose feed is
  gone or that is being unsubscribed a 410 (which tells a hub to drop it);
- a verification is confirmed only for a subscription we asked for, with the same topic and mode
  (otherwise 404, as the spec asks), so nobody can unsubscribe us or make us confirm a topic;
- a push must be signed with the subscription's secret (``X-Hub-Signature``, HMAC sha256, sha1,
  sha384 or sha512); unsigned or badly signed ones are refused with 403 and never parsed (the spec
  lets a subscriber refuse them; it need not acknowledge);
- a push body is read up to ``NEWSWATCH_INGEST_MAX_BYTES`` (413 past it, cut off while reading), at
  most ``NEWSWATCH_INGEST_WEBSUB_PUSHES_PER_MIN`` pushes per subscription per minute are taken (429
  with Retry-After), and at most ``NEWSWATCH_INGEST_MAX_CONCURRENCY`` pushes are read at once per
  replica (503 with Retry-After), so pushes cannot take more memory than polls can.

A push is published through the poll's own path (:meth:`feedpoll.FeedPoll.run_push`), so an item
pushed and polled is published once. A broker or Redis failure is a 503: the hub delivers again.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import PlainTextResponse
from redis.exceptions import RedisError

from newswatch_ingest import metrics
from newswatch_ingest.api import Runtime, read_capped
from newswatch_ingest.errors import PublishError
from newswatch_ingest.feedpoll import PushRejected
from newswatch_ingest.feeds import FeedRegistry
from newswatch_ingest.poller import Poller
from newswatch_ingest.websub import verify_signature
from newswatch_ingest.websub_subscriber import WebSubSubscriber
from newswatch_shared.schemas import utcnow

__all__ = ["websub_router"]

log = logging.getLogger(__name__)


def _refuse(code: int, outcome: str, detail: str, headers: dict[str, str] | None = None) -> HTTPException:
    metrics.WEBSUB_PUSHES.labels(outcome).inc()
    return HTTPException(code, detail, headers=headers)


def _parts(runtime: Runtime) -> tuple[WebSubSubscriber, FeedRegistry, Poller]:
    if runtime.websub is None or runtime.registry is None or runtime.poller is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "The service is still starting.")
    return runtime.websub, runtime.registry, runtime.poller


def websub_router(runtime: Runtime, *, max_bytes: int, pushes_per_min: int, max_concurrent: int) -> APIRouter:
    router = APIRouter(tags=["websub"])
    reading = asyncio.Semaphore(max_concurrent)

    @router.get(
        "/websub/{callback_id}",
        summary="A hub verifies a subscription (answers with its challenge, or 404)",
        response_class=PlainTextResponse,
        responses={404: {"description": "Not a subscription we asked for, with this topic and mode."}},
    )
    async def verify(
        callback_id: str,
        mode: str = Query(alias="hub.mode", max_length=20),
        topic: str = Query(alias="hub.topic", max_length=2048),
        challenge: str = Query(default="", alias="hub.challenge", max_length=1000),
        lease_seconds: str | None = Query(default=None, alias="hub.lease_seconds", max_length=20),
        reason: str | None = Query(default=None, alias="hub.reason", max_length=1000),
    ) -> PlainTextResponse:
        websub, _, _ = _parts(runtime)
        if mode in ("subscribe", "unsubscribe") and not challenge:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "A verification needs hub.challenge.")
        if not await websub.verify(callback_id, mode, topic, lease_seconds, reason):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such subscription request.")
        return PlainTextResponse(challenge)

    @router.post(
        "/websub/{callback_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="A hub pushes new content of a subscribed feed (signed with the subscription's secret)",
        responses={
            400: {"description": "The body is not a feed."},
            403: {"description": "Unsigned, or the signature does not match."},
            404: {"description": "No such subscription."},
            410: {"description": "The subscription is over (feed deleted or disabled, or unsubscribing)."},
            413: {"description": "The body is over NEWSWATCH_INGEST_MAX_BYTES."},
            429: {"description": "Too many pushes to this subscription this minute."},
            503: {"description": "Busy, or the broker or Redis is away: deliver again later."},
        },
        openapi_extra={"requestBody": {"content": {"application/atom+xml": {}}, "required": True}},
    )
    async def receive(callback_id: str, request: Request) -> Response:
        websub, registry, poller = _parts(runtime)
        sub = await websub.store.get(callback_id)
        if sub is None:
            raise _refuse(404, "unknown", "No such subscription.")
        if sub.state == "unsubscribing":
            raise _refuse(410, "gone", "This subscription has ended.")
        if await websub.store.count_push(callback_id, utcnow()) > pushes_per_min:
            raise _refuse(429, "rate_limited", "Too many pushes this minute.", {"Retry-After": "60"})
        if reading.locked():
            raise _refuse(503, "busy", "Too many pushes at once.", {"Retry-After": "5"})
        async with reading:
            try:
                body = await read_capped(request, max_bytes)
            except HTTPException as e:
                raise _refuse(e.status_code, "too_large", str(e.detail)) from None
            if not verify_signature(request.headers.get("x-hub-signature"), sub.secret, body):
                log.warning(
                    "push to %s refused: bad or missing signature",
                    callback_id,
                    extra={"feed_id": sub.feed_id},
                )
                raise _refuse(403, "bad_signature", "The X-Hub-Signature is missing or does not match.")
            feed = await registry.get(sub.feed_id)
            if feed is None or not feed.enabled:
                await websub.retire(sub.feed_id)
                raise _refuse(410, "gone", "The feed is no longer followed.")
            try:
                published = await poller.push(feed, body, request.headers.get("content-type"), sub.topic)
            except PushRejected as e:
                raise _refuse(400, "unreadable", str(e)) from None
            except (PublishError, RedisError) as e:
                log.warning("push for %s not published: %s", feed.url, e, extra={"feed_id": feed.id})
                raise _refuse(
                    503, "publish_failed", "Not published; deliver again later.", {"Retry-After": "30"}
                ) from None
        metrics.WEBSUB_PUSHES.labels("ok").inc()
        log.info("hub pushed %s: %d new", feed.url, published, extra={"feed_id": feed.id})
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
