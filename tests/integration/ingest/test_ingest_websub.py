"""WebSub end to end: the real ingest app, a local hub (tests/helpers/websub_hub.py) that subscribes,
verifies against ingest's callback and pushes signed content, a local feed server, the real broker
and a real Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from newswatch_cli.embedded import free_port
from newswatch_ingest.settings import IngestSettings
from newswatch_ingest.websub import sign
from tests.helpers.servers import LocalHTTPServer
from tests.helpers.websub_hub import LocalHub
from tests.integration.ingest.support import ADMIN_TOKEN, eventually, serve_app

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RSS = {"Content-Type": "application/rss+xml"}


def feed_doc(hub: str | None, self_url: str, slugs: list[str]) -> bytes:
    """RSS naming its hub and itself (atom:link), with one item per slug, newest first."""
    links = f'<atom:link rel="hub" href="{hub}"/>' if hub else ""
    items = "".join(
        f"<item><title>Harbour report {s}</title><link>https://port.example.org/{s}</link>"
        f"<description>Cranes idle at berth {s}.</description></item>"
        for s in slugs
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>Port</title><link>https://port.example.org/</link>{links}"
        f'<atom:link rel="self" href="{self_url}"/>{items}</channel></rss>'
    ).encode()


@contextmanager
def ingest(make_settings: Callable[..., IngestSettings], **overrides: Any) -> Iterator[str]:
    port = free_port()
    values: dict[str, Any] = {"ingest_public_url": f"http://127.0.0.1:{port}"}
    values.update(overrides)
    with serve_app(make_settings(**values), port=port) as base:
        yield base


async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """The hub's calls block; run them off the loop that also serves nothing here but reads Kafka."""
    return await asyncio.to_thread(fn, *args)


async def subscribed(hub: LocalHub, topic: str) -> bool:
    return bool(hub.subscribers(topic))


