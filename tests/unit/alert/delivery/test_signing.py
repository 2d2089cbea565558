from __future__ import annotations

import pytest

from newswatch_alert.delivery.signing import sign, verify

# HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), the widely published example.
KNOWN = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
BODY = b"The quick brown fox jumps over the lazy dog"


def test_signature_is_hex_hmac_sha256_of_the_body() -> None:
    assert sign("key", BODY) == f"sha256={KNOWN}"


def test_verify_accepts_the_signature_and_refuses_changes() -> None:
    header = sign("a-long-secret-for-tests", b'{"id":"x"}')
    assert verify("a-long-secret-for-tests", b'{"id":"x"}', header)
    assert not verify("a-long-secret-for-tests", b'{"id": "x"}', header)  # re-serialised body
    assert not verify("another-secret-entirely", b'{"id":"x"}', header)


@pytest.mark.parametrize("header", ["", "sha256=", "md5=" + KNOWN, KNOWN])
def test_verify_refuses_malformed_headers(header: str) -> None:
    assert not verify("key", BODY, header)
