"""Making and changing watchlists, as pure functions over the models (the store adds Redis).

Both work on the models' fields generically, so a field added to ``WatchlistIn`` and ``Watchlist`` is
created, returned and PATCH-able without a change here:

- create copies every ``WatchlistIn`` field onto the stored ``Watchlist``;
- PATCH takes the fields the client sent (``exclude_unset``), lays them over the stored watchlist's
  input fields and validates the result through ``WatchlistIn`` again, so a change is held to exactly
  the rules a new watchlist is (and a rule spanning fields, such as "at least one entity or keyword",
  sees the whole result).

Channels keep their identity across a PATCH: a channel sent again with the same target (same type,
URL, …) keeps its id and signing secret, so receivers need not be reconfigured; a new one gets a new
id and a generated secret unless one is given.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from pydantic import BaseModel, ConfigDict, Field, create_model

from newswatch_alert.delivery.channels import EmailChannelIn, SlackChannelIn, WebhookChannelIn
from newswatch_alert.watchlists.models import Watchlist, WatchlistIn
from newswatch_shared.ids import new_id

__all__ = ["WatchlistPatch", "materialise_channels", "new_watchlist", "patched"]


def _patch_model() -> type[BaseModel]:
    """WatchlistIn with every field optional and unknown fields refused (a typo must not pass silently)."""
    fields: dict[str, Any] = {
        name: (Optional[info.annotation], Field(default=None, description=info.description))  # noqa: UP045
        for name, info in WatchlistIn.model_fields.items()
    }
    example: dict[str, Any] = {"keywords": ["troops", "invasion"]}
    if "enabled" in WatchlistIn.model_fields:
        example["enabled"] = False
    return create_model(
        "WatchlistPatch",
        __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": [example]}),
        __doc__="Any subset of a watchlist's fields; those sent replace the stored ones.",
        **fields,
    )


if TYPE_CHECKING:
    WatchlistPatch = BaseModel
else:
    WatchlistPatch = _patch_model()


def _same_target(old: BaseModel, wanted: Mapping[str, Any]) -> bool:
    stored = old.model_dump()
    return all(stored.get(name) == value for name, value in wanted.items())


def materialise_channels(
    given: Sequence[BaseModel], existing: Sequence[BaseModel] = ()
) -> list[dict[str, Any]]:
    """Stored-channel data for the requested channels: ids and secrets kept or made (see module doc)."""
    out: list[dict[str, Any]] = []
    taken: set[str] = set()
    for channel in given:
        wanted = channel.model_dump(exclude_none=True)
        secret = wanted.pop("secret", None)
        same = next(
            (old for old in existing if getattr(old, "id", None) not in taken and _same_target(old, wanted)),
            None,
        )
        if same is not None:
            channel_id: str = same.id  # type: ignore[attr-defined]
            secret = secret or getattr(same, "secret", None)
        else:
            channel_id = new_id(8)
        taken.add(channel_id)
        out.append({**wanted, "id": channel_id, "secret": secret or secrets.token_urlsafe(32)})
    return out


def new_watchlist(user_id: str, body: WatchlistIn, now: datetime) -> Watchlist:
    """The stored watchlist for a validated POST body."""
    return Watchlist.model_validate(
        {
            **body.model_dump(exclude={"channels"}),
            "id": new_id(),
            "user_id": user_id,
            "channels": materialise_channels(body.channels),
            "created_at": now,
        }
    )


_CHANNEL_INPUT = {
    kind: frozenset(model.model_fields)
    for kind, model in (("webhook", WebhookChannelIn), ("slack", SlackChannelIn), ("email", EmailChannelIn))
}


def _as_input(watchlist: Watchlist) -> dict[str, Any]:
    """The stored watchlist as the body that would create it (channel ids dropped, secrets kept)."""
    data = watchlist.model_dump(include=set(WatchlistIn.model_fields))
    # Only what a user may send: the id and response-only fields (an e-mail's consent) are not input.
    data["channels"] = [
        {k: v for k, v in c.items() if k in _CHANNEL_INPUT[c["type"]]} for c in data.get("channels", [])
    ]
    return data


def patched(current: Watchlist, changes: Mapping[str, Any], now: datetime) -> Watchlist | None:
    """``current`` with ``changes`` applied, or None when nothing would change.

    Raises pydantic's ``ValidationError`` when the result is not a valid watchlist.
    """
    body = WatchlistIn.model_validate({**_as_input(current), **changes})
    channels = (
        materialise_channels(body.channels, current.channels)
        if "channels" in changes
        else [c.model_dump() for c in current.channels]
    )
    candidate = Watchlist.model_validate(
        {**current.model_dump(), **body.model_dump(exclude={"channels"}), "channels": channels}
    )
    if candidate == current:
        return None
    return candidate.model_copy(update={"updated_at": now})
