"""Text normalisation shared by watchlist validation, matching and the index.

Terms are compared as sequences of case-folded words (runs of letters and digits): punctuation and
spacing never decide a match, and a term matches only whole words.
"""

from __future__ import annotations

import re

__all__ = ["norm", "sentences", "words"]

_WORD = re.compile(r"\w+")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")


def words(text: str) -> tuple[str, ...]:
    """``"Nord-Stream 2's"`` → ``("nord", "stream", "2", "s")``."""
    return tuple(w.casefold() for w in _WORD.findall(text))


def norm(text: str) -> str:
    """The words of ``text`` joined by single spaces: the key terms are indexed and compared by."""
    return " ".join(words(text))


def sentences(text: str) -> list[str]:
    """A rough split on sentence punctuation and line breaks; good enough to quote context."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if s.strip()]