async def test_a_hub_subscription_pushes_new_items_once_and_polling_slows_down(
    make_settings: Callable[..., IngestSettings], raw_reader: Callable[..., Any]
) -> None:
    with LocalHub() as hub, LocalHTTPServer() as web, ingest(make_settings) as base:
        topic = web.url("/port.xml")
        web.route("/port.xml", feed_doc(hub.url, topic, ["a"]), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            feed = (await api.post("/feeds", json={"url": topic}, headers=ADMIN)).json()
            await eventually(lambda: subscribed(hub, topic), "the hub to verify a subscription")
            (request,) = hub.requests("subscribe")
            assert request["hub.topic"] == topic
            assert request["hub.callback"].startswith(base + "/websub/")
            assert len(request["hub.callback"].rsplit("/", 1)[1]) >= 32  # unguessable
            assert request["hub.lease_seconds"] == "864000" and len(request["hub.secret"]) >= 32
            reader = await raw_reader()
            await reader.read_until(1)

            # The next poll sees a live subscription: polling becomes a safety net (1 h, not 1 s).
            async def slowed() -> bool:
                got = (await api.get(f"/feeds/{feed['id']}")).json()
                return got["poll_interval_s"] == 3600

            await eventually(slowed, "the safety-net interval")
            fetches = len(web.requests("/port.xml"))

            # New items arrive by push, without a poll.
            web.route("/port.xml", feed_doc(hub.url, topic, ["c", "b", "a"]), headers=RSS)
            started = time.monotonic()
            assert await in_thread(hub.publish, topic) == [204]
            articles = await reader.read_until(3, timeout_s=10)
            assert time.monotonic() - started < 5
            assert len(web.requests("/port.xml")) == fetches + 1  # the hub's own fetch, no poll
            got = (await api.get(f"/feeds/{feed['id']}")).json()
            assert got["articles_published"] == 3 and got["last_push_at"]

            # The same items pushed again, and polled again, are not published again.
            assert await in_thread(hub.publish, topic) == [204]
            await api.post("/feeds", json={"url": topic}, headers=ADMIN)  # polls now

            async def polled_again() -> bool:
                return len(web.requests("/port.xml")) >= fetches + 3

            await eventually(polled_again, "a poll after the push")
            articles = await reader.read_all()
            assert sorted(a.title for a in articles) == [f"Harbour report {s}" for s in "abc"]


async def test_pushes_that_are_not_from_our_hub_are_refused(
    make_settings: Callable[..., IngestSettings], raw_reader: Callable[..., Any]
) -> None:
    overrides = {"ingest_max_bytes": 4096, "ingest_websub_pushes_per_min": 4}
    with (
        LocalHub(signature_method="sha1") as hub,
        LocalHTTPServer() as web,
        ingest(make_settings, **overrides) as base,
    ):
        topic = web.url("/port.xml")
        web.route("/port.xml", feed_doc(hub.url, topic, ["a"]), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            await api.post("/feeds", json={"url": topic}, headers=ADMIN)
            await eventually(lambda: subscribed(hub, topic), "the hub to verify a subscription")
            (sub,) = hub.subscribers(topic)
            callback = sub.callback.removeprefix(base)
            body = feed_doc(hub.url, topic, ["forged"])

            unsigned = await api.post(callback, content=body, headers=RSS)
            forged = await api.post(
                callback, content=body, headers={**RSS, "X-Hub-Signature": sign(body, "guessed-secret")}
            )
            assert (unsigned.status_code, forged.status_code) == (403, 403)
            unknown = await api.post("/websub/not-a-subscription", content=body, headers=RSS)
            assert unknown.status_code == 404
            # Verifications that we did not ask for are not confirmed: another topic, or an unsubscribe.
            params = {"hub.topic": "https://other.example.org/feed", "hub.challenge": "c1"}
            wrong_topic = await api.get(callback, params={**params, "hub.mode": "subscribe"})
            params = {"hub.topic": topic, "hub.challenge": "c2", "hub.mode": "unsubscribe"}
            unsubscribe = await api.get(callback, params=params)
            assert (wrong_topic.status_code, unsubscribe.status_code) == (404, 404)
            assert hub.subscribers(topic), "the subscription is still live"

            big = feed_doc(hub.url, topic, ["x" * 5000])
            assert (await in_thread(hub.distribute, topic, big)) == [413]
            # sha1 (what this hub signs with) is accepted; the 5th push of the minute is not.
            assert (await in_thread(hub.distribute, topic, feed_doc(hub.url, topic, ["b", "a"]))) == [204]
            assert (await in_thread(hub.distribute, topic, feed_doc(hub.url, topic, ["b", "a"]))) == [429]
            reader = await raw_reader()
            articles = await reader.read_all()
            assert sorted(a.title for a in articles) == ["Harbour report a", "Harbour report b"]


async def test_leases_are_renewed_and_a_deleted_feed_is_unsubscribed(
    make_settings: Callable[..., IngestSettings],
) -> None:
    with LocalHub(lease_s=4) as hub, LocalHTTPServer() as web, ingest(make_settings) as base:
        topic = web.url("/port.xml")
        web.route("/port.xml", feed_doc(hub.url, topic, ["a"]), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            feed = (await api.post("/feeds", json={"url": topic}, headers=ADMIN)).json()

            async def renewed() -> bool:
                return len([v for v in hub.verifications("subscribe") if v.confirmed]) >= 3

            await eventually(renewed, "two renewals of a 4 s lease", timeout_s=20)
            confirmed = [v for v in hub.verifications("subscribe") if v.confirmed]
            # Each renewal came before the lease it renewed ran out, on the same callback.
            assert all(b.at - a.at < 4 for a, b in zip(confirmed, confirmed[1:], strict=False))
            assert len({v.callback for v in confirmed}) == 1
            (sub,) = hub.subscribers(topic)

            assert (await api.delete(f"/feeds/{feed['id']}", headers=ADMIN)).status_code == 204

            async def unsubscribed() -> bool:
                return any(v.confirmed for v in hub.verifications("unsubscribe"))

            await eventually(unsubscribed, "the hub to confirm the unsubscription")
            assert hub.requests("unsubscribe")[0]["hub.callback"] == sub.callback
            assert not hub.subscribers(topic)
            # A push to the old callback now finds nothing.
            late = await api.post(
                sub.callback.removeprefix(base),
                content=b"<rss/>",
                headers={"X-Hub-Signature": sign(b"<rss/>", sub.secret)},
            )
            assert late.status_code == 404


async def test_a_disabled_feed_is_unsubscribed(make_settings: Callable[..., IngestSettings]) -> None:
    with LocalHub() as hub, LocalHTTPServer() as web, ingest(make_settings) as base:
        topic = web.url("/port.xml")
        web.route("/port.xml", feed_doc(hub.url, topic, ["a"]), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            feed = (await api.post("/feeds", json={"url": topic}, headers=ADMIN)).json()
            await eventually(lambda: subscribed(hub, topic), "the hub to verify a subscription")
            patched = await api.patch(f"/feeds/{feed['id']}", json={"enabled": False}, headers=ADMIN)
            assert patched.status_code == 200

            async def unsubscribed() -> bool:
                return not hub.subscribers(topic)

            await eventually(unsubscribed, "the unsubscription")


async def test_without_a_public_url_websub_is_off(make_settings: Callable[..., IngestSettings]) -> None:
    with LocalHub() as hub, LocalHTTPServer() as web, serve_app(make_settings()) as base:
        topic = web.url("/port.xml")
        web.route("/port.xml", feed_doc(hub.url, topic, ["a"]), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            feed = (await api.post("/feeds", json={"url": topic}, headers=ADMIN)).json()

            async def polled_twice() -> bool:
                return len(web.requests("/port.xml")) >= 2

            await eventually(polled_twice, "two polls")
            assert (await api.get("/websub/anything", params={"hub.mode": "subscribe"})).status_code == 404
            got = (await api.get(f"/feeds/{feed['id']}")).json()
            assert got["poll_interval_s"] == 1
        assert hub.requests() == []


async def test_a_hub_at_a_refused_address_is_never_contacted(
    make_settings: Callable[..., IngestSettings],
) -> None:
    # The feed's host is allowed; the hub it names (localhost, same machine, another host name) is not.
    settings = {"allow_private_urls": False, "allowed_private_hosts": ["127.0.0.1"]}
    with LocalHub() as hub, LocalHTTPServer() as web, ingest(make_settings, **settings) as base:
        topic = web.url("/port.xml")
        refused_hub = f"http://localhost:{hub.port}/"
        web.route("/port.xml", feed_doc(refused_hub, topic, ["a"]), headers=RSS)
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            await api.post("/feeds", json={"url": topic}, headers=ADMIN)

            async def polled_twice() -> bool:
                return len(web.requests("/port.xml")) >= 2

            await eventually(polled_twice, "two polls")
            await asyncio.sleep(0.5)
        assert hub.requests() == []
