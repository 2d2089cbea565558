"""Phrase matching over token forms: the engine behind taxonomy terms and their false friends.

Each token offers two forms, its lower-case text and its lower-case lemma (:mod:`newswatch_enrich.lemmas`);
a phrase word matches a token when it equals either. So "impose sanction" matches "imposed sanctions"
(lemma, lemma) and "troops" matches only "troops" (text). Two special words, never first or last:

- ``the`` stands for one article or possessive (:data:`DETERMINERS`) or none;
- ``...`` stands for up to :data:`GAP_MAX` tokens that are neither punctuation nor whitespace.

Why not spaCy's ``Matcher``: it tries every pattern at every token, so its cost grows with the size of
the taxonomy (about 70 ms per 500-word article for 500 phrases here). Phrases here are indexed by first
word and tried only where that word occurs: a dict look-up or two per token, whatever the taxonomy size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from newswatch_enrich.taxonomy import GAP

__all__ = ["DETERMINERS", "GAP", "GAP_MAX", "PhraseIndex"]

#: Most words a ``...`` of a phrase stands for.
GAP_MAX = 3
#: What an inner "the" of a phrase stands for (or nothing).
DETERMINERS = frozenset(
    {"the", "a", "an", "its", "their", "his", "her", "our", "this", "that", "these", "those"}
)

_WORD, _DET, _GAP = 0, 1, 2
Item = tuple[int, str]
Forms = tuple[str, str]


class PhraseIndex:
    """Phrases grouped under keys (term names), compiled with the documents' tokenizer."""

    def __init__(self, tokenize: Callable[[str], list[str]]) -> None:
        """``tokenize`` splits a phrase into lower-case words the way documents are split."""
        self._tokenize = tokenize
        self._by_first: dict[str, list[tuple[str, tuple[Item, ...]]]] = {}
        self.size = 0

    def add(self, key: str, phrases: Iterable[str]) -> None:
        for phrase in phrases:
            words = self._tokenize(phrase)
            if not words:
                continue
            items = tuple(_item(w, 0 < i < len(words) - 1) for i, w in enumerate(words))
            self._by_first.setdefault(words[0], []).append((key, items))
            self.size += 1

    def find(self, forms: Sequence[Forms], breaks: Sequence[bool]) -> list[tuple[str, int, int]]:
        """(key, start, end) token spans of every phrase found, the longest per key and start.

        ``forms[i]`` is token i's (lower-case text, lower-case lemma); ``breaks[i]`` says whether it is
        punctuation or whitespace (a gap never spans those)."""
        found: dict[tuple[str, int], int] = {}
        for i, (lower, lemma) in enumerate(forms):
            candidates = self._by_first.get(lower, [])
            if lemma != lower:
                candidates = candidates + self._by_first.get(lemma, [])
            for key, items in candidates:
                end = max(_ends(items, 1, forms, breaks, i + 1), default=-1)
                if end > found.get((key, i), -1):
                    found[(key, i)] = end
        return [(key, start, end) for (key, start), end in found.items()]


def _item(word: str, inner: bool) -> Item:
    if inner and word == GAP:
        return (_GAP, word)
    if inner and word == "the":
        return (_DET, word)
    return (_WORD, word)


def _ends(
    items: tuple[Item, ...], j: int, forms: Sequence[Forms], breaks: Sequence[bool], pos: int
) -> Iterator[int]:
    """Every token position where ``items[j:]`` can end when it starts at ``pos``."""
    if j == len(items):
        yield pos
        return
    kind, word = items[j]
    n = len(forms)
    if kind == _WORD:
        if pos < n and word in forms[pos]:
            yield from _ends(items, j + 1, forms, breaks, pos + 1)
    elif kind == _DET:
        yield from _ends(items, j + 1, forms, breaks, pos)
        if pos < n and forms[pos][0] in DETERMINERS:
            yield from _ends(items, j + 1, forms, breaks, pos + 1)
    else:
        for skip in range(GAP_MAX + 1):
            if skip and (pos + skip - 1 >= n or breaks[pos + skip - 1]):
                break
            yield from _ends(items, j + 1, forms, breaks, pos + skip)
