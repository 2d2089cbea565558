"""Entity-expansion bombs are refused before any parser expands them; memory stays bounded.

Memory is measured with tracemalloc (peak Python allocations during the parse). Without the guard,
the one-line bomb peaks above 50 MB inside expat and the quadratic one expands to hundreds of MB in
feedparser's lenient parser, so the bound below fails loudly if the guard stops working.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from newswatch_ingest.errors import FeedParseError
from newswatch_ingest.parse import parse_feed
from newswatch_ingest.xmlguard import MAX_ENTITY_EXPANSION, check_entities

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
BASE = "https://laughing.example.org/rss.xml"
PEAK_LIMIT = 20 * 1024 * 1024


def peak_bytes(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    except FeedParseError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def one_line_bomb() -> bytes:
    decls = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{decls}]><rss version="2.0"><channel><title>&a9;</title>'
        "<item><title>x &a9;</title><link>https://laughing.example.org/x</link></item></channel></rss>"
    ).encode()


def quadratic_bomb() -> bytes:
    # One long plain entity used many times; the body is deliberately not well-formed so that
    # feedparser would fall back to its lenient parser, which expands "safe" entities itself.
    value = "A" * 20_000
    uses = "&big;" * 20_000
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "{value}">\n]>\n<rss version="2.0"><channel>'
        f"<title>t</title><item><title>{uses}</title><link>https://laughing.example.org/q</link>"
        "<description>unclosed <b></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "body",
    [(FEEDS / "billion_laughs.xml").read_bytes(), one_line_bomb(), quadratic_bomb()],
    ids=["billion-laughs", "one-line", "quadratic"],
)
def test_bombs_are_refused_with_bounded_memory(body: bytes) -> None:
    with pytest.raises(FeedParseError, match="entity-expansion bomb"):
        parse_feed(body, BASE)
    assert peak_bytes(lambda: parse_feed(body, BASE)) < PEAK_LIMIT


def test_bomb_hidden_in_utf16_is_found() -> None:
    body = one_line_bomb().replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-16"?>')
    with pytest.raises(FeedParseError, match="entity-expansion bomb"):
        parse_feed(body.decode().encode("utf-16"), BASE)


def test_single_quoted_values_count_too() -> None:
    body = quadratic_bomb().replace(b'"' + b"A" * 20_000 + b'"', b"'" + b"A" * 20_000 + b"'")
    with pytest.raises(FeedParseError, match="entity-expansion bomb"):
        check_entities(body)


def test_entities_referring_to_each_other_in_a_loop() -> None:
    body = b'<!DOCTYPE r [<!ENTITY a "&b;"><!ENTITY b "&a;">]><r>&a;</r>'
    with pytest.raises(FeedParseError, match="loop"):
        check_entities(body)


def test_very_deep_nesting_is_refused_not_a_recursion_error() -> None:
    # Declared deepest-first, so that measuring the first one walks the whole chain.
    decls = "".join(f'<!ENTITY e{i} "&e{i - 1};">' for i in range(4999, 0, -1)) + '<!ENTITY e0 "x">'
    with pytest.raises(FeedParseError, match="nested too deeply"):
        check_entities(f"<!DOCTYPE r [{decls}]><r>&e4999;</r>".encode())


def test_internal_parameter_entities_are_refused() -> None:
    body = b"""<!DOCTYPE r [<!ENTITY % d "<!ENTITY x 'y'>"> %d;]><r>&x;</r>"""
    with pytest.raises(FeedParseError, match="parameter entities"):
        check_entities(body)


def test_harmless_declarations_are_read_and_expanded() -> None:
    feed = parse_feed((FEEDS / "entities_ok.xml").read_bytes(), "https://quay.example.org/rss.xml")
    assert feed.title == "Quay Side Times"  # titles are one line of plain spaces
    assert feed.entries[0].title.value == "Dock strike ends after\u00a0talks"
    assert feed.entries[0].summary.value == "Reported by the Night Desk."
    assert feed.warnings == ()


def test_many_small_uses_stay_under_the_limit() -> None:
    uses = "&nbsp;" * (MAX_ENTITY_EXPANSION // 2)
    assert check_entities(f'<!DOCTYPE r [<!ENTITY nbsp "&#160;">]><r>{uses}</r>'.encode()).external == ()


def test_external_file_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("CLASSIFIED-BY-TEST")
    for layout in ("\n", ""):  # declarations on their own lines, and all on one line
        body = (
            f'<?xml version="1.0"?>{layout}<!DOCTYPE rss [{layout}'
            f'<!ENTITY x SYSTEM "{secret.as_uri()}">{layout}]>'
            f'{layout}<rss version="2.0"><channel><title>t</title><item><title>see &x;</title>'
            "<link>https://laughing.example.org/f</link></item></channel></rss>"
        ).encode()
        feed = parse_feed(body, BASE)
        assert "CLASSIFIED" not in feed.model_dump_json()
        assert feed.entries[0].title.value.strip() in ("see &x;", "see")  # left out, never loaded
        assert "External XML entities (&x;) were not loaded." in feed.warnings
