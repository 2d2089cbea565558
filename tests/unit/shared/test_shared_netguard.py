"""The address decision (newswatch_shared.netguard): every special-purpose range, its edges, and the
IPv6 forms that carry an IPv4 address; host spellings read without DNS; the policy and its message."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest

from newswatch_shared.netguard import (
    EgressPolicy,
    classify,
    is_localhost_name,
    parse_ip_literal,
    refusal_message,
)

# (address, kind): the first and last address of each range, and the neighbours just outside it.
IPV4 = [
    ("0.0.0.0", "unspecified"),
    ("0.0.0.1", "this-network"),
    ("0.255.255.255", "this-network"),
    ("1.0.0.0", "public"),
    ("9.255.255.255", "public"),
    ("10.0.0.0", "private"),
    ("10.255.255.255", "private"),
    ("11.0.0.0", "public"),
    ("100.63.255.255", "public"),
    ("100.64.0.0", "shared"),
    ("100.127.255.255", "shared"),
    ("100.128.0.0", "public"),
    ("126.255.255.255", "public"),
    ("127.0.0.0", "loopback"),
    ("127.0.0.1", "loopback"),
    ("127.0.0.2", "loopback"),
    ("127.255.255.255", "loopback"),
    ("128.0.0.0", "public"),
    ("169.253.255.255", "public"),
    ("169.254.0.0", "link-local"),
    ("169.254.169.254", "link-local"),
    ("169.254.255.255", "link-local"),
    ("169.255.0.0", "public"),
    ("172.15.255.255", "public"),
    ("172.16.0.0", "private"),
    ("172.31.255.255", "private"),
    ("172.32.0.0", "public"),
    ("192.0.0.0", "reserved"),
    ("192.0.0.255", "reserved"),
    ("192.0.1.0", "public"),
    ("192.0.2.0", "documentation"),
    ("192.0.2.255", "documentation"),
    ("192.0.3.0", "public"),
    ("192.88.99.1", "reserved"),
    ("192.167.255.255", "public"),
    ("192.168.0.0", "private"),
    ("192.168.255.255", "private"),
    ("192.169.0.0", "public"),
    ("198.17.255.255", "public"),
    ("198.18.0.0", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("198.20.0.0", "public"),
    ("198.51.100.0", "documentation"),
    ("198.51.100.255", "documentation"),
    ("203.0.113.0", "documentation"),
    ("203.0.113.255", "documentation"),
    ("203.0.114.0", "public"),
    ("223.255.255.255", "public"),
    ("224.0.0.0", "multicast"),
    ("239.255.255.255", "multicast"),
    ("240.0.0.0", "reserved"),
    ("255.255.255.254", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("8.8.8.8", "public"),
    ("93.184.215.14", "public"),
]

IPV6 = [
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("::2", "this-network"),  # read as IPv4-compatible ::0.0.0.2
    ("fc00::", "private"),
    ("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private"),
    ("fd00:ec2::254", "private"),  # AWS's IPv6 metadata endpoint
    ("fe00::", "reserved"),
    ("fe80::", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local"),
    ("fec0::1", "private"),
    ("ff00::", "multicast"),
    ("ff02::1", "multicast"),
    ("2001:db8::", "documentation"),
    ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation"),
    ("2001:db9::", "public"),
    ("3fff::1", "documentation"),
    ("2001:2::1", "benchmarking"),
    ("2001:10::1", "reserved"),
    ("100::1", "reserved"),
    ("64:ff9b:1::1", "reserved"),
    ("5f00::1", "reserved"),
    ("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"),
    ("2000::", "public"),
    ("2606:4700:4700::1111", "public"),
    ("3ffe:ffff::1", "public"),
    ("4000::1", "reserved"),
]

# (address, kind, the IPv4 address inside, the form's name)
EMBEDDED = [
    ("::ffff:127.0.0.1", "loopback", "127.0.0.1", "IPv4-mapped"),
    ("::ffff:7f00:1", "loopback", "127.0.0.1", "IPv4-mapped"),
    ("::ffff:10.0.0.5", "private", "10.0.0.5", "IPv4-mapped"),
    ("::ffff:169.254.169.254", "link-local", "169.254.169.254", "IPv4-mapped"),
    ("::ffff:0.0.0.0", "unspecified", "0.0.0.0", "IPv4-mapped"),
    ("::ffff:8.8.8.8", "public", "8.8.8.8", "IPv4-mapped"),
    ("::ffff:0:192.168.1.1", "private", "192.168.1.1", "IPv4-translated"),
    ("::127.0.0.1", "loopback", "127.0.0.1", "IPv4-compatible"),
    ("::10.1.2.3", "private", "10.1.2.3", "IPv4-compatible"),
    ("::8.8.8.8", "reserved", "8.8.8.8", "IPv4-compatible"),  # deprecated: reaches nothing
    ("64:ff9b::127.0.0.1", "loopback", "127.0.0.1", "NAT64"),
    ("64:ff9b::a9fe:a9fe", "link-local", "169.254.169.254", "NAT64"),
    ("64:ff9b::100.64.0.1", "shared", "100.64.0.1", "NAT64"),
    ("64:ff9b::8.8.8.8", "public", "8.8.8.8", "NAT64"),
    ("2002:7f00:1::", "loopback", "127.0.0.1", "6to4"),
    ("2002:c0a8:101::1", "private", "192.168.1.1", "6to4"),
    ("2002:e000:1::", "multicast", "224.0.0.1", "6to4"),
    ("2002:808:808::1", "public", "8.8.8.8", "6to4"),
    # Teredo: the client's IPv4 address is stored inverted in the last 32 bits.
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback", "127.0.0.1", "Teredo"),
    ("2001:0:4136:e378:8000:63bf:f5ff:fffa", "private", "10.0.0.5", "Teredo"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "documentation", "192.0.2.45", "Teredo"),  # RFC 4380's example
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "public", "8.8.8.8", "Teredo"),
]


@pytest.mark.parametrize(("address", "kind"), IPV4 + IPV6)
def test_each_range_and_its_edges(address: str, kind: str) -> None:
    verdict = classify(address)
    assert verdict.kind == kind
    assert verdict.public is (kind == "public")


@pytest.mark.parametrize(("address", "kind", "inner", "form"), EMBEDDED)
def test_ipv6_forms_are_judged_by_the_ipv4_address_they_carry(
    address: str, kind: str, inner: str, form: str
) -> None:
    verdict = classify(address)
    assert (verdict.kind, verdict.form, verdict.embedded) == (kind, form, IPv4Address(inner))


def test_a_teredo_address_is_refused_for_a_private_server_part_too() -> None:
    # Client 8.8.8.8 (public) behind server 10.0.0.1: the address is still not a public one.
    server_private = IPv6Address((0x2001 << 112) | (0x0A000001 << 64) | (0xFFFFFFFF ^ 0x08080808))
    verdict = classify(server_private)
    assert (verdict.kind, verdict.embedded) == ("private", IPv4Address("10.0.0.1"))


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.2", "127.0.0.2"),
        ("2130706433", "127.0.0.1"),  # one decimal number
        ("0x7f000001", "127.0.0.1"),  # one hex number
        ("0X7F000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),  # octal part
        ("0x7f.1", "127.0.0.1"),  # two parts: the last fills three bytes
        ("127.1", "127.0.0.1"),
        ("10.1.2", "10.1.0.2"),  # three parts: the last fills two bytes
        ("017700000001", "127.0.0.1"),
        ("10.0.0.5.", "10.0.0.5"),  # the root's trailing dot
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("0", "0.0.0.0"),
        ("4294967295", "255.255.255.255"),
    ],
)
def test_numeric_spellings_are_read_as_the_address_they_are(host: str, address: str) -> None:
    assert parse_ip_literal(host) == ip_address(address)


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "example.org",
        "1.2.3.4.5",
        "256.1.1.1",
        "4294967296",
        "1.2.3.com",
        "08",
        "1..2",
        "",
        "0x1g",
    ],
)
def test_names_and_out_of_range_numbers_are_not_literals(host: str) -> None:
    assert parse_ip_literal(host) is None


@pytest.mark.parametrize(
    ("host", "local"),
    [("localhost", True), ("LOCALHOST.", True), ("api.localhost", True), ("localhost.example", False)],
)
def test_localhost_names(host: str, local: bool) -> None:
    assert is_localhost_name(host) is local


def test_the_policy_refuses_non_public_addresses_unless_allowed() -> None:
    loopback, public = IPv4Address("127.0.0.1"), IPv4Address("8.8.8.8")
    strict = EgressPolicy()
    refusal = strict.refusal("127.0.0.1", loopback)
    assert refusal is not None and refusal.kind == "loopback"
    assert strict.refusal("news.example", public) is None
    assert EgressPolicy(allow_private=True).refusal("127.0.0.1", loopback) is None
    named = EgressPolicy.build(False, ["Demo-Feed.", " ", "127.0.0.1"])
    assert named.allowed_hosts == frozenset({"demo-feed", "127.0.0.1"})
    assert named.refusal("demo-feed", IPv4Address("172.18.0.5")) is None
    assert named.refusal("127.0.0.1", loopback) is None
    assert named.refusal("localhost", loopback) is not None  # the host as written, not its address


@pytest.mark.parametrize(
    ("host", "address", "message"),
    [
        (
            "example.internal",
            "10.0.0.5",
            "refused: example.internal resolves to 10.0.0.5, a private address"
            " (set NEWSWATCH_ALLOW_PRIVATE_URLS=true to allow)",
        ),
        ("127.0.0.1", "127.0.0.1", "refused: 127.0.0.1 is a loopback address"),
        ("[::1]", "::1", "refused: ::1 is a loopback address"),
        ("2130706433", "127.0.0.1", "refused: 2130706433 resolves to 127.0.0.1, a loopback address"),
        (
            "metadata.internal",
            "169.254.169.254",
            "refused: metadata.internal resolves to 169.254.169.254,"
            " a link-local address (the cloud metadata endpoint)",
        ),
        (
            "[::ffff:7f00:1]",
            "::ffff:7f00:1",
            "refused: ::ffff:7f00:1 is a loopback address (127.0.0.1 in an IPv4-mapped IPv6 address)",
        ),
    ],
)
def test_the_refusal_names_the_host_the_address_and_its_kind(host: str, address: str, message: str) -> None:
    verdict = EgressPolicy().refusal(host, classify(address).address)
    assert verdict is not None
    assert refusal_message(host, verdict).startswith(message)
