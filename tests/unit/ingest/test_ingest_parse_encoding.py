"""Wrong and conflicting encodings: readable text, a warning naming the conflict, never a crash."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from newswatch_ingest.encoding import charset_of, media_type, to_utf8, xml_declared_encoding
from newswatch_ingest.parse import parse_feed

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
BASE = "https://port.example.fr/rss.xml"
TEXT = "Café naïve “quoted” – résumé"


def doc(text: str, declared: str | None, encoding: str) -> bytes:
    decl = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
    xml = f'{decl}\n<rss version="2.0"><channel><title>T</title><item><title>{text}</title>'
    return (xml + "<link>https://port.example.fr/a</link></item></channel></rss>").encode(encoding)


def title(body: bytes, content_type: str | None = None) -> tuple[str, tuple[str, ...]]:
    feed = parse_feed(body, BASE, content_type)
    return feed.entries[0].title.value, feed.warnings


def test_declared_utf8_but_saved_as_windows_1252() -> None:
    feed = parse_feed((FEEDS / "mislabelled_cp1252.xml").read_bytes(), BASE, "application/rss+xml")
    assert feed.title == "Café du Port – Dépêches"
    assert feed.entries[0].title.value == "«\u00a0Reprise\u00a0» des négociations – “prudence” au ministère"
    (warning,) = feed.warnings
    assert "not valid UTF-8 (the XML declaration says utf-8)" in warning and "Windows-1252" in warning


def test_utf8_served_with_a_latin1_http_charset() -> None:
    text, warnings = title(doc(TEXT, "utf-8", "utf-8"), "application/rss+xml; charset=ISO-8859-1")
    assert text == TEXT
    assert warnings == ("Read as UTF-8, which it is, although the server says ISO-8859-1.",)


def test_utf8_document_whose_declaration_says_latin1() -> None:
    text, warnings = title(doc(TEXT, "iso-8859-1", "utf-8"))
    assert text == TEXT
    assert warnings == ("Read as UTF-8, which it is, although the XML declaration says iso-8859-1.",)


def test_windows_1252_declared_in_xml_but_http_says_utf8() -> None:
    text, warnings = title(doc(TEXT, "windows-1252", "cp1252"), "text/xml; charset=utf-8")
    assert text == TEXT
    assert warnings == ("Read as windows-1252, as the XML declaration says, although the server says utf-8.",)


def test_cyrillic_windows_1251_declared_only_by_the_server() -> None:
    text = "Переговоры возобновились в столице"
    got, warnings = title(doc(text, None, "cp1251"), "application/rss+xml; charset=windows-1251")
    assert got == text and warnings == ()


def test_cyrillic_windows_1251_with_no_usable_declaration_is_detected() -> None:
    text = "Переговоры возобновились в столице после долгого перерыва"
    got, warnings = title(doc(text, "utf-8", "cp1251"))
    assert got == text
    assert warnings and "read as Windows-1251 (detected)" in warnings[0]


def test_one_stray_windows_byte_in_a_utf8_feed_keeps_the_rest() -> None:
    body = doc("Zürich – déjà vu", "utf-8", "utf-8").replace(b"vu", b"vu \x93ok\x94")
    text, warnings = title(body)
    assert text == "Zürich – déjà vu “ok”"
    assert warnings and "2 stray byte(s) were read as Windows-1252" in warnings[0]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_wide_encodings_with_or_without_bom(codec: str) -> None:
    text, warnings = title(doc(TEXT, codec.removesuffix("-sig"), codec))
    assert text == TEXT and warnings == ()


def test_plain_ascii_with_a_wrong_label_needs_no_warning() -> None:
    text, warnings = title(doc("Plain words", "utf-8", "ascii"), "text/xml; charset=koi8-r")
    assert text == "Plain words" and warnings == ()


def test_unknown_labels_are_ignored() -> None:
    text, warnings = title(doc(TEXT, "x-no-such-charset", "utf-8"), "text/xml; charset=bogus")
    assert text == TEXT and warnings == ()


def test_text_xml_without_charset_is_not_a_warning() -> None:
    # RFC 3023 says text/xml without a charset is US-ASCII; feedparser would complain about every such feed.
    assert title(doc(TEXT, "utf-8", "utf-8"), "text/xml") == (TEXT, ())


def test_declaration_is_rewritten_to_utf8_and_bom_dropped() -> None:
    decoded = to_utf8(codecs.BOM_UTF16_LE + doc("x", "utf-16", "utf-16-le"))
    assert decoded.body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert decoded.encoding == "utf-16-le"


@pytest.mark.parametrize(
    ("content_type", "media", "charset"),
    [
        ("application/rss+xml; charset=UTF-8", "application/rss+xml", "UTF-8"),
        ('Text/XML; Charset="windows-1251"', "text/xml", "windows-1251"),
        (None, "", None),
        ("application/xml", "application/xml", None),
    ],
)
def test_content_type_parts(content_type: str | None, media: str, charset: str | None) -> None:
    assert (media_type(content_type), charset_of(content_type)) == (media, charset)


def test_xml_declared_encoding() -> None:
    assert (
        xml_declared_encoding(b"\xef\xbb\xbf<?xml version='1.0' encoding='ISO-8859-2' ?><a/>") == "ISO-8859-2"
    )
    assert xml_declared_encoding(b"<?xml version='1.0'?><a encoding='x'/>") is None
    assert xml_declared_encoding(b"<rss/>") is None


@pytest.mark.parametrize(
    "body",
    [
        b"<?xml version='1.0' encoding='utf-8'?><rss><channel><title>\xff\xfe\xfd</title></channel></rss>",
        b"\xef\xbb\xbf<rss>\xc3</rss>",
        b"\xff\xfe<\x00r\x00\x00\xd8",  # UTF-16 with a lone surrogate
        bytes(range(256)) * 4,
    ],
)
def test_garbage_never_raises(body: bytes) -> None:
    decoded = to_utf8(body, "text/xml; charset=utf-8")
    decoded.body.decode("utf-8")  # always valid UTF-8
