"""Outgoing HTTP to URLs others chose, checked where it counts: when the socket is opened.

Checking a URL when it is saved is not enough: its name can resolve to a public address then and to
127.0.0.1 a second later (DNS rebinding), and a redirect can send the client anywhere. So the check
sits in the connection itself. :class:`GuardedTransport` is an ``httpx.AsyncHTTPTransport`` whose
httpcore connection pool opens sockets through :class:`GuardedBackend`, an httpcore network backend
that

1. resolves the host itself (:func:`resolve_checked`: IP literals in every spelling and localhost
   names without DNS, everything else with ``getaddrinfo``),
2. refuses the connection with :class:`EgressRefused` when ANY address is not allowed by the
   :class:`~newswatch_shared.netguard.EgressPolicy` (a mixed answer is an attack, not a fallback),
3. connects to the checked addresses only, by address, so nothing resolves the name again.

TLS is unaffected: httpcore starts TLS on the stream with the URL's host as the server name, so
certificates are verified against the name, never against the address. Every request of a client
built here goes through this: each redirect hop opens its connection through the backend. A pooled
connection is reused only for the same scheme, host and port, and was checked when it was opened.

Proxies: a client with an explicit transport ignores ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``
(httpx reads them only for its default transport), and that is deliberate: through a proxy the proxy
resolves and connects, and the check would see only the proxy. newswatch does not send user-chosen
URLs through a proxy.

:class:`EgressRefused` is an ``httpx.ConnectError``, so code that already treats a failed connection
as a failure keeps doing so; code that can say more (a delivery that should not be retried, a feed
error kind) catches it first.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable
from ipaddress import ip_address

import anyio
import httpcore
import httpx

from newswatch_shared.netguard import (
    LOOPBACK_ADDRESSES,
    AddressClass,
    EgressPolicy,
    IPAddress,
    is_localhost_name,
    parse_ip_literal,
    refusal_message,
)

__all__ = [
    "EgressRefused",
    "GuardedBackend",
    "GuardedTransport",
    "Resolver",
    "check_url",
    "guarded_client",
    "resolve_checked",
    "system_resolver",
]

#: ``(host, port) -> addresses``; :func:`system_resolver` in production, anything in tests.
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]
#: How long a save-time check waits for DNS before letting the URL through (connections are checked anyway).
SAVE_CHECK_TIMEOUT_S = 5.0


class EgressRefused(httpx.ConnectError):
    """A connection the policy does not allow; the message names the host, the address and its kind."""

    def __init__(self, host: str, verdict: AddressClass) -> None:
        super().__init__(refusal_message(host, verdict))
        self.host = host
        self.verdict = verdict


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The machine's resolver (``getaddrinfo`` in a worker thread), each address once, in its order."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: dict[IPAddress, None] = {}
    for family, _, _, _, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            found[ip_address(sockaddr[0])] = None
    return list(found)


async def resolve_checked(host: str, port: int, policy: EgressPolicy, resolver: Resolver) -> list[IPAddress]:
    """The addresses ``host`` may be reached at; :class:`EgressRefused` if any of them is not allowed.

    Raises ``OSError`` when the name does not resolve.
    """
    literal = parse_ip_literal(host)
    if literal is not None:
        addresses = [literal]
    elif is_localhost_name(host):
        addresses = list(LOOPBACK_ADDRESSES)
    else:
        addresses = await resolver(host, port)
        if not addresses:
            raise OSError(f"{host} has no address")
    for address in addresses:
        verdict = policy.refusal(host, address)
        if verdict is not None:
            raise EgressRefused(host, verdict)
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the address check in ``connect_tcp`` (see the module doc)."""

    def __init__(
        self,
        policy: EgressPolicy,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            with anyio.fail_after(timeout):
                addresses = await resolve_checked(host, port, self._policy, self._resolver)
        except TimeoutError as e:
            raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout:g} s") from e
        except OSError as e:
            raise httpcore.ConnectError(f"cannot resolve {host}: {e}") from e
        failure: Exception | None = None
        for address in addresses:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=left,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                failure = e  # the next address may answer, as getaddrinfo's callers do
        assert failure is not None  # resolve_checked returns at least one address
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not reachable through the egress guard")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (request mapping, exceptions, streaming) over a guarded connection pool.

    httpx 0.28/0.29 take no network backend (encode/httpx#3749 would add one), so the pool the parent
    built is replaced by one with the same settings and :class:`GuardedBackend`.
    """

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits | None = None,
    ) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(verify=verify, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedBackend(policy, resolver),
        )


def guarded_client(
    policy: EgressPolicy,
    *,
    resolver: Resolver = system_resolver,
    verify: ssl.SSLContext | bool = True,
    limits: httpx.Limits | None = None,
    headers: dict[str, str] | None = None,
    timeout: httpx.Timeout | float = 10.0,
    follow_redirects: bool = False,
    max_redirects: int = 5,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` whose every connection, redirects included, passes the policy."""
    return httpx.AsyncClient(
        transport=GuardedTransport(policy, resolver=resolver, verify=verify, limits=limits),
        headers=headers,
        timeout=timeout,
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
    )


async def check_url(
    url: str,
    policy: EgressPolicy,
    resolver: Resolver = system_resolver,
    *,
    timeout_s: float = SAVE_CHECK_TIMEOUT_S,
) -> EgressRefused | None:
    """The refusal a connection to ``url``'s host would meet now; None when it would pass.

    For saving a URL: a clear 422 at once instead of a failed delivery later. A name that does not
    resolve (yet) passes, since the connection is checked again anyway; so does anything when the
    policy allows private addresses (no DNS at all then).
    """
    if policy.allow_private:
        return None
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return None  # not a URL at all: the caller's own validation says so
    host = parsed.raw_host.decode("ascii")
    if not host or policy.allows_host(host):
        return None
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with anyio.fail_after(timeout_s):
            await resolve_checked(host, port, policy, resolver)
    except EgressRefused as e:
        return e
    except (OSError, TimeoutError):
        return None
    return None
