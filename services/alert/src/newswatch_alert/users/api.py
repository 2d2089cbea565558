"""Users (admin only) and a user's own API keys.

The admin token bootstraps users: it creates them (each with a first key, named ``default``), lists
them and deactivates them. It cannot act as a user. A user manages their own keys: create more (to
rotate, or one per client), list them, revoke one. Keys are scoped like everything else: another
user's key id answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from pydantic import SecretStr

from newswatch_alert.common.openapi import EXAMPLE_TIME, EXAMPLE_USER_ID, errors, example
from newswatch_alert.common.parts import part
from newswatch_alert.users.apikeys import (
    MAX_KEYS_PER_USER,
    ApiKeyStore,
    KeyLimitReached,
    LastKey,
    UserInactive,
)
from newswatch_alert.users.auth import current_user
from newswatch_alert.users.models import (
    ApiKey,
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyList,
    UserCreated,
    UserIn,
    UserList,
    UserView,
)
from newswatch_alert.users.store import UserStore
from newswatch_shared.auth import admin_guard
from newswatch_shared.schemas import utcnow

__all__ = ["key_created_example", "key_example", "user_created_example", "user_example", "users_router"]

Users = Annotated[UserStore, Depends(part(UserStore))]
ApiKeys = Annotated[ApiKeyStore, Depends(part(ApiKeyStore))]
UserId = Annotated[str, Depends(current_user)]
KeyId = Annotated[
    str,
    Path(description="The key's id, from GET /keys.", openapi_examples={"id": {"value": "9b0f3c6d2a7e8f14"}}),
]
TargetUser = Annotated[
    str, Path(description="The user's id.", openapi_examples={"id": {"value": "5d1e0c9a7b3f2e41"}})
]

_NO_USER = "user not found"
_NO_KEY = "key not found"


def users_router(admin_token: SecretStr) -> APIRouter:
    router = APIRouter()
    admin_only = [Depends(admin_guard(admin_token))]

    @router.post(
        "/users",
        status_code=status.HTTP_201_CREATED,
        tags=["users"],
        summary="Create a user and its first API key (admin)",
        description="The key is in this response only; Redis keeps its SHA-256. Its name is `default`.",
        dependencies=admin_only,
        responses={**errors(401), **example(user_created_example(), 201)},
    )
    async def create_user(body: UserIn, users: Users) -> UserCreated:
        return await users.create(body.name, utcnow())

    @router.get(
        "/users",
        tags=["users"],
        summary="Every user, deactivated ones included, oldest first (admin)",
        dependencies=admin_only,
        responses={**errors(401), **example({"users": [user_example()]})},
    )
    async def list_users(users: Users) -> UserList:
        return UserList(users=await users.list_all())

    @router.delete(
        "/users/{user_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["users"],
        summary="Deactivate a user: revoke its keys, stop its watchlists (admin)",
        description=(
            "Its keys fail at once on every replica and its watchlists stop matching within a second. "
            "The user, its watchlists and alerts stay stored; GET /users shows it as inactive. "
            "Repeating the call is harmless."
        ),
        dependencies=admin_only,
        responses=errors(401, 404, e404=_NO_USER),
    )
    async def deactivate_user(user_id: TargetUser, users: Users) -> Response:
        if await users.deactivate(user_id, utcnow()) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, _NO_USER)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/keys",
        status_code=status.HTTP_201_CREATED,
        tags=["keys"],
        summary="Create another API key for the caller (shown once)",
        description=f"Up to {MAX_KEYS_PER_USER} keys per user. The new key works at once, on every replica.",
        responses={
            **errors(401, 409, e409="The caller has the most keys allowed."),
            **example(key_created_example(), 201),
        },
    )
    async def create_key(body: ApiKeyIn, user_id: UserId, api_keys: ApiKeys) -> ApiKeyCreated:
        try:
            return await api_keys.create(user_id, body.name, utcnow())
        except KeyLimitReached as e:
            raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from e
        except UserInactive as e:  # deactivated between authentication and now
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "invalid API key", headers={"WWW-Authenticate": "Bearer"}
            ) from e

    @router.get(
        "/keys",
        tags=["keys"],
        summary="The caller's API keys, oldest first (never the keys themselves)",
        responses={**errors(401), **example({"keys": [key_example()]})},
    )
    async def list_keys(user_id: UserId, api_keys: ApiKeys) -> ApiKeyList:
        return ApiKeyList(keys=await api_keys.list_for(user_id))

    @router.delete(
        "/keys/{key_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["keys"],
        summary="Revoke one of the caller's API keys",
        description=(
            "The key fails with 401 from the next request on, on every replica. The key making the "
            "request may revoke itself; the caller's only key may not (409: create another first)."
        ),
        responses=errors(401, 404, 409, e404=_NO_KEY, e409="It is the caller's only key."),
    )
    async def revoke_key(key_id: KeyId, user_id: UserId, api_keys: ApiKeys) -> Response:
        try:
            revoked = await api_keys.revoke(user_id, key_id)
        except LastKey as e:
            raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from e
        if not revoked:
            raise HTTPException(status.HTTP_404_NOT_FOUND, _NO_KEY)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


def user_created_example() -> dict[str, Any]:
    return UserCreated(id=EXAMPLE_USER_ID, name="risk desk", api_key="nw_" + "x" * 43).model_dump(mode="json")


def user_example() -> dict[str, Any]:
    return UserView(id=EXAMPLE_USER_ID, name="risk desk", created_at=EXAMPLE_TIME, active=True).model_dump(
        mode="json"
    )


def key_example() -> dict[str, Any]:
    return ApiKey(
        id="9b0f3c6d2a7e8f14",
        name="ci pipeline",
        prefix="nw_Q3vK8aZ",
        created_at=EXAMPLE_TIME,
        last_used_at=EXAMPLE_TIME,
    ).model_dump(mode="json")


def key_created_example() -> dict[str, Any]:
    data = {**key_example(), "last_used_at": None, "api_key": "nw_Q3vK8aZ" + "x" * 36}
    return ApiKeyCreated.model_validate(data).model_dump(mode="json")
