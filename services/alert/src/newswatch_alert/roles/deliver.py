"""The ``deliver`` role: the outbox workers that send alerts and digests (webhook, Slack, e-mail).

Replicas share the outbox: each entry is claimed with a lease, so two replicas never send it at
once, and an entry whose holder died is sent by another when the lease runs out. Needs Redis and
the network to the receivers, no Kafka. Webhooks and Slack go out through the egress guard
(``newswatch_shared.egress``): each connection is made only to an address the settings allow.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from newswatch_alert.common.parts import Parts
from newswatch_alert.delivery.webhook import USER_AGENT
from newswatch_alert.roles import build
from newswatch_alert.roles.base import RoleProbe
from newswatch_alert.settings import AlertSettings
from newswatch_shared.egress import guarded_client
from newswatch_shared.redis_client import redis_ready
from newswatch_shared.runtime import Worker

__all__ = ["deliver_role"]


@contextlib.asynccontextmanager
async def deliver_role(settings: AlertSettings, redis: Redis, parts: Parts) -> AsyncIterator[RoleProbe]:
    async with guarded_client(
        settings.egress_policy(),
        headers={"User-Agent": USER_AGENT},
        timeout=settings.alert_webhook_timeout_s,
        follow_redirects=False,
    ) as http:
        worker = Worker("alert-deliver", build.deliverer(settings, redis, http).run)
        worker.start()
        try:
            yield RoleProbe(needs={"redis": lambda: redis_ready(redis)}, workers=[worker])
        finally:
            await worker.stop()
