"""HTML → plain text."""

from __future__ import annotations

import pytest

from newswatch_ingest.text import html_to_text, normalize_whitespace


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Troops <b>mass</b>ed at the border.</p>", "Troops massed at the border."),
        ("<p>One.</p><p>Two.</p>", "One.\nTwo."),
        ("Line one<br>line two<br/>line three", "Line one\nline two\nline three"),
        ("<ul><li>first</li><li>second</li></ul>", "first\nsecond"),
        ("Fish &amp; chips &lt;tag&gt; &eacute;t&eacute; &#8212; &#x2019;", "Fish & chips <tag> été — ’"),
        ("Talks&nbsp;resume   on\n\n\tThursday", "Talks resume on Thursday"),
        ("<div>kept</div><script>alert(1)</script><style>p{}</style>", "kept"),
        ("<p>unclosed <b>bold <i>and italic", "unclosed bold and italic"),
        ("plain text, 3 < 5", "plain text, 3 < 5"),
        ("", ""),
        ("<p>   </p>", ""),
        ("zero\u200bwidth\ufeff", "zerowidth"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_normalize_whitespace_composes_unicode() -> None:
    assert normalize_whitespace("Cafe\u0301  au  lait\n\n\nnext") == "Café au lait\nnext"
