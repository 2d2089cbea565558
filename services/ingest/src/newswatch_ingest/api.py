"""The feed API: manage feeds (admin), import and export them as OPML, and read their health.

Every change needs ``Authorization: Bearer <NEWSWATCH_ADMIN_TOKEN>``: adding or moving a feed makes
the service fetch an arbitrary URL, and deleting one loses its history. A URL whose host is or
resolves to a non-public address is refused (422 on ``url``) unless the egress policy allows it; the
fetch itself is guarded again at every connection. Reading is open: the list
holds URLs, settings and health, no secrets, and monitoring should not need the admin token.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictBool, field_validator
from redis.asyncio import Redis

from newswatch_ingest import metrics
from newswatch_ingest.feedfields import MAX_TAGS, check_interval, clean_tags
from newswatch_ingest.feedimport import ImportReport, register_listed
from newswatch_ingest.feeds import Feed, FeedChanges, FeedConflict, FeedRegistry
from newswatch_ingest.opml import MAX_OPML_BYTES, ListedFeed, OpmlError, build_opml, parse_opml
from newswatch_ingest.poller import Poller
from newswatch_ingest.websub_subscriber import WebSubSubscriber
from newswatch_shared.auth import admin_guard
from newswatch_shared.egress import check_url
from newswatch_shared.http_api import JsonNumber, invalid
from newswatch_shared.kafka import kafka_ready
from newswatch_shared.netguard import PUBLIC_ONLY, EgressPolicy
from newswatch_shared.redis_client import redis_ready
from newswatch_shared.runtime import Worker
from newswatch_shared.schemas import utcnow

__all__ = ["AddFeed", "Runtime", "UpdateFeed", "feeds_router", "read_capped"]

OPML_MEDIA_TYPE = "text/x-opml; charset=utf-8"


@dataclass
class Runtime:
    """What the endpoints need from the lifespan; empty until start-up has finished."""

    registry: FeedRegistry | None = None
    poller: Poller | None = None
    producer: AIOKafkaProducer | None = None
    redis: Redis | None = None
    worker: Worker | None = None
    websub: WebSubSubscriber | None = None
    rng: random.Random = field(default_factory=random.Random)

    async def ready(self) -> dict[str, bool]:
        """Readiness: the broker and Redis answer, and the poll loop is alive."""
        return {
            "kafka": self.producer is not None and await kafka_ready(self.producer),
            "redis": self.redis is not None and await redis_ready(self.redis),
            "poller": self.worker is not None and self.worker.running,
        }

    def parts(self) -> tuple[FeedRegistry, Poller]:
        if self.registry is None or self.poller is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "The service is still starting.")
        return self.registry, self.poller

    async def retire(self, feed_id: str) -> None:
        """The feed is deleted or disabled: unsubscribe from its hub, if it has one."""
        if self.websub is not None:
            await self.websub.retire(feed_id)


class _FeedFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=300, description="Overrides the feed's own title.")
    interval_s: JsonNumber | None = Field(
        default=None,
        description="Seconds between polls, 30 to 604800; default NEWSWATCH_INGEST_POLL_INTERVAL_S.",
    )
    enabled: StrictBool | None = Field(default=None, description="False stops polling the feed.")
    tags: list[str] | None = Field(
        default=None, max_length=MAX_TAGS * 4, description=f"Up to {MAX_TAGS} short labels, no commas."
    )

    @field_validator("interval_s")
    @classmethod
    def _interval(cls, value: float | None) -> float | None:
        return None if value is None else check_interval(value)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else list(clean_tags(value))


class AddFeed(_FeedFields):
    url: str = Field(
        min_length=1, max_length=2048, description="http(s) URL of an RSS, Atom, RDF or JSON feed."
    )


class UpdateFeed(_FeedFields):
    """A PATCH: only the fields given change. ``title: null`` and ``interval_s: null`` reset them."""

    url: str | None = Field(default=None, min_length=1, max_length=2048, description="A new URL.")


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` (never read whole first)."""
    declared = request.headers.get("content-length", "")
    too_large = HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"The document is larger than the {limit:,}-byte limit."
    )
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _changes(body: UpdateFeed) -> FeedChanges:
    given = body.model_fields_set
    return FeedChanges(
        url=body.url,
        title=(body.title or "") if "title" in given else None,
        interval_s=body.interval_s,
        reset_interval="interval_s" in given and body.interval_s is None,
        tags=tuple(body.tags) if body.tags is not None else None,
        enabled=body.enabled,
    )


def _listed(feed: Feed) -> ListedFeed:
    return ListedFeed(feed.url, feed.title, feed.tags, feed.custom_interval_s, feed.enabled)


async def _refuse_private(url: str, egress: EgressPolicy) -> None:
    """A 422 on ``url``, in FastAPI's list shape, when its host is or resolves to a refused address."""
    refused = await check_url(url, egress)
    if refused is not None:
        raise invalid("body", "url", message=str(refused), input=url, kind="url_refused")


class _Error(BaseModel):
    detail: str = Field(description="What went wrong, for a human.")


class _ValidationError(BaseModel):
    detail: list[dict[str, object]] = Field(description="FastAPI's list of problems: loc, msg, type.")


