"""HTML → plain text for titles, summaries and content.

Feeds carry HTML fragments (often escaped twice). We parse them with selectolax's Lexbor engine — an
HTML5-conformant parser in C, so broken markup is repaired the way browsers repair it, and fast
enough to run on every entry. Lexbor's own ``text()`` either glues block elements together or splits
words at inline tags, so block boundaries are marked before the text is taken: inline markup
(``<b>mass</b>ed``) stays one word, paragraphs, list items and ``<br>`` become lines, and newlines
in the source collapse to spaces as a browser would show them.
"""

from __future__ import annotations

import re
import unicodedata

from selectolax.lexbor import LexborHTMLParser

__all__ = ["html_to_text", "normalize_whitespace", "one_line"]

# Elements whose text is never article prose.
_DROP = ["script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head"]
# Elements that start a new line when rendered.
_BLOCKS = (
    "address,article,aside,blockquote,dd,div,dl,dt,figcaption,figure,footer,h1,h2,h3,h4,h5,h6,"
    "header,hr,li,main,nav,ol,p,pre,section,table,tr,td,th,ul"
)
# Marks a line break while the text is extracted (U+2029 in a feed is a paragraph break anyway).
_BREAK = "\u2029"
# Zero-width characters and controls (tab and newline are whitespace and handled by split()).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\x00-\x08\x0b\x0e-\x1f\x7f]")


def normalize_whitespace(text: str) -> str:
    """NFC, no invisible characters, single spaces within a line, no blank lines."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def one_line(text: str) -> str:
    return " ".join(text.split())


def html_to_text(html: str) -> str:
    """Readable text of an HTML fragment: tags dropped, entities decoded, one line per block."""
    if "<" not in html and "&" not in html:
        return normalize_whitespace(html)
    tree = LexborHTMLParser(html)
    tree.strip_tags(_DROP)
    for node in tree.css(_BLOCKS):
        node.insert_before(_BREAK)
        node.insert_after(_BREAK)
    for node in tree.css("br"):
        node.insert_after(_BREAK)
    body = tree.body
    if body is None:
        return ""
    # In HTML, newlines in the source are just spaces; only our markers end a line.
    text = body.text(deep=True, separator="", strip=False)
    return normalize_whitespace("\n".join(" ".join(block.split()) for block in text.split(_BREAK)))
