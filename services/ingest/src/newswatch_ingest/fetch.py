"""Fetching a feed over HTTP: conditional, bounded in time and size, errors mapped to stable kinds.

One ``httpx.AsyncClient`` is created per process (connection pooling, one place for the User-Agent
and redirect policy) and passed in. The body is streamed so an oversized or endless response is cut
off at ``max_bytes`` (counted after decompression, which also stops gzip bombs) instead of being
buffered whole; the whole exchange, redirects included, must finish within ``timeout_s``.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, replace
from datetime import datetime

import httpx

from newswatch_ingest.classify import classify_response
from newswatch_ingest.errors import FetchError
from newswatch_shared.schemas import utcnow

__all__ = ["MAX_REDIRECTS", "FetchResult", "fetch_feed", "make_http_client"]

MAX_REDIRECTS = 5
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


@dataclass(frozen=True)
class FetchResult:
    status: int
    url: str = ""
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None

    @property
    def modified(self) -> bool:
        return self.body is not None


def make_http_client(user_agent: str, timeout_s: float, max_concurrency: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers={"User-Agent": user_agent, "Accept": _ACCEPT},
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        limits=httpx.Limits(max_connections=max_concurrency * 2, max_keepalive_connections=max_concurrency),
    )


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


def _transport_error(error: httpx.HTTPError | httpx.InvalidURL, url: str, timeout_s: float) -> FetchError:
    host = _host(url)
    detail = str(error) or type(error).__name__
    if isinstance(error, httpx.TimeoutException):
        return FetchError("timeout", f"{host} did not answer within {timeout_s:g} s.")
    if isinstance(error, httpx.TooManyRedirects):
        return FetchError("redirects", f"The feed redirected more than {MAX_REDIRECTS} times.")
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchError("invalid_url", f"The URL cannot be fetched: {detail}.")
    if _is_tls(error):
        return FetchError("tls", f"The TLS connection to {host} failed: {detail}.")
    return FetchError("network", f"Could not read the feed from {host}: {detail}.")


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError("too_large", f"The feed is larger than the {max_bytes:,}-byte limit.")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise FetchError("too_large", f"The feed is larger than the {max_bytes:,}-byte limit.")
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
    try:
        async with asyncio.timeout(timeout_s), client.stream("GET", url, headers=headers) as response:
            verdict = classify_response(
                response.status_code, response.headers.get("retry-after"), now or utcnow()
            )
            if verdict.outcome == "error":
                raise FetchError(
                    "http_status",
                    verdict.message,
                    status=response.status_code,
                    retry_after_s=verdict.retry_after_s,
                )
            result = FetchResult(
                status=response.status_code,
                url=str(response.url),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                content_type=response.headers.get("content-type"),
            )
            if not verdict.modified:
                return result
            body = await _read_capped(response, max_bytes)
    except TimeoutError as e:
        raise FetchError("timeout", f"The fetch did not finish within {timeout_s:g} s.") from e
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        raise _transport_error(e, url, timeout_s) from e
    return replace(result, body=body)
