"""Bearer authentication: the admin token for admin endpoints, per-user API keys for the rest.

One header for both, ``Authorization: Bearer <credential>`` (RFC 6750), so every HTTP client and
``/docs`` can send it; a second header such as ``X-API-Key`` would only be a second way to get it
wrong. Both answer 401 with ``WWW-Authenticate: Bearer`` when the credential is missing or wrong, with
the same message for an unknown, revoked or deactivated key so a 401 reveals nothing. The admin check
is shared with ingest (``newswatch_shared.auth``). A user key on an admin endpoint is simply a wrong
admin token, and the admin token is no user key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPBearer

from newswatch_alert.common.parts import part
from newswatch_alert.users.apikeys import ApiKeyStore
from newswatch_shared.auth import Credentials, unauthorized

__all__ = ["current_user"]

_user_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="UserKey",
    description="A user's API key (`nw_…`), from POST /users or POST /keys.",
)


async def current_user(
    credentials: Annotated[Credentials, Depends(_user_bearer)],
    api_keys: Annotated[ApiKeyStore, Depends(part(ApiKeyStore))],
) -> str:
    """The id of the active user whose API key the request carries (checked in Redis every time)."""
    if credentials is None:
        raise unauthorized("missing API key")
    user_id = await api_keys.authenticate(credentials.credentials)
    if user_id is None:
        raise unauthorized("invalid API key")
    return user_id
