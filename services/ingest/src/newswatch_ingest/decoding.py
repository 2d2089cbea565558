"""Content-Encoding decoders whose output is capped, so a compression bomb cannot fill memory.

httpx's own decoders inflate whatever a network chunk holds in one call: 64 kB of brotli can be
gigabytes (158 bytes of brotli are 100 MB of zeros). So fetch.py reads the raw bytes and decodes them
here, asking zlib and brotli for at most ``limit + 1`` bytes per call: past the limit the body is
refused anyway, so more output is never needed. gzip, deflate (zlib or raw, as servers send
both), br and chains of them (``gzip, br``) are read; ``identity`` is a no-op.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

__all__ = ["ACCEPT_ENCODING", "BodyDecoder", "DecodingError", "TooLarge"]

ACCEPT_ENCODING = "gzip, deflate, br"


class DecodingError(Exception):
    """The body is not valid for its Content-Encoding, or uses one we did not ask for."""


class TooLarge(Exception):
    """The decoded body passed the limit."""


class _Stage(Protocol):
    def decode(self, data: bytes, limit: int) -> bytes: ...

    def flush(self, limit: int) -> bytes: ...


class _Zlib:
    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._d = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback
        self._started = False

    def decode(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._d.decompress(data, limit + 1)
        except zlib.error as e:
            if not (self._raw_fallback and not self._started):
                raise DecodingError(str(e)) from e
            # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
            self._d, self._raw_fallback = zlib.decompressobj(-zlib.MAX_WBITS), False
            return self.decode(data, limit)
        self._started = True
        if len(out) > limit:
            raise TooLarge
        return out

    def flush(self, limit: int) -> bytes:
        out = self._d.flush()
        if len(out) > limit:
            raise TooLarge
        return out


class _Brotli:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def decode(self, data: bytes, limit: int) -> bytes:
        try:
            out: bytes = self._d.process(data, output_buffer_limit=limit + 1)
        except brotli.error as e:
            raise DecodingError(str(e) or "invalid brotli data") from e
        if len(out) > limit:
            raise TooLarge
        return out

    def flush(self, limit: int) -> bytes:
        return b""


def _stage(name: str) -> _Stage | None:
    if name in ("gzip", "x-gzip"):
        return _Zlib(zlib.MAX_WBITS | 16)
    if name == "deflate":
        return _Zlib(zlib.MAX_WBITS, raw_fallback=True)
    if name == "br":
        return _Brotli()
    if name in ("identity", ""):
        return None
    raise DecodingError(f"the server used the {name!r} content encoding, which we did not ask for")


class BodyDecoder:
    """Decodes a body chunk by chunk; the total output never exceeds ``max_bytes`` (else TooLarge)."""

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        names = [n.strip().lower() for n in (content_encoding or "").split(",")]
        # Encodings are listed in the order they were applied; undo them in reverse.
        self._stages = [s for s in (_stage(n) for n in reversed(names)) if s is not None]
        self._max = max_bytes
        self._size = 0

    def decode(self, data: bytes) -> bytes:
        for stage in self._stages:
            data = stage.decode(data, self._max - self._size)
        return self._count(data)

    def flush(self) -> bytes:
        """What the decoders still hold once the body has ended."""
        data = b""
        for stage in self._stages:
            if data:
                data = stage.decode(data, self._max - self._size)
            data += stage.flush(self._max - self._size - len(data))
        return self._count(data)

    def _count(self, data: bytes) -> bytes:
        self._size += len(data)
        if self._size > self._max:
            raise TooLarge
        return data
