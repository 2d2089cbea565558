"""Roles: what one process runs (api, match, deliver; NEWSWATCH_ALERT_ROLES), wired from the settings.
May import: common, users, delivery, live, watchlists, alerts, dashboard (only app imports roles)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from redis.asyncio import Redis

from newswatch_alert.common.parts import Parts
from newswatch_alert.roles.api import api_role, api_routers
from newswatch_alert.roles.base import SERVICE, RoleProbe, report
from newswatch_alert.roles.deliver import deliver_role
from newswatch_alert.roles.match import GROUP_ID, match_role
from newswatch_alert.settings import AlertSettings, Role

__all__ = ["GROUP_ID", "RUNNERS", "SERVICE", "RoleProbe", "RoleRunner", "api_routers", "report"]

#: Starts a role inside the app's lifespan; leaving the context stops it.
RoleRunner = Callable[[AlertSettings, Redis, Parts], AbstractAsyncContextManager[RoleProbe]]

RUNNERS: dict[Role, RoleRunner] = {"api": api_role, "match": match_role, "deliver": deliver_role}
