"""Where a channel may deliver: the rules checked when a watchlist is saved and again when sending.

Users choose webhook and Slack URLs, so the service must not become their way into its own network:

- **addresses**: a URL whose host is, or resolves to, a non-public address (loopback, private,
  link-local such as the metadata endpoint 169.254.169.254, …; ``newswatch_shared.netguard``) is
  refused unless the deployment allows it (``NEWSWATCH_ALLOW_PRIVATE_URLS``,
  ``NEWSWATCH_ALLOWED_PRIVATE_HOSTS``). Checked here when saving, for a clear 422; enforced at every
  connection by the deliver role's guarded client (``newswatch_shared.egress``), which is what stops
  a name that changes its address later;
- **Slack**: a Slack channel's URL must be on one of Slack's incoming-webhook hosts
  (``NEWSWATCH_ALERT_SLACK_HOSTS``), so a "Slack" channel is not a second, unsigned webhook.

E-mail channels name recipients, not servers: mail goes to the operator's SMTP server, which is
trusted, as is the enrich URL ``POST /watchlists/test`` calls. Stored watchlists are not re-checked
when read, so they always load; a stored URL that breaks the rules fails at delivery instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import BaseModel

from newswatch_shared.egress import Resolver, check_url, system_resolver
from newswatch_shared.netguard import EgressPolicy

__all__ = ["DEFAULT_SLACK_HOSTS", "DestinationRules", "UrlProblem", "channel_problems", "slack_host_problem"]

DEFAULT_SLACK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})


@dataclass(frozen=True)
class DestinationRules:
    egress: EgressPolicy
    slack_hosts: frozenset[str] = DEFAULT_SLACK_HOSTS
    resolver: Resolver = system_resolver


@dataclass(frozen=True)
class UrlProblem:
    index: int  # the channel's position in the list sent
    url: str
    message: str


def slack_host_problem(url: str, slack_hosts: frozenset[str]) -> str | None:
    """Why ``url`` cannot be a Slack channel's; None when its host is one of ``slack_hosts``."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if host in slack_hosts:
        return None
    allowed = ", ".join(sorted(slack_hosts))
    return (
        f"not a Slack incoming-webhook URL: the host must be {allowed} (https://hooks.slack.com/services/…)"
    )


async def _problem(index: int, channel: BaseModel, rules: DestinationRules) -> UrlProblem | None:
    url = getattr(channel, "url", None)
    if not isinstance(url, str):
        return None  # e-mail: recipients, delivered through the operator's SMTP server
    if getattr(channel, "type", None) == "slack":
        wrong_host = slack_host_problem(url, rules.slack_hosts)
        if wrong_host is not None:
            return UrlProblem(index, url, wrong_host)
    refused = await check_url(url, rules.egress, rules.resolver)
    return None if refused is None else UrlProblem(index, url, str(refused))


async def channel_problems(channels: Sequence[BaseModel], rules: DestinationRules) -> list[UrlProblem]:
    """What is wrong with the URLs of the channels sent (resolving their hosts at once), in order."""
    found = await asyncio.gather(*(_problem(i, c, rules) for i, c in enumerate(channels)))
    return [p for p in found if p is not None]
