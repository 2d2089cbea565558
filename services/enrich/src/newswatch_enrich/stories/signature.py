"""An article's story signature: a MinHash of its word shingles, its marks and when it was published.

MinHash (datasketch) estimates how much two shingle sets overlap from 128 numbers per article, so a
signature is small enough to keep in Redis for every article of the story window. Its LSH *bands*
(``rows`` consecutive values, hashed) are the lookup keys: two articles that share any band are
candidates, and the probability of sharing one rises steeply with their similarity, so copies find
each other without comparing against every article of the window.

The set's size travels with it, so the decision can estimate *containment* (how much of the shorter
text is inside the longer) rather than only Jaccard similarity: a copy cut after its first paragraph,
or an update with paragraphs added, contains or is contained in the wire text while sharing only a
small part of the union.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from newswatch_enrich.stories.normalise import clean_text, clean_title, marks, words

__all__ = ["ShingleParams", "Signature", "make_signature"]

_SCHEME = "affine32"
_SEED = 1


@dataclass(frozen=True)
class ShingleParams:
    """How texts become signatures. Changing any of these makes old signatures incomparable."""

    k: int = 2  # words per shingle
    num_perm: int = 128
    rows: int = 2  # MinHash values per LSH band; bands = num_perm // rows
    title: bool = True  # shingle the title with the text

    @property
    def bands(self) -> int:
        return self.num_perm // self.rows


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Made once per process: datasketch would draw them again for every MinHash."""
    template = MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME)
    a, b = template.permutations
    return a, b


@dataclass(frozen=True)
class Signature:
    """What the decision compares; stored with each story member."""

    hashvalues: np.ndarray  # uint32, num_perm values
    size: int  # distinct shingles
    marks: frozenset[str]
    published: datetime

    def jaccard(self, other: Signature) -> float:
        if self.size == 0 or other.size == 0:
            return 0.0
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self.hashvalues)

    def containment(self, other: Signature) -> float:
        """Estimated share of the smaller shingle set that is in the larger (from Jaccard and sizes)."""
        j = self.jaccard(other)
        smaller = min(self.size, other.size)
        if smaller == 0:
            return 0.0
        return min(1.0, j * (self.size + other.size) / (1 + j) / smaller)

    def bands(self, params: ShingleParams) -> list[str]:
        """One lookup key per band: its index and a hash of its values."""
        if self.size == 0:
            return []
        out = []
        for i in range(params.bands):
            chunk = self.hashvalues[i * params.rows : (i + 1) * params.rows].astype("<u4").tobytes()
            out.append(f"{i}:{hashlib.blake2b(chunk, digest_size=8).hexdigest()}")
        return out

    def encode_values(self) -> str:
        return base64.b64encode(self.hashvalues.astype("<u4").tobytes()).decode("ascii")

    @staticmethod
    def decode_values(text: str) -> np.ndarray:
        return np.frombuffer(base64.b64decode(text), dtype="<u4").astype(np.uint32)


#: Shingles of these words alone ("of the", "said on") are in every article: they would make every
#: article a candidate of every other through shared bands, and say nothing about the report.
STOPWORDS = frozenset(
    "a an and are as at be been but by for from had has have he her his in into is it its of on or said "
    "says she that the their they this to was were which who will with would after before over than".split()
)


def _shingles(tokens: Sequence[str], k: int) -> set[str]:
    if len(tokens) < k:
        return {" ".join(tokens)} if tokens else set()
    grams = (tokens[i : i + k] for i in range(len(tokens) - k + 1))
    return {" ".join(g) for g in grams if not all(w in STOPWORDS for w in g)}


def make_signature(
    title: str, text: str, published: datetime, source: str = "", params: ShingleParams | None = None
) -> Signature:
    """The signature of one article: ``text`` is its summary and content (the title is separate)."""
    params = params or ShingleParams()
    body = clean_text(text)
    shingles = _shingles(words(body), params.k)
    if params.title or not shingles:
        shingles |= _shingles(words(clean_title(title, source)), params.k)
    a, b = _permutations(params.num_perm)
    minhash = MinHash(num_perm=params.num_perm, seed=_SEED, scheme=_SCHEME, permutations=(a, b))
    if shingles:
        minhash.update_batch([s.encode("utf-8") for s in shingles])
    return Signature(
        hashvalues=np.asarray(minhash.hashvalues, dtype=np.uint32),
        size=len(shingles),
        marks=frozenset(marks(body)),
        published=published,
    )
