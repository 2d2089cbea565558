"""Delivery channels of a watchlist: what users send (``*In``) and what is stored (with an id).

Three push channels exist, told apart by ``type``:

- ``webhook``: a signed JSON POST to any http(s) URL (secret generated when not given);
- ``slack``: a Slack incoming-webhook URL, sent ``{"text", "blocks"}`` (the URL is the credential);
- ``email``: one or more addresses, sent over the deployment's SMTP server, each only once the
  address confirmed it wants this user's alerts (``consent``: double opt-in).

The fourth way to receive alerts, the live stream ``GET /alerts/stream``, needs no channel: every
alert of a user is on their stream. Watchlists stored before channel types existed hold webhooks with
``"type": "webhook"``, so they load unchanged. Ids and generated secrets are made where watchlists
are (``watchlist_edit.materialise_channels``); the stored models ignore a secret given to a channel
type that does not sign.
"""

from __future__ import annotations

import hashlib
from email.utils import parseaddr
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "AnyChannel",
    "ConsentStatus",
    "Channel",
    "ChannelIn",
    "ChannelType",
    "EmailChannel",
    "EmailChannelIn",
    "SlackChannel",
    "SlackChannelIn",
    "WebhookChannel",
    "WebhookChannelIn",
    "destination",
    "destination_key",
]

ChannelType = Literal["webhook", "slack", "email"]

#: An e-mail address's consent to one user's alerts, as GET /watchlists shows it (``consent``).
ConsentStatus = Literal["unconfirmed", "pending", "confirmed", "unsubscribed"]


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host")
    return value


def _address(value: str) -> str:
    """A bare address ``local@domain``: no display name, no spaces, nothing that could split a header."""
    value = value.strip()
    name, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if name or address != value or not local or "." not in domain or any(c.isspace() for c in value):
        raise ValueError(f"not an e-mail address: {value!r}")
    return value


HttpUrl = Annotated[str, Field(max_length=2000), AfterValidator(_http_url)]
Address = Annotated[str, Field(max_length=254), AfterValidator(_address)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


# -- what users send ---------------------------------------------------------------------------------


class _In(BaseModel):
    """A field the model does not have is a 422, never silently dropped (a typo would lose a setting)."""

    model_config = ConfigDict(extra="forbid")


class WebhookChannelIn(_In):
    type: Literal["webhook"]
    url: HttpUrl
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=256,
        description="HMAC signing secret; generated when omitted.",
    )


class SlackChannelIn(_In):
    type: Literal["slack"]
    url: HttpUrl = Field(description="A Slack incoming-webhook URL (https://hooks.slack.com/services/…).")


class EmailChannelIn(_In):
    type: Literal["email"]
    to: list[Address] = Field(min_length=1, max_length=10, description="Recipients (bare addresses).")

    @field_validator("to")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))


ChannelIn = Annotated[WebhookChannelIn | SlackChannelIn | EmailChannelIn, Field(discriminator="type")]


# -- what is stored ----------------------------------------------------------------------------------


class WebhookChannel(_Frozen):
    id: str
    type: Literal["webhook"] = "webhook"
    url: str
    secret: str = Field(
        description="Signs each delivery: X-Newswatch-Signature: sha256=HMAC-SHA256(secret, "
        '"<X-Newswatch-Timestamp>." + body).'
    )


class SlackChannel(_Frozen):
    id: str
    type: Literal["slack"] = "slack"
    url: str


class EmailChannel(_Frozen):
    id: str
    type: Literal["email"] = "email"
    to: list[str]
    consent: dict[str, ConsentStatus] = Field(
        default_factory=dict,
        description="Per address, in responses (never stored): `confirmed` (gets this user's alerts), "
        "`pending` (a confirmation mail was sent; nothing else is until its link is followed), "
        "`unsubscribed` (the address withdrew; only it can undo that), `unconfirmed` (not asked yet).",
    )


AnyChannel = WebhookChannel | SlackChannel | EmailChannel
Channel = Annotated[AnyChannel, Field(discriminator="type")]


def destination(channel: AnyChannel) -> str:
    """Where the channel delivers, as shown in an alert's ``deliveries[].url``: the URL or a mailto."""
    if isinstance(channel, EmailChannel):
        return "mailto:" + ",".join(channel.to)
    return channel.url


def destination_key(channel: AnyChannel) -> str:
    """A short stable hash of the destination: the per-channel rate limit is per receiver, so two
    watchlists posting to the same Slack URL share one budget (Slack limits per incoming webhook)."""
    return hashlib.sha256(f"{channel.type}\x1f{destination(channel)}".encode()).hexdigest()[:24]
