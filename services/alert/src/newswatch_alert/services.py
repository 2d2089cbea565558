"""The long-lived clients and stores of one process, built in the lifespan and handed to the routes."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from fastapi import Request
from redis.asyncio import Redis

from newswatch_alert.alerts import AlertStore
from newswatch_alert.apikeys import ApiKeyStore
from newswatch_alert.articles import ArticleStore
from newswatch_alert.outbox import Outbox
from newswatch_alert.users import UserStore
from newswatch_alert.watchlists import WatchlistCache, WatchlistStore

__all__ = ["Services", "get_services"]


@dataclass(frozen=True)
class Services:
    redis: Redis
    producer: AIOKafkaProducer
    users: UserStore
    api_keys: ApiKeyStore
    watchlists: WatchlistStore
    watchlist_cache: WatchlistCache
    articles: ArticleStore
    alerts: AlertStore
    outbox: Outbox


def get_services(request: Request) -> Services:
    """FastAPI dependency: the services the lifespan put on the app."""
    services: Services = request.app.state.services
    return services
