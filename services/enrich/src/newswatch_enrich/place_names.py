"""How names are written and compared: the string rules shared by the gazetteer and its sources.

News text writes one name many ways: "the United States'", "São Paulo" and "Sao Paulo", "UKRAINE".
Lookups therefore compare :func:`lookup_key` (no leading "the", no trailing possessive, single-spaced,
accents folded, case-folded). The EntityRuler, by contrast, matches exact spellings, which is why the
sources also add the accent-free spelling of a name as an alias (:func:`ascii_fold`).
"""

from __future__ import annotations

import functools
import unicodedata

__all__ = ["ascii_fold", "lookup_key", "plain_name"]

#: Possessive endings, longest first; capitals too ("UKRAINE'S" in a headline).
_POSSESSIVES = ("'s", "’s", "'S", "’S", "'", "’")


def plain_name(text: str) -> str:
    """A name without a leading 'the' or a trailing possessive, single-spaced."""
    # String methods rather than regular expressions: this runs for each of the gazetteer's names.
    name = " ".join(text.split())
    if name[:4].casefold() == "the ":
        name = name[4:]
    for ending in _POSSESSIVES:
        if name.endswith(ending):
            return name[: -len(ending)].rstrip()
    return name


def ascii_fold(text: str) -> str:
    """``text`` without diacritics ("Malé" → "Male", "Türkiye" → "Turkiye"); other letters stay."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@functools.lru_cache(maxsize=1 << 17)
def lookup_key(text: str) -> str:
    """How names are compared: :func:`plain_name`, accents folded, case-folded.

    Cached (bounded): building the gazetteer asks for the key of each of its 70,000 names several
    times, and articles repeat the same names.
    """
    return ascii_fold(plain_name(text)).casefold()
