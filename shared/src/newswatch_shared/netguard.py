"""May newswatch connect to this address on a user's behalf? The address decision, pure.

Webhook and Slack URLs come from users, feed URLs from administrators and from whatever a feed
redirects to. Left alone, any of them can aim the service at itself (127.0.0.1, ``localhost``), at the
cloud's metadata endpoint (169.254.169.254), or at the private network behind it, and read the
answers back (a delivery's ``last_error``, a feed's health). So every address a URL's host resolves to
is classified here, and only public ones are connected to (:mod:`newswatch_shared.egress` does the
resolving and connecting).

The ranges are IANA's IPv4 and IPv6 special-purpose registries, written out in :data:`_V4` and
:data:`_V6` rather than taken from ``ipaddress``'s ``is_global``, whose tables changed between
Python patch releases. IPv6 forms that carry an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``,
IPv4-translated, IPv4-compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo
``2001::/32``) are judged by the IPv4 address inside, so ``::ffff:127.0.0.1`` is loopback. Every IPv6
address outside global unicast (``2000::/3``) that no row names is reserved.

Host spellings are settled here too (:func:`parse_ip_literal`): ``2130706433``, ``0x7f000001``,
``0177.0.0.1`` and ``127.1`` are the IPv4 address the C library (and every browser) reads them as,
so they never reach DNS and are judged as that address; ``localhost`` and ``*.localhost`` are loopback
by definition (RFC 6761), never looked up.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Literal

__all__ = [
    "ALLOW_HINT",
    "AddressClass",
    "AddressKind",
    "EgressPolicy",
    "IPAddress",
    "LOOPBACK_ADDRESSES",
    "PUBLIC_ONLY",
    "classify",
    "is_localhost_name",
    "normalise_host",
    "parse_ip_literal",
    "refusal_message",
]

IPAddress = IPv4Address | IPv6Address
AddressKind = Literal[
    "public",
    "loopback",
    "private",
    "link-local",
    "shared",
    "multicast",
    "unspecified",
    "this-network",
    "broadcast",
    "reserved",
    "documentation",
    "benchmarking",
]

#: What a refusal tells the reader to do about it.
ALLOW_HINT = "set NEWSWATCH_ALLOW_PRIVATE_URLS=true to allow"
#: What a localhost name stands for (RFC 6761 §6.3: resolvers answer loopback, never ask DNS).
LOOPBACK_ADDRESSES: tuple[IPAddress, ...] = (IPv4Address("127.0.0.1"), IPv6Address("::1"))

_V4_ROWS: tuple[tuple[str, AddressKind], ...] = (
    ("0.0.0.0/32", "unspecified"),
    ("0.0.0.0/8", "this-network"),  # RFC 791: "this network"; Linux connects 0.x to the host itself
    ("10.0.0.0/8", "private"),  # RFC 1918
    ("100.64.0.0/10", "shared"),  # RFC 6598, carrier-grade NAT
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),  # RFC 3927; cloud metadata lives at 169.254.169.254
    ("172.16.0.0/12", "private"),  # RFC 1918
    ("192.0.0.0/24", "reserved"),  # RFC 6890, IETF protocol assignments
    ("192.0.2.0/24", "documentation"),  # TEST-NET-1
    ("192.88.99.0/24", "reserved"),  # RFC 7526, the retired 6to4 relay anycast
    ("192.168.0.0/16", "private"),  # RFC 1918
    ("198.18.0.0/15", "benchmarking"),  # RFC 2544
    ("198.51.100.0/24", "documentation"),  # TEST-NET-2
    ("203.0.113.0/24", "documentation"),  # TEST-NET-3
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),  # RFC 1112, "future use"
    ("255.255.255.255/32", "broadcast"),
)
_V6_ROWS: tuple[tuple[str, AddressKind], ...] = (
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "reserved"),  # RFC 8215, local-use IPv4/IPv6 translation
    ("100::/64", "reserved"),  # RFC 6666, discard-only
    ("2001::/23", "reserved"),  # RFC 2928, IETF protocol assignments (Teredo inside is decided first)
    ("2001:2::/48", "benchmarking"),  # RFC 5180
    ("2001:10::/28", "reserved"),  # RFC 4843, ORCHID (deprecated)
    ("2001:db8::/32", "documentation"),  # RFC 3849
    ("3fff::/20", "documentation"),  # RFC 9637
    ("5f00::/16", "reserved"),  # RFC 9602, SRv6 SIDs
    ("fc00::/7", "private"),  # RFC 4193, unique local
    ("fe80::/10", "link-local"),
    ("fec0::/10", "private"),  # RFC 3879, site-local (deprecated)
    ("ff00::/8", "multicast"),
)


def _table(
    rows: tuple[tuple[str, AddressKind], ...],
) -> tuple[tuple[IPv4Network | IPv6Network, AddressKind], ...]:
    # Most specific first, so a row inside another (0.0.0.0/32 in 0.0.0.0/8) wins.
    parsed = [(ip_network(net), kind) for net, kind in rows]
    return tuple(sorted(parsed, key=lambda row: row[0].prefixlen, reverse=True))


_V4 = _table(_V4_ROWS)
_V6 = _table(_V6_ROWS)
_GLOBAL_UNICAST = IPv6Network("2000::/3")
_MAPPED = IPv6Network("::ffff:0:0/96")
_TRANSLATED = IPv6Network("::ffff:0:0:0/96")  # RFC 2765 (SIIT)
_COMPATIBLE = IPv6Network("::/96")  # RFC 4291 §2.5.5.1, deprecated
_NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052, well-known prefix
_SIX_TO_FOUR = IPv6Network("2002::/16")  # RFC 3056
_TEREDO = IPv6Network("2001::/32")  # RFC 4380


@dataclass(frozen=True)
class AddressClass:
    """What an address is. ``embedded`` and ``form`` say which IPv4 address inside an IPv6 one decided."""

    kind: AddressKind
    address: IPAddress
    embedded: IPv4Address | None = None
    form: str | None = None

    @property
    def public(self) -> bool:
        return self.kind == "public"

    def describe(self) -> str:
        """``a private address``; ``a loopback address (127.0.0.1 in an IPv4-mapped IPv6 address)``."""
        text = _PHRASES[self.kind]
        if self.address == _METADATA:
            text += " (the cloud metadata endpoint)"
        if self.embedded is not None and self.form is not None:
            text += (
                f" ({self.embedded} in {'an' if self.form[0] in 'AEIOU' else 'a'} {self.form} IPv6 address)"
            )
        return text


_PHRASES: dict[AddressKind, str] = {
    "public": "a public address",
    "loopback": "a loopback address",
    "private": "a private address",
    "link-local": "a link-local address",
    "shared": "a shared (carrier-grade NAT) address",
    "multicast": "a multicast address",
    "unspecified": "the unspecified address",
    "this-network": 'a "this network" address',
    "broadcast": "the broadcast address",
    "reserved": "a reserved address",
    "documentation": "a documentation address",
    "benchmarking": "a benchmarking address",
}
_METADATA = IPv4Address("169.254.169.254")


def _lookup(address: IPAddress) -> AddressKind | None:
    table = _V4 if isinstance(address, IPv4Address) else _V6
    for network, kind in table:
        if address in network:
            return kind
    return None


def _low32(address: IPv6Address) -> IPv4Address:
    return IPv4Address(int(address) & 0xFFFFFFFF)


def _embedded(address: IPv6Address) -> list[tuple[IPv4Address, str]]:
    """The IPv4 addresses an IPv6 form carries, with the form's name."""
    if address in _MAPPED:
        return [(_low32(address), "IPv4-mapped")]
    if address in _TRANSLATED:
        return [(_low32(address), "IPv4-translated")]
    if address in _NAT64:
        return [(_low32(address), "NAT64")]
    if address in _SIX_TO_FOUR:
        return [(IPv4Address((int(address) >> 80) & 0xFFFFFFFF), "6to4")]
    if address in _TEREDO and address.teredo is not None:
        server, client = address.teredo
        return [(client, "Teredo"), (server, "Teredo")]
    if address in _COMPATIBLE and int(address) > 1:  # :: and ::1 are themselves, not a form
        return [(_low32(address), "IPv4-compatible")]
    return []


