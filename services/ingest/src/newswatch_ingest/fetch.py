"""Fetching a feed over HTTP: conditional, bounded in time and size, errors mapped to stable kinds.

One ``httpx.AsyncClient`` is created per process (connection pooling, one place for the User-Agent
and redirect policy) and passed in. Limits:

- time: connecting may take ``connect_timeout_s``, the server may stay silent for ``read_timeout_s``
  between two reads, and the whole exchange, redirects and body included, must finish within
  ``timeout_s`` (an ``asyncio.timeout``), so a server that trickles a byte a second cannot hold a
  poll for ever;
- size: the raw body is streamed and decoded by :mod:`decoding`, whose output is capped at
  ``max_bytes``, so an endless body or a compression bomb is cut off while streaming;
- redirects: at most :data:`MAX_REDIRECTS`. When every hop was permanent (301/308) and none went
  from https to http, the result names the new URL (``permanent_redirect``) so the feed can move;
- addresses: the client connects through the egress guard (``newswatch_shared.egress``), so the feed's
  host and every redirect hop must resolve to addresses the policy allows (public ones unless
  ``NEWSWATCH_ALLOW_PRIVATE_URLS``); a refused hop fails the fetch with kind ``refused`` before any
  byte is sent to it. A ``permanent_redirect`` is therefore always a URL that passed.

The result also carries the validators for the next conditional GET and how long the response says
it stays fresh (``max_age_s``, :mod:`caching`).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field, replace
from datetime import datetime

import httpx

from newswatch_ingest.caching import freshness_s
from newswatch_ingest.classify import classify_response
from newswatch_ingest.decoding import ACCEPT_ENCODING, BodyDecoder, DecodingError, TooLarge
from newswatch_ingest.errors import FetchError
from newswatch_shared.egress import EgressRefused, Resolver, guarded_client, system_resolver
from newswatch_shared.netguard import PUBLIC_ONLY, EgressPolicy
from newswatch_shared.schemas import utcnow

__all__ = [
    "CONNECT_TIMEOUT_S",
    "MAX_REDIRECTS",
    "READ_TIMEOUT_S",
    "FetchResult",
    "fetch_feed",
    "make_http_client",
    "permanent_redirect",
]

MAX_REDIRECTS = 5
#: Default connect and between-reads limits; each is lowered to the whole-fetch limit when that is shorter.
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 15.0
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
_PERMANENT = frozenset({301, 308})


@dataclass(frozen=True)
class FetchResult:
    status: int
    url: str = ""
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    #: Where a chain of only permanent redirects (301/308) ended, when it did; the feed moved there.
    permanent_redirect: str | None = None
    #: The response's Cache-Control max-age (or Expires) in seconds: do not poll again sooner.
    max_age_s: float | None = None
    #: ``Link`` header targets by relation (``hub``, ``self``: WebSub discovery), absolute.
    links: dict[str, str] = field(default_factory=dict)

    @property
    def modified(self) -> bool:
        return self.body is not None


def make_http_client(
    user_agent: str,
    timeout_s: float,
    max_concurrency: int,
    *,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
    read_timeout_s: float = READ_TIMEOUT_S,
    egress: EgressPolicy = PUBLIC_ONLY,
    resolver: Resolver = system_resolver,
) -> httpx.AsyncClient:
    """The process's HTTP client. ``Accept-Encoding`` is ours: bodies are decoded by :mod:`decoding`.

    ``egress`` decides which addresses feeds and their redirects may reach: public ones only, unless
    the settings allow more (``ServiceSettings.egress_policy``).
    """
    return guarded_client(
        egress,
        resolver=resolver,
        headers={"User-Agent": user_agent, "Accept": _ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=httpx.Timeout(
            timeout_s,
            connect=min(connect_timeout_s, timeout_s),
            read=min(read_timeout_s, timeout_s),
        ),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        limits=httpx.Limits(max_connections=max_concurrency * 2, max_keepalive_connections=max_concurrency),
    )


def permanent_redirect(response: httpx.Response) -> str | None:
    """The final URL when every redirect was permanent and none downgraded https to http."""
    if not response.history or any(r.status_code not in _PERMANENT for r in response.history):
        return None
    hops = [*response.history, response]
    if any(a.url.scheme == "https" and b.url.scheme == "http" for a, b in zip(hops, hops[1:], strict=False)):
        return None
    return str(response.url)


def _is_tls(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host or "the server"
    except httpx.InvalidURL:
        return "the server"


def _transport_error(error: httpx.HTTPError | httpx.InvalidURL, url: str) -> FetchError:
    host = _host(url)
    detail = str(error) or type(error).__name__
    if isinstance(error, EgressRefused):  # names the hop's host, which may not be the feed's
        return FetchError("refused", f"Not fetched: {detail}.")
    if isinstance(error, httpx.ConnectTimeout):
        return FetchError("timeout", f"Could not connect to {host} in time.")
    if isinstance(error, httpx.TimeoutException):
        return FetchError("timeout", f"{host} went silent for longer than the read timeout.")
    if isinstance(error, httpx.TooManyRedirects):
        return FetchError("redirects", f"The feed redirected more than {MAX_REDIRECTS} times.")
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchError("invalid_url", f"The URL cannot be fetched: {detail}.")
    if _is_tls(error):
        return FetchError("tls", f"The TLS connection to {host} failed: {detail}.")
    return FetchError("network", f"Could not read the feed from {host}: {detail}.")


def _links(response: httpx.Response) -> dict[str, str]:
    """The ``Link`` header's targets by rel, resolved against the final URL (only when there is one)."""
    if "link" not in response.headers:
        return {}
    found: dict[str, str] = {}
    try:
        for link in response.links.values():
            url = link.get("url", "")
            for rel in link.get("rel", "").lower().split():
                if url and rel not in found:
                    found[rel] = str(response.url.join(url))
    except (httpx.InvalidURL, ValueError):
        return found
    return found


