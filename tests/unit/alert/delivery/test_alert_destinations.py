"""The destination rules for channel URLs (delivery.destinations), with a resolver written in-test so
that names resolve without DNS: Slack's hosts, addresses behind names, and e-mail left alone."""

from __future__ import annotations

import random
from ipaddress import ip_address

import pytest
from pydantic import TypeAdapter

from newswatch_alert.delivery.channels import ChannelIn
from newswatch_alert.delivery.destinations import (
    DEFAULT_SLACK_HOSTS,
    DestinationRules,
    channel_problems,
    slack_host_problem,
)
from newswatch_alert.delivery.models import DeliveryState
from newswatch_alert.delivery.policy import RetryPolicy, after_attempt
from newswatch_alert.settings import AlertSettings
from newswatch_shared.netguard import EgressPolicy, IPAddress
from tests.unit.alert.samples import NOW

NAMES = {
    "hooks.slack.com": "52.0.0.10",
    "hooks.example.org": "93.184.215.14",
    "intranet.example.org": "10.1.2.3",
    "evil.example.org": "169.254.169.254",
}


async def resolver(host: str, port: int) -> list[IPAddress]:
    if host not in NAMES:
        raise OSError(f"{host}: Name or service not known")
    return [ip_address(NAMES[host])]


async def never(host: str, port: int) -> list[IPAddress]:
    raise AssertionError("nothing is resolved when private addresses are allowed")


def channels(*raw: dict[str, object]) -> list[object]:
    adapter: TypeAdapter[object] = TypeAdapter(ChannelIn)
    return [adapter.validate_python(c) for c in raw]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://hooks.slack.com/services/T0/B0/x", True),
        ("https://HOOKS.SLACK.COM./services/T0/B0/x", True),
        ("https://hooks.slack-gov.com/services/T0/B0/x", True),
        ("https://hooks.slack.com.example.org/services/x", False),
        ("https://slack.com/services/x", False),
        ("https://example.org/hooks.slack.com/services/x", False),
    ],
)
def test_slack_urls_must_be_on_slacks_hosts(url: str, ok: bool) -> None:
    rules = DestinationRules(EgressPolicy())
    assert (slack_host_problem(url, rules.slack_hosts) is None) is ok


async def test_each_refused_url_is_named_by_its_position() -> None:
    rules = DestinationRules(EgressPolicy(), resolver=resolver)
    problems = await channel_problems(
        channels(
            {"type": "slack", "url": "https://hooks.slack.com/services/T0/B0/x"},
            {"type": "webhook", "url": "https://hooks.example.org/n"},
            {"type": "email", "to": ["desk@intranet.example.org"]},
            {"type": "webhook", "url": "https://intranet.example.org/n"},
            {"type": "webhook", "url": "https://evil.example.org/n"},
            {"type": "webhook", "url": "https://not-yet.example.org/n"},  # unresolvable: checked at delivery
        ),
        rules,
    )
    assert [(p.index, p.message.split(",")[0]) for p in problems] == [
        (3, "refused: intranet.example.org resolves to 10.1.2.3"),
        (4, "refused: evil.example.org resolves to 169.254.169.254"),
    ]


async def test_a_slack_host_that_resolves_to_a_private_address_is_refused_too() -> None:
    private_names = {"hooks.slack.com": "10.0.0.9"}

    async def hijacked(host: str, port: int) -> list[IPAddress]:
        return [ip_address(private_names[host])]

    rules = DestinationRules(EgressPolicy(), resolver=hijacked)
    (problem,) = await channel_problems(
        channels({"type": "slack", "url": "https://hooks.slack.com/services/T0/B0/x"}), rules
    )
    assert problem.message.startswith("refused: hooks.slack.com resolves to 10.0.0.9, a private address")


async def test_with_the_allowance_nothing_is_resolved_but_slack_hosts_still_hold() -> None:
    rules = DestinationRules(EgressPolicy(allow_private=True), frozenset({"127.0.0.1"}), resolver=never)
    problems = await channel_problems(
        channels(
            {"type": "webhook", "url": "http://10.0.0.5/hook"},
            {"type": "slack", "url": "http://127.0.0.1:9/services/x"},
            {"type": "slack", "url": "https://hooks.slack.com/services/x"},  # not in this deployment's list
        ),
        rules,
    )
    assert [p.index for p in problems] == [2]


def test_a_refused_destination_is_dead_at_its_first_attempt() -> None:
    policy = RetryPolicy(max_attempts=8, base_s=1.0, cap_s=10.0)
    fresh = DeliveryState.model_validate({"channel_id": "c", "url": "http://127.0.0.1/", "updated_at": NOW})
    refusal = "refused: 127.0.0.1 is a loopback address (set NEWSWATCH_ALLOW_PRIVATE_URLS=true to allow)"
    after = after_attempt(fresh, refusal, NOW, policy, random.Random(1), final=True)
    assert (after.status, after.attempts, after.last_error, after.next_attempt_at) == (
        "dead",
        1,
        refusal,
        None,
    )
    assert (
        after_attempt(fresh, refusal, NOW, policy, random.Random(1)).status == "failed"
    )  # not final: retried


def test_the_settings_default_is_slacks_own_hosts() -> None:
    settings = AlertSettings(
        admin_token="an-admin-token-only-for-tests", alert_slack_hosts=" Hooks.Slack.com. ,x"
    )
    assert settings.slack_hosts == frozenset({"hooks.slack.com", "x"})
    assert AlertSettings(admin_token="an-admin-token-only-for-tests").slack_hosts == DEFAULT_SLACK_HOSTS
