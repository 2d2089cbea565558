"""Bearer authentication: the admin token for admin endpoints, per-user API keys for the rest.

Both answer 401 with ``WWW-Authenticate: Bearer`` when the credential is missing or wrong; the admin
check compares in constant time. (A user key on an admin endpoint is simply a wrong admin token.)
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
    auto_error=False, scheme_name="UserKey", description="The api_key returned by POST /users."
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
    """The id of the user whose API key the request carries."""
    if credentials is None:
        raise _unauthorized("missing API key")
    user_id = await services.users.user_id_for(credentials.credentials)
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
