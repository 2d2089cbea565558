"""Users and API keys: stored records and the API's request/response shapes (re-exported by models).

Stored records are frozen and ignore unknown fields, and new fields get defaults, so records written by
an older or newer version still load. The key itself appears in exactly two responses (POST /users and
POST /keys); everything else shows the key's id and the start of the key.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from newswatch_shared.schemas import UtcDatetime

__all__ = [
    "ApiKey",
    "ApiKeyCreated",
    "ApiKeyIn",
    "ApiKeyList",
    "ApiKeyRecord",
    "User",
    "UserCreated",
    "UserIn",
    "UserList",
    "UserView",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def _stripped_name(value: str) -> str:
    if not value.strip():
        raise ValueError("name must not be blank")
    return value.strip()


# -- users -------------------------------------------------------------------------------------------


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "risk desk"}]})

    name: str = Field(min_length=1, max_length=200)

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return _stripped_name(value)


class User(_Frozen):
    """Stored as ``user:<id>``. Deactivation keeps the record (alerts and watchlists refer to it)."""

    id: str
    name: str
    created_at: UtcDatetime
    deactivated_at: UtcDatetime | None = None


class UserView(_Frozen):
    """A user as the admin sees it in GET /users."""

    id: str
    name: str
    created_at: UtcDatetime
    active: bool = Field(description="False once DELETE /users/{id} deactivated the user.")
    deactivated_at: UtcDatetime | None = None

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            id=user.id,
            name=user.name,
            created_at=user.created_at,
            active=user.deactivated_at is None,
            deactivated_at=user.deactivated_at,
        )


class UserList(_Frozen):
    users: list[UserView]


class UserCreated(_Frozen):
    id: str
    name: str
    api_key: str = Field(description="Shown once: only its SHA-256 is stored.")


# -- API keys ----------------------------------------------------------------------------------------


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "ci pipeline"}]})

    name: str = Field(min_length=1, max_length=100, description="Your label for the key.")

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return _stripped_name(value)


class ApiKeyRecord(_Frozen):
    """Stored in the hash ``user:<id>:keys`` under the key's id; never returned as is (it has the hash)."""

    id: str
    name: str
    prefix: str | None = None  # None for keys made before key records existed (only the hash was kept)
    created_at: UtcDatetime
    sha256: str


class ApiKey(_Frozen):
    """A key as GET /keys lists it: never the key itself."""

    id: str
    name: str
    prefix: str | None = Field(
        description="The first characters of the key; null for keys made before keys were listed."
    )
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None = Field(
        default=None, description="Last authenticated request, to about a minute; null if never used."
    )

    @classmethod
    def of(cls, record: ApiKeyRecord, last_used_at: UtcDatetime | None = None) -> ApiKey:
        return cls(
            id=record.id,
            name=record.name,
            prefix=record.prefix,
            created_at=record.created_at,
            last_used_at=last_used_at,
        )


class ApiKeyCreated(ApiKey):
    api_key: str = Field(description="Shown once: only its SHA-256 is stored.")


class ApiKeyList(_Frozen):
    keys: list[ApiKey]
