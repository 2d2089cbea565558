from __future__ import annotations

import hashlib
import hmac

import pytest

from newswatch_alert.delivery.signing import sign, signature_headers, verify

BODY = b'{"id":"x"}'
SECRET = "a-long-secret-for-tests"
T = 1_795_780_800  # 2026-11-26 12:00 UTC


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    """The wire format receivers implement, computed here independently of ``sign``."""
    expected = hmac.new(b"key", b"1795780800." + BODY, hashlib.sha256).hexdigest()
    assert sign("key", BODY, T) == f"sha256={expected}"
    assert signature_headers("key", BODY, T) == {
        "X-Newswatch-Timestamp": "1795780800",
        "X-Newswatch-Signature": f"sha256={expected}",
    }


def test_verify_accepts_a_fresh_delivery_and_refuses_changes() -> None:
    headers = signature_headers(SECRET, BODY, T)
    assert verify(SECRET, BODY, headers, now=T + 5)
    assert not verify(SECRET, b'{"id": "x"}', headers, now=T + 5)  # re-serialised body
    assert not verify("another-secret-entirely", BODY, headers, now=T + 5)
    moved = {**headers, "X-Newswatch-Timestamp": str(T + 1)}  # a fresh timestamp on an old signature
    assert not verify(SECRET, BODY, moved, now=T + 5)


def test_a_captured_delivery_cannot_be_replayed_after_the_tolerance() -> None:
    headers = signature_headers(SECRET, BODY, T)
    assert verify(SECRET, BODY, headers, now=T + 300)
    assert not verify(SECRET, BODY, headers, now=T + 301)
    assert not verify(SECRET, BODY, headers, now=T - 301)  # from the future: a clock far off, or forged
    assert verify(SECRET, BODY, headers, now=T + 3000, tolerance_s=3600)


def test_header_names_are_matched_in_any_case() -> None:
    lower = {k.lower(): v for k, v in signature_headers(SECRET, BODY, T).items()}
    assert verify(SECRET, BODY, lower, now=T)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Newswatch-Signature": sign(SECRET, BODY, T)},  # no timestamp
        {"X-Newswatch-Timestamp": str(T)},  # no signature
        {"X-Newswatch-Timestamp": "", "X-Newswatch-Signature": sign(SECRET, BODY, T)},
        {"X-Newswatch-Timestamp": "1795780800.0", "X-Newswatch-Signature": sign(SECRET, BODY, T)},
        {"X-Newswatch-Timestamp": "-1", "X-Newswatch-Signature": sign(SECRET, BODY, -1)},
        {"X-Newswatch-Timestamp": "١٧٩٥٧٨٠٨٠٠", "X-Newswatch-Signature": sign(SECRET, BODY, T)},
        {"X-Newswatch-Timestamp": str(T), "X-Newswatch-Signature": sign(SECRET, BODY, T)[7:]},
        {"X-Newswatch-Timestamp": str(T), "X-Newswatch-Signature": "sha256=ünïcode"},
    ],
)
def test_verify_refuses_malformed_headers(headers: dict[str, str]) -> None:
    assert not verify(SECRET, BODY, headers, now=T)
