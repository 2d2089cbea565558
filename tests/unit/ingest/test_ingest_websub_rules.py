"""WebSub rules without I/O: push signatures, renewal timing, hub discovery, the public URL setting."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from newswatch_ingest.hubs import find_hub
from newswatch_ingest.parse import parse_feed
from newswatch_ingest.settings import IngestSettings
from newswatch_ingest.websub import callback_url, new_callback_id, renew_delay_s, sign, verify_signature

BODY = b"<feed>new items</feed>"
SECRET = "s3cret-per-subscription"


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_every_method_of_the_spec_is_accepted(method: str) -> None:
    digest = hmac.new(SECRET.encode(), BODY, getattr(hashlib, method)).hexdigest()
    assert verify_signature(f"{method}={digest}", SECRET, BODY)
    assert verify_signature(f"{method.upper()}={digest.upper()}", SECRET, BODY)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256",
        "sha256=",
        "deadbeef",
        sign(BODY, "another-secret"),
        sign(BODY + b" ", SECRET),
        "md5=" + hashlib.md5(BODY).hexdigest(),
        "sha256=" + hashlib.sha256(BODY).hexdigest(),  # a plain hash, no key
    ],
)
def test_unsigned_or_wrongly_signed_pushes_are_refused(header: str | None) -> None:
    assert not verify_signature(header, SECRET, BODY)


@pytest.mark.parametrize(
    ("lease", "renew_after"), [(864_000, 864_000 - 3_600), (7_200, 3_600), (60, 30), (1, 1)]
)
def test_leases_are_renewed_before_they_end(lease: float, renew_after: float) -> None:
    assert renew_delay_s(lease) == renew_after
    assert renew_delay_s(lease) < lease or lease <= 1


def test_callback_ids_are_unguessable_and_urls_well_formed() -> None:
    ids = {new_callback_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) >= 32 for i in ids)
    assert callback_url("https://ingest.example.org/", "abc") == "https://ingest.example.org/websub/abc"


RSS_WITH_HUB = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>
<atom:link rel="hub" href="https://hub.example.org/"/><atom:link rel="self" href="https://news.example.org/rss"/>
<link>https://news.example.org/</link><item><title>a</title><link>https://news.example.org/a</link></item>
</channel></rss>"""
ATOM_RELATIVE = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<link rel="hub" href="/hub"/><link rel="self" href="atom.xml"/><id>x</id>
<entry><title>a</title><id>1</id></entry></feed>"""
JSON_FEED = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "t",
"feed_url": "https://j.example.org/feed.json",
"hubs": [{"type": "rssCloud", "url": "https://cloud.example.org/"}, {"type": "WebSub", "url": "https://h.example.org/"}],
"items": [{"id": "1", "title": "a"}]}"""
PLAIN = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title></item></channel></rss>"""


@pytest.mark.parametrize(
    ("body", "links", "expected"),
    [
        (RSS_WITH_HUB, {}, ("https://hub.example.org/", "https://news.example.org/rss")),
        (ATOM_RELATIVE, {}, ("https://f.example.org/hub", "https://f.example.org/feeds/atom.xml")),
        (JSON_FEED, {}, ("https://h.example.org/", "https://j.example.org/feed.json")),
        (PLAIN, {}, (None, "https://f.example.org/feeds/x.xml")),
        # HTTP Link headers win over the document; a hub without self uses the fetched URL.
        (
            RSS_WITH_HUB,
            {"hub": "https://linkhub.example.org/", "self": "https://s.example.org/f"},
            ("https://linkhub.example.org/", "https://s.example.org/f"),
        ),
        (
            PLAIN,
            {"hub": "https://linkhub.example.org/"},
            ("https://linkhub.example.org/", "https://f.example.org/feeds/x.xml"),
        ),
        # Only http(s) hubs.
        (PLAIN, {"hub": "ftp://hub.example.org/"}, (None, "https://f.example.org/feeds/x.xml")),
    ],
)
def test_hub_and_topic_are_discovered(
    body: bytes, links: dict[str, str], expected: tuple[str | None, str]
) -> None:
    url = "https://f.example.org/feeds/x.xml"
    assert find_hub(parse_feed(body, url), links, url) == expected


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (None, None),
        ("", None),
        ("https://ingest.example.org/", "https://ingest.example.org"),
        ("http://10.0.0.5:8001/base", "http://10.0.0.5:8001/base"),
    ],
)
def test_public_url_turns_websub_on(given: str | None, stored: str | None) -> None:
    settings = IngestSettings(admin_token="an-admin-token-0123456789", ingest_public_url=given)
    assert settings.ingest_public_url == stored
    assert settings.websub_enabled is (stored is not None)


@pytest.mark.parametrize("bad", ["ingest.example.org", "ftp://x.example.org", "https://x.example.org/?a=1"])
def test_a_public_url_that_hubs_cannot_call_back_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        IngestSettings(admin_token="an-admin-token-0123456789", ingest_public_url=bad)
