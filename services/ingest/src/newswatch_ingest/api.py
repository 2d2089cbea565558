"""The feed API: register feeds (admin) and read their health.

``POST /feeds`` needs ``Authorization: Bearer <NEWSWATCH_ADMIN_TOKEN>``: adding a feed makes the
service fetch an arbitrary URL, so it is not open to everyone. Reading the list is open: it holds
URLs and health, no secrets.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, Header, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from redis.asyncio import Redis

from newswatch_ingest.feeds import Feed, FeedRegistry
from newswatch_ingest.poller import Poller
from newswatch_shared.kafka import kafka_ready
from newswatch_shared.redis_client import redis_ready
from newswatch_shared.runtime import Worker
from newswatch_shared.schemas import utcnow

__all__ = ["AddFeed", "Runtime", "feeds_router"]


@dataclass
class Runtime:
    """What the endpoints need from the lifespan; empty until start-up has finished."""

    registry: FeedRegistry | None = None
    poller: Poller | None = None
    producer: AIOKafkaProducer | None = None
    redis: Redis | None = None
    worker: Worker | None = None

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


class AddFeed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048, description="http(s) URL of an RSS, Atom or RDF feed.")
    title: str | None = Field(default=None, max_length=300, description="Overrides the feed's own title.")


def _admin_check(token: SecretStr) -> Callable[[str | None], Awaitable[None]]:
    expected = token.get_secret_value().encode()

    async def check(authorization: str | None = Header(default=None)) -> None:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), expected):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "A valid admin bearer token is required.",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check


def feeds_router(runtime: Runtime, admin_token: SecretStr) -> APIRouter:
    router = APIRouter(tags=["feeds"])

    @router.post(
        "/feeds",
        status_code=status.HTTP_201_CREATED,
        summary="Register a feed and poll it now (200 if it was already registered)",
        dependencies=[Depends(_admin_check(admin_token))],
    )
    async def add_feed(body: AddFeed, response: Response) -> Feed:
        registry, poller = runtime.parts()
        now = utcnow()
        try:
            feed, created = await registry.add(body.url, body.title, now=now)
        except ValueError as e:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(e)) from e
        if not created:
            response.status_code = status.HTTP_200_OK
            await registry.poll_now(feed.id, now)
        poller.wake()
        return await registry.get(feed.id) or feed

    @router.get("/feeds", summary="Registered feeds with their health")
    async def list_feeds() -> list[Feed]:
        registry, _ = runtime.parts()
        return await registry.list_feeds()

    @router.get("/feeds/{feed_id}", summary="One feed with its health")
    async def get_feed(feed_id: str) -> Feed:
        registry, _ = runtime.parts()
        feed = await registry.get(feed_id)
        if feed is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No feed with id {feed_id}.")
        return feed

    return router