def classify(address: IPAddress | str) -> AddressClass:
    """The kind of ``address``: ``public``, or the special-purpose range it belongs to."""
    ip = ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, IPv6Address):
        if ip.scope_id:
            ip = IPv6Address(int(ip))  # fe80::1%eth0 is judged as fe80::1
        carried = _embedded(ip)
        for inner, form in carried:
            kind = _lookup(inner)
            if kind is not None:
                return AddressClass(kind, ip, inner, form)
        if carried:
            # A public IPv4 address behind a form that still works reaches that public address;
            # the deprecated IPv4-compatible form reaches nothing.
            form = carried[0][1]
            return AddressClass(
                "reserved" if form == "IPv4-compatible" else "public", ip, carried[0][0], form
            )
        kind = _lookup(ip)
        if kind is None and ip not in _GLOBAL_UNICAST:
            kind = "reserved"
        return AddressClass(kind or "public", ip)
    return AddressClass(_lookup(ip) or "public", ip)


def normalise_host(host: str) -> str:
    """A host as compared with lists: lower case, without brackets or the root's trailing dot."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host[:-1] if host.endswith(".") else host


def is_localhost_name(host: str) -> bool:
    name = normalise_host(host)
    return name == "localhost" or name.endswith(".localhost")


def _ipv4_part(part: str) -> int | None:
    text = part.lower()
    try:
        if text.startswith("0x"):
            return int(text[2:] or "0", 16)
        if len(text) > 1 and text.startswith("0"):
            return int(text[1:], 8)
        return int(text, 10) if text.isdigit() else None
    except ValueError:
        return None


def _ipv4_numeric(host: str) -> IPv4Address | None:
    """The inet_aton forms: one to four parts, each decimal, 0x-hex or 0-octal; the last fills the rest."""
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts = parts[:-1]
    if not 1 <= len(parts) <= 4 or not parts[-1] or not parts[-1][0].isdigit():
        return None
    numbers = [_ipv4_part(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    *head, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return IPv4Address(value)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host spells without DNS (``[::1]``, ``127.0.0.1``, ``2130706433``), else None."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ip_address(text)
    except ValueError:
        pass
    if ":" in text or not text:
        return None
    return _ipv4_numeric(text)


@dataclass(frozen=True)
class EgressPolicy:
    """Which connections the service may make: public addresses always; the rest only when allowed.

    ``allow_private`` allows every address (development and tests, where feeds and receivers run on
    127.0.0.1). ``allowed_hosts`` names hosts, as written in URLs, that may be anywhere: a feed or
    receiver on the deployment's own network, without opening the rest of it.
    """

    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def build(cls, allow_private: bool, allowed_hosts: list[str] | tuple[str, ...] = ()) -> EgressPolicy:
        return cls(allow_private, frozenset(normalise_host(h) for h in allowed_hosts if h.strip()))

    def allows_host(self, host: str) -> bool:
        """Every address of this host may be connected to, whatever it is."""
        return self.allow_private or normalise_host(host) in self.allowed_hosts

    def refusal(self, host: str, address: IPAddress) -> AddressClass | None:
        """Why a connection to ``address`` (which ``host`` resolved to) is refused; None if it may go."""
        if self.allows_host(host):
            return None
        verdict = classify(address)
        return None if verdict.public else verdict


#: The default: public addresses only.
PUBLIC_ONLY = EgressPolicy()


def refusal_message(host: str, verdict: AddressClass) -> str:
    """``refused: example.internal resolves to 10.0.0.5, a private address (set … to allow)``."""
    shown = normalise_host(host)
    if parse_ip_literal(shown) == verdict.address and shown == str(verdict.address):
        where = f"{shown} is"
    else:
        where = f"{shown} resolves to {verdict.address},"
    return f"refused: {where} {verdict.describe()} ({ALLOW_HINT})"
