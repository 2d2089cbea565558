"""Bytes of a feed → UTF-8 bytes that say they are UTF-8, whatever the server and the document claimed.

feedparser trusts the HTTP charset over the XML declaration (RFC 3023) and falls back without a
word when both are wrong, which turns a UTF-8 feed served as ``charset=iso-8859-1`` into "CafÃ©".
Real servers get the header wrong far more often than feed generators get the declaration wrong, so
we decide the encoding ourselves, in this order:

1. a byte-order mark, or the zero-byte pattern of UTF-16/UTF-32 (the only reliable signals);
2. valid UTF-8 is read as UTF-8, whatever was declared: non-ASCII text in another encoding is
   practically never valid UTF-8 by accident;
3. otherwise the XML declaration's encoding, then the HTTP charset, the first that decodes cleanly
   (ISO-8859-1 and US-ASCII labels mean Windows-1252, as in browsers);
4. otherwise mostly-UTF-8 text keeps UTF-8 and reads each stray byte as Windows-1252 (a feed that
   pasted in one Windows-encoded snippet), Latin text with scattered high bytes is Windows-1252, and
   anything else is left to charset-normalizer's detection.

Every choice that contradicts a declaration becomes a warning; nothing here raises. The result is
re-encoded as UTF-8 with its XML declaration rewritten to say so, so feedparser has nothing to guess.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

__all__ = ["Decoded", "charset_of", "media_type", "to_utf8", "xml_declared_encoding"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# "<?" or "<" plus the first letter, in each wide encoding, when there is no byte-order mark.
_WIDE: tuple[tuple[bytes, str], ...] = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
_XML_DECL_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]{0,200}?\bencoding\s*=\s*["']([A-Za-z0-9._:\-]{1,40})["']"""
)
_REWRITE_DECL = re.compile(r"""^(\s*<\?xml[^>]{0,200}?\bencoding\s*=\s*)(["'])[^"']*\2""")
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:\-]{1,40})""", re.IGNORECASE)
# Labels browsers read as Windows-1252: its printable 0x80-0x9F range is what such feeds really hold.
_AS_CP1252 = frozenset({"latin-1", "iso8859-1", "ascii", "cp1252"})
_CP1252_FALLBACK = "newswatch-cp1252"
_ASCII = bytes(range(128))
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: Above this share of non-ASCII bytes among letters, text is not a Latin script with accents.
_LATIN_HIGH_SHARE = 0.3


@dataclass(frozen=True)
class Decoded:
    body: bytes
    #: The codec the document was read with (Python's name for it).
    encoding: str
    warnings: tuple[str, ...] = ()


def media_type(content_type: str | None) -> str:
    """``application/rss+xml`` from ``application/rss+xml; charset=utf-8``; lower-case."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def charset_of(content_type: str | None) -> str | None:
    match = _CHARSET_PARAM.search(content_type or "")
    return match.group(1) if match else None


def xml_declared_encoding(body: bytes) -> str | None:
    match = _XML_DECL_ENCODING.match(body[:300].removeprefix(codecs.BOM_UTF8))
    return match.group(1).decode("ascii") if match else None


def _codec(label: str | None) -> str | None:
    """Python's codec name for a declared label, or None when Python does not know it."""
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "cp1252" if name in _AS_CP1252 else name


def _is_utf(name: str) -> bool:
    return name.startswith(("utf-8", "utf-16", "utf-32", "utf_8"))


def _stray_bytes_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(bytes([b]).decode("cp1252", "replace").replace("\ufffd", chr(b)) for b in bad), error.end


codecs.register_error(_CP1252_FALLBACK, _stray_bytes_as_cp1252)


def _display(codec: str) -> str:
    if codec.startswith("cp12"):
        return f"Windows-{codec[2:]}"
    return codec.upper()


def _finish(text: str, encoding: str, warnings: list[str]) -> Decoded:
    text = text.removeprefix("\ufeff")
    text = _REWRITE_DECL.sub(r'\1"utf-8"', text, count=1)
    return Decoded(text.encode("utf-8", "replace"), encoding, tuple(warnings))


def _sniff_wide(body: bytes) -> tuple[str, int] | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, len(bom)
    for head, name in _WIDE:
        if body.startswith(head):
            return name, 0
    return None


def _declared(xml: str | None, http: str | None) -> list[tuple[str, str, str]]:
    """(where, label as written, codec) for each declaration Python understands, XML first."""
    found = []
    for where, label in (("XML declaration", xml), ("server", http)):
        codec = _codec(label)
        if label and codec:
            found.append((where, label, codec))
    return found


def _guess(body: bytes) -> str:
    """Windows-1252 for Latin text with scattered accents; otherwise charset-normalizer's best guess.

    charset-normalizer alone often names an exotic code page (cp775 for French or English with a few
    accents), but it tells Cyrillic, Greek or CJK apart well; those are dense in high bytes.
    """
    high = len(body.translate(None, _ASCII))
    letters = high + len(body) - len(body.translate(None, _ASCII_LETTERS))
    if letters and high / letters <= _LATIN_HIGH_SHARE:
        return "cp1252"
    matches = list(charset_normalizer.from_bytes(body))
    if not matches:
        return "cp1252"
    # Equally clean readings (Windows-1251 and Mac Cyrillic share most letters): the Windows code
    # pages are what web servers actually hold.
    clean = [m for m in matches if m.chaos <= matches[0].chaos]
    best = next((m for m in clean if (_codec(m.encoding) or "").startswith("cp125")), matches[0])
    return _codec(best.encoding) or "cp1252"


def to_utf8(body: bytes, content_type: str | None = None) -> Decoded:
    """Decide the encoding of ``body`` and return it as UTF-8 (see the module doc for the rules)."""
    http, xml = charset_of(content_type), xml_declared_encoding(body)
    wide = _sniff_wide(body)
    if wide is not None:
        name, skip = wide
        text = body[skip:].decode(name, "replace")
        problems = (
            [f"Some bytes were not valid {name.upper()} and were replaced."] if "\ufffd" in text else []
        )
        return _finish(text, name, problems)
    declared = _declared(xml, http)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        wrong = [f"the {where} says {label}" for where, label, codec in declared if not _is_utf(codec)]
        if wrong and not body.isascii():
            return _finish(text, "utf-8", [f"Read as UTF-8, which it is, although {' and '.join(wrong)}."])
        return _finish(text, "utf-8", [])
    said_utf8 = [f"the {where} says {label}" for where, label, codec in declared if _is_utf(codec)]
    for where, label, codec in declared:
        if _is_utf(codec):
            continue
        try:
            text = body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        notes = (
            [f"Read as {label}, as the {where} says, although {' and '.join(said_utf8)}."]
            if said_utf8
            else []
        )
        return _finish(text, codec, notes)
    return _undeclared(body, said_utf8)


def _undeclared(body: bytes, said_utf8: list[str]) -> Decoded:
    claim = f" ({' and '.join(said_utf8)})" if said_utf8 else ""
    replaced = body.decode("utf-8", "replace")
    bad = replaced.count("\ufffd")
    good = sum(1 for ch in replaced if ch > "\x7f" and ch != "\ufffd")
    if good > bad:
        text = body.decode("utf-8", _CP1252_FALLBACK)
        note = f"The document is not valid UTF-8{claim}: {bad} stray byte(s) were read as Windows-1252."
        return _finish(text, "utf-8", [note])
    codec = _guess(body)
    text = body.decode(codec, "replace")
    return _finish(
        text, codec, [f"The document is not valid UTF-8{claim}; read as {_display(codec)} (detected)."]
    )
