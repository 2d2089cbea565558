"""The admin bearer check every service's admin endpoints use (ingest's feeds, alert's users).

One header, ``Authorization: Bearer <NEWSWATCH_ADMIN_TOKEN>`` (RFC 6750), declared through FastAPI's
``HTTPBearer`` so ``/docs`` offers to send it. A missing or wrong token answers 401 with
``WWW-Authenticate: Bearer``; the comparison takes constant time, so response timing reveals nothing
of the token.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

__all__ = ["Credentials", "admin_guard", "unauthorized"]

Credentials = HTTPAuthorizationCredentials | None

_admin_bearer = HTTPBearer(
    auto_error=False, scheme_name="AdminToken", description="The NEWSWATCH_ADMIN_TOKEN of this deployment."
)


def unauthorized(detail: str) -> HTTPException:
    """A 401 that tells the client which scheme to use."""
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def admin_guard(token: SecretStr) -> Callable[[Credentials], Awaitable[None]]:
    """A dependency that lets only requests carrying ``token`` through."""
    expected = token.get_secret_value().encode("utf-8")

    async def require_admin(credentials: Annotated[Credentials, Depends(_admin_bearer)]) -> None:
        if credentials is None:
            raise unauthorized("missing admin token")
        if not hmac.compare_digest(credentials.credentials.encode("utf-8"), expected):
            raise unauthorized("invalid admin token")

    return require_admin