def _too_large(max_bytes: int) -> FetchError:
    return FetchError("too_large", f"The feed is larger than the {max_bytes:,}-byte limit.")


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    encoding = response.headers.get("content-encoding")
    body = bytearray()
    received = 0
    try:
        decoder = BodyDecoder(encoding, max_bytes)
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > max_bytes:
                raise TooLarge
            body += decoder.decode(chunk)
        body += decoder.flush()
    except TooLarge:
        raise _too_large(max_bytes) from None
    except DecodingError as e:
        raise FetchError("decoding", f"The feed's {encoding} body could not be decoded: {e}.") from e
    return bytes(body)


async def fetch_feed(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int,
    timeout_s: float,
    now: datetime | None = None,
) -> FetchResult:
    """GET ``url`` conditionally; a 304 comes back with ``body=None``. Raises :class:`FetchError`."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    when = now or utcnow()
    try:
        async with asyncio.timeout(timeout_s), client.stream("GET", url, headers=headers) as response:
            verdict = classify_response(response.status_code, response.headers.get("retry-after"), when)
            if verdict.outcome == "error":
                raise FetchError(
                    "http_status",
                    verdict.message,
                    status=response.status_code,
                    retry_after_s=verdict.retry_after_s,
                )
            h = response.headers
            result = FetchResult(
                status=response.status_code,
                url=str(response.url),
                etag=h.get("etag"),
                last_modified=h.get("last-modified"),
                content_type=h.get("content-type"),
                permanent_redirect=permanent_redirect(response),
                max_age_s=freshness_s(
                    h.get("cache-control"), h.get("expires"), h.get("date"), h.get("age"), when
                ),
                links=_links(response),
            )
            if not verdict.modified:
                return result
            body = await _read_capped(response, max_bytes)
    except TimeoutError as e:
        raise FetchError("timeout", f"The fetch did not finish within {timeout_s:g} s.") from e
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        raise _transport_error(e, url) from e
    return replace(result, body=body)
