"""Content-Encoding decoding under a size cap: compression bombs stop at the cap, in memory too."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import brotli
import pytest

from newswatch_ingest.decoding import BodyDecoder, DecodingError, TooLarge

TEXT = b"<rss><channel><title>Compressed wire</title></channel></rss>" * 200


def chunks(data: bytes, size: int = 1000) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def decode_all(encoding: str | None, data: bytes, max_bytes: int = 1_000_000) -> bytes:
    decoder = BodyDecoder(encoding, max_bytes)
    out = b"".join(decoder.decode(c) for c in chunks(data))
    return out + decoder.flush()


def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        (None, TEXT),
        ("identity", TEXT),
        ("gzip", gzip.compress(TEXT)),
        ("x-gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", raw_deflate(TEXT)),  # what some servers send as "deflate"
        ("br", brotli.compress(TEXT)),
        ("BR", brotli.compress(TEXT)),
        ("gzip, br", brotli.compress(gzip.compress(TEXT))),  # applied in this order
    ],
)
def test_decodes(encoding: str | None, encoded: bytes) -> None:
    assert decode_all(encoding, encoded) == TEXT


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_bomb_stops_at_the_cap_with_bounded_memory(encoding: str) -> None:
    zeros = b"\0" * 100_000_000
    # ~100 kB of gzip, 152 bytes of brotli: one network chunk would inflate to the whole 100 MB.
    bomb = gzip.compress(zeros) if encoding == "gzip" else brotli.compress(zeros, quality=5)
    del zeros
    max_bytes = 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            decode_all(encoding, bomb, max_bytes)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * max_bytes


def test_exactly_the_cap_is_allowed() -> None:
    assert len(decode_all("gzip", gzip.compress(b"x" * 5000), max_bytes=5000)) == 5000
    with pytest.raises(TooLarge):
        decode_all("gzip", gzip.compress(b"x" * 5001), max_bytes=5000)


@pytest.mark.parametrize(
    ("encoding", "data"),
    [("gzip", b"definitely not gzip"), ("br", b"\xff" * 64), ("deflate", b"\x00\x01garbage")],
)
def test_corrupt_bodies_raise_decoding_error(encoding: str, data: bytes) -> None:
    with pytest.raises(DecodingError):
        decode_all(encoding, data)


def test_an_encoding_we_did_not_ask_for_is_refused() -> None:
    with pytest.raises(DecodingError, match="'zstd'"):
        BodyDecoder("zstd", 100)