_ADMIN: dict[int | str, dict[str, object]] = {
    401: {
        "model": _Error,
        "description": "Missing or wrong admin token (`Authorization: Bearer <NEWSWATCH_ADMIN_TOKEN>`).",
        "headers": {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    }
}
_NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"model": _Error, "description": "No such feed."}}


def feeds_router(runtime: Runtime, admin_token: SecretStr, egress: EgressPolicy = PUBLIC_ONLY) -> APIRouter:
    router = APIRouter(tags=["feeds"])
    admin = [Depends(admin_guard(admin_token))]

    @router.post(
        "/feeds",
        status_code=status.HTTP_201_CREATED,
        summary="Register a feed and poll it now (200 if it was already registered)",
        dependencies=admin,
        responses={200: {"model": Feed, "description": "The feed was already registered."}, **_ADMIN},
    )
    async def add_feed(body: AddFeed, response: Response) -> Feed:
        registry, poller = runtime.parts()
        await _refuse_private(body.url, egress)
        now = utcnow()
        try:
            feed, created = await registry.add(
                body.url,
                body.title,
                now=now,
                interval_s=body.interval_s,
                tags=tuple(body.tags) if body.tags is not None else None,
                enabled=body.enabled,
            )
        except ValueError as e:
            raise invalid("body", "url", message=str(e), input=body.url) from e
        if not created:
            response.status_code = status.HTTP_200_OK
            await registry.poll_now(feed.id, now)
        poller.wake()
        return await registry.get(feed.id) or feed

    @router.get("/feeds", summary="Registered feeds with their health")
    async def list_feeds(
        tag: str | None = Query(default=None, description="Only feeds with this tag."),
        enabled: bool | None = Query(
            default=None, description="Only enabled (true) or disabled (false) feeds."
        ),
    ) -> list[Feed]:
        registry, _ = runtime.parts()
        return [
            f
            for f in await registry.list_feeds()
            if (tag is None or tag in f.tags) and (enabled is None or f.enabled == enabled)
        ]

    @router.get(
        "/feeds/opml",
        summary="Every feed as an OPML 2.0 document",
        response_class=Response,
        responses={200: {"content": {"text/x-opml": {}}}},
    )
    async def export_opml() -> Response:
        registry, _ = runtime.parts()
        feeds = [_listed(f) for f in await registry.list_feeds()]
        return Response(
            build_opml(feeds, title="newswatch feeds", now=utcnow()),
            media_type=OPML_MEDIA_TYPE,
            headers={"Content-Disposition": 'attachment; filename="newswatch-feeds.opml"'},
        )

    @router.post(
        "/feeds/opml",
        summary="Register the feeds an OPML document lists (existing ones are left as they are)",
        dependencies=admin,
        responses={
            **_ADMIN,
            413: {"model": _Error, "description": f"The document is larger than {MAX_OPML_BYTES:,} bytes."},
            422: {"model": _ValidationError, "description": "Not an OPML document we read, and why."},
        },
        openapi_extra={"requestBody": {"content": {"text/x-opml": {}}, "required": True}},
    )
    async def import_opml(request: Request) -> ImportReport:
        registry, poller = runtime.parts()
        try:
            document = parse_opml(await read_capped(request, MAX_OPML_BYTES))
        except OpmlError as e:
            raise invalid("body", message=str(e)) from e
        report = await register_listed(
            registry, document.feeds, now=utcnow(), rng=runtime.rng, problems=document.problems, egress=egress
        )
        if report.added:
            poller.wake()
        return report

    @router.get("/feeds/{feed_id}", summary="One feed with its health", responses=_NOT_FOUND)
    async def get_feed(feed_id: str) -> Feed:
        registry, _ = runtime.parts()
        feed = await registry.get(feed_id)
        if feed is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No feed with id {feed_id}.")
        return feed

    @router.patch(
        "/feeds/{feed_id}",
        summary="Change a feed; re-enabling it polls it now",
        dependencies=admin,
        responses={
            **_ADMIN,
            **_NOT_FOUND,
            409: {"model": _Error, "description": "Another feed has that URL."},
        },
    )
    async def update_feed(feed_id: str, body: UpdateFeed) -> Feed:
        registry, poller = runtime.parts()
        if body.url is not None:
            await _refuse_private(body.url, egress)
        before = await registry.get(feed_id)
        try:
            feed = await registry.update(feed_id, _changes(body), now=utcnow()) if before else None
        except FeedConflict as e:
            raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from e
        except ValueError as e:
            raise invalid("body", "url", message=str(e), input=body.url) from e
        if before is None or feed is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No feed with id {feed_id}.")
        if before.enabled and not feed.enabled:
            metrics.FEEDS_DISABLED.labels("admin").inc()
            await runtime.retire(feed_id)
        if feed.enabled:
            poller.wake()
        return feed

    @router.delete(
        "/feeds/{feed_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Forget a feed (articles already published stay marked as seen)",
        dependencies=admin,
        responses={**_ADMIN, **_NOT_FOUND},
    )
    async def delete_feed(feed_id: str) -> Response:
        registry, _ = runtime.parts()
        if not await registry.delete(feed_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No feed with id {feed_id}.")
        await runtime.retire(feed_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
