"""Bearer authentication: the admin token for admin endpoints, per-user API keys for the rest.

One header for both, ``Authorization: Bearer <credential>`` (RFC 6750), so every HTTP client and
``/docs`` can send it; a second header such as ``X-API-Key`` would only be a second way to get it
wrong. Both answer 401 with ``WWW-Authenticate: Bearer`` when the credential is missing or wrong, with
the same message for an unknown, revoked or deactivated key so a 401 reveals nothing. The admin check
compares in constant time. A user key on an admin endpoint is simply a wrong admin token, and the admin
token is no user key.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from newswatch_alert.services import Services, get_services

__all__ = ["admin_guard", "current_user"]

_user_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="UserKey",
    description="A user's API key (`nw_…`), from POST /users or POST /keys.",
)
_admin_bearer = HTTPBearer(
    auto_error=False, scheme_name="AdminToken", description="The NEWSWATCH_ADMIN_TOKEN of this deployment."
)

Credentials = HTTPAuthorizationCredentials | None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


async def current_user(
    credentials: Annotated[Credentials, Depends(_user_bearer)],
    services: Annotated[Services, Depends(get_services)],
) -> str:
    """The id of the active user whose API key the request carries (checked in Redis every time)."""
    if credentials is None:
        raise _unauthorized("missing API key")
    user_id = await services.api_keys.authenticate(credentials.credentials)
    if user_id is None:
        raise _unauthorized("invalid API key")
    return user_id


def admin_guard(token: SecretStr) -> Callable[[Credentials], Awaitable[None]]:
    """A dependency that lets only requests carrying ``token`` through."""
    expected = token.get_secret_value().encode("utf-8")

    async def require_admin(credentials: Annotated[Credentials, Depends(_admin_bearer)]) -> None:
        if credentials is None:
            raise _unauthorized("missing admin token")
        if not hmac.compare_digest(credentials.credentials.encode("utf-8"), expected):
            raise _unauthorized("invalid admin token")

    return require_admin
