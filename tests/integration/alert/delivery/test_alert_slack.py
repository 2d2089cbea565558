"""Slack channels against a real local HTTP receiver standing in for an incoming-webhook URL."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from newswatch_alert.alerts.store import AlertStore
from newswatch_alert.delivery.channels import SlackChannel
from newswatch_alert.delivery.outbox import Outbox
from newswatch_alert.delivery.policy import RetryPolicy
from newswatch_alert.delivery.senders import Senders
from newswatch_alert.delivery.worker import Deliverer
from tests.integration.alert.delivery_support import Clock, Receiver, alert_for, receiving

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 12, 10, tzinfo=UTC)
SLACK_PATH = "/services/T000/B000/XXXXXXXX"
#: The Slack receiver here is a local server, so its host is listed as a Slack host.
LOCAL_SLACK = frozenset({"127.0.0.1"})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def deliver_due(redis: Redis, http: httpx.AsyncClient, clock: Clock, max_items: int = 50) -> None:
    outbox = Outbox(redis, lease_ms=60_000, digest_max_items=max_items)
    deliverer = Deliverer(
        outbox,
        Senders(http, None, timeout_s=5, slack_hosts=LOCAL_SLACK),
        RetryPolicy(max_attempts=3, base_s=1.0, cap_s=10.0),
        poll_s=0.05,
        concurrency=4,
        rng=random.Random(1),
        clock=clock,
    )
    for entry in await outbox.claim_due(clock.ms(), 100):
        await deliverer.deliver(entry)


def texts(message: dict[str, Any]) -> list[str]:
    """Every mrkdwn text of the blocks (the header is plain_text, which Slack never parses for mentions)."""
    out: list[str] = []
    for block in message["blocks"]:
        if "text" in block and block["text"]["type"] == "mrkdwn":
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields", [])]
        out += [e["text"] for e in block.get("elements", [])]
    return out


async def test_an_alert_is_an_incoming_webhook_message_with_escaped_text(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    clock = Clock(T0)
    alert = alert_for("slack-1", T0, title="Talks <@U024BE7LH> & ceasefire <!channel>")
    await AlertStore(redis_client, 3600, 50).create(
        alert, [SlackChannel(id="s", url=receiver.url(SLACK_PATH))], T0
    )
    await deliver_due(redis_client, http, clock)

    (post,) = receiver.received(SLACK_PATH)
    assert post.headers["content-type"] == "application/json"
    assert "x-newswatch-signature" not in post.headers  # the URL is the credential
    message = post.json()
    assert set(message) == {"text", "blocks"}
    assert message["text"] == "Eastern border: Talks &lt;@U024BE7LH&gt; &amp; ceasefire &lt;!channel&gt;"
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "section", "section", "context"]
    assert message["blocks"][0]["text"] == {"type": "plain_text", "text": alert.title}
    shown = "\n".join(texts(message))
    assert f"<{alert.url}|Talks &lt;@U024BE7LH&gt; &amp; ceasefire &lt;!channel&gt;>" in shown
    assert "<@U024BE7LH>" not in shown and "<!channel>" not in shown  # no mention can be injected
    assert "Example Wire" in shown and "score 37.5" in shown and "Ukraine, troops" in shown
    assert alert.id in shown


async def test_a_long_digest_stays_within_slacks_block_limit(
    redis_client: Redis, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    clock = Clock(T0)
    store = AlertStore(redis_client, 86400, 100, digest_grace_s=0)
    channel = SlackChannel(id="s", url=receiver.url(SLACK_PATH))
    for i in range(60):
        await store.create(alert_for(f"many-{i}", T0), [channel], T0, digest="hourly")
    clock.now = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
    await deliver_due(redis_client, http, clock, max_items=50)

    (post,) = receiver.received(SLACK_PATH)
    message = post.json()
    assert message["text"] == "Eastern border: 60 alerts, 2026-11-20 12:00–13:00 UTC"
    blocks = message["blocks"]
    assert len(blocks) <= 50 and blocks[0]["type"] == "header" and blocks[-1]["type"] == "context"
    assert sum(1 for b in blocks if b["type"] == "section") == 40
    assert blocks[-1]["elements"][0]["text"].startswith("and 20 more")
    assert all(len(t) <= 3000 for t in texts(message))
