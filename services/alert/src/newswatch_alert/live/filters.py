"""What a reader asks of the live feed: filters, the index keys they map to, and the page cursor.

Pure: no I/O, no clock. The Redis index (``live.index``) and the SSE stream (``live.stream``)
both decide membership through this module, so a filter means the same thing in ``GET /articles``,
in ``GET /articles/stream`` and in the brute-force check the tests compare the index against.

Semantics (what a reader of the API docs is promised):

- Each facet (``country``, ``entity``, ``term``, ``category``, ``source``, ``language``) may be given
  several times: an article passes a facet when it has ANY of the values given for it. Different
  facets, ``min_score``, ``since``/``until`` and ``q`` must ALL hold.
- Values are compared the way watchlists compare them: case, spacing and punctuation never decide
  (``nord-stream 2`` finds "Nord Stream 2"). ``country`` is an ISO 3166 alpha-2 code, ``language`` an
  ISO 639-1 code (``en-GB`` is ``en``). ``entity`` matches an entity's canonical name or any way the
  article wrote it, and any name of the same thing (``common.entities``): ``Russian``, ``Russians``
  and ``Russia`` ask for the same articles, ``UK`` finds "Britain".
- ``q`` is free text: every word, and every "quoted phrase", must appear as whole words in the
  title, summary or content, in any order. No stemming.
- ``since`` is inclusive and ``until`` exclusive, on the published time.

The feed's order is (published time, article id), newest first. A cursor is that pair for the last
item of a page, base64url-encoded: opaque to clients, stable while new articles arrive.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from newswatch_alert.common.entities import entity_keys
from newswatch_alert.common.text import norm, primary_language, source_of, words
from newswatch_shared.schemas import EnrichedArticle

__all__ = [
    "FACETS",
    "ArticleFilter",
    "Cursor",
    "article_facets",
    "epoch_ms",
    "facet_value",
    "member_of",
    "parse_member",
    "parse_text_query",
]

#: Facets with an index in Redis, in the order the API documents them.
FACETS = ("country", "entity", "term", "category", "source", "language")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_PHRASE = re.compile(r'"([^"]*)"|(\S+)')
_MAX_TEXT_TERMS = 20
_MAC_BYTES = 10


def epoch_ms(when: datetime) -> int:
    """Milliseconds since the epoch, exact (no float rounding), never negative."""
    return max(0, (when - _EPOCH) // _MS)


def facet_value(facet: str, value: str) -> str | None:
    """The normalised form a facet value is indexed and compared by; None when nothing is left."""
    if facet == "country":
        code = value.strip().upper()
        return code if re.fullmatch(r"[A-Z]{2}", code) else None
    if facet == "language":
        lang = primary_language(value)
        return lang if lang and re.fullmatch(r"[a-z]{2,3}", lang) else None
    return norm(value) or None


def article_facets(enriched: EnrichedArticle) -> dict[str, frozenset[str]]:
    """Every facet value an article is indexed under (and matches), normalised."""
    raw = enriched.article
    values: dict[str, set[str]] = {facet: set() for facet in FACETS}
    for entity in enriched.entities:
        for text in (entity.canonical, entity.text, *entity.forms):
            key = facet_value("entity", text)
            if key:
                values["entity"].add(key)
        if entity.country:
            code = facet_value("country", entity.country)
            if code:
                values["country"].add(code)
    for occurrence in enriched.escalation:
        # A term stands for its broader concepts (enrich lists them) and for the terms inside it, as
        # in watchlists: ``term=sanctions`` finds an asset freeze.
        for facet, text in (
            ("category", occurrence.category),
            *(("term", name) for name in (occurrence.term, *occurrence.concepts, *occurrence.also)),
        ):
            key = facet_value(facet, text)
            if key:
                values[facet].add(key)
    source = facet_value("source", source_of(raw))
    if source:
        values["source"].add(source)
    language = facet_value("language", enriched.language or raw.language or "")
    if language:
        values["language"].add(language)
    return {facet: frozenset(found) for facet, found in values.items()}


def parse_text_query(q: str | None) -> tuple[tuple[str, ...], ...]:
    """``'troops "Nord Stream 2"'`` → ``(("troops",), ("nord", "stream", "2"))``.

    An unquoted token that normalises to several words (``Nord-Stream``) is kept as one phrase, as
    the reader wrote it together. Repeats are dropped; at most 20 terms are kept.
    """
    if not q:
        return ()
    found: list[tuple[str, ...]] = []
    for quoted, bare in _PHRASE.findall(q):
        phrase = words(quoted or bare)
        if phrase and phrase not in found:
            found.append(phrase)
    return tuple(found[:_MAX_TEXT_TERMS])


def _has_phrase(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    first = phrase[0]
    return any(tokens[i] == first and tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class ArticleFilter:
    """A normalised feed filter. Build it with :meth:`build`; an empty filter passes everything."""

    facets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    min_score: float | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def build(
        cls,
        *,
        country: Iterable[str] = (),
        entity: Iterable[str] = (),
        term: Iterable[str] = (),
        category: Iterable[str] = (),
        source: Iterable[str] = (),
        language: Iterable[str] = (),
        min_score: float | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        q: str | None = None,
    ) -> ArticleFilter:
        """Normalise what a client sent; raises ValueError naming the first unusable value."""
        given = {
            "country": country,
            "entity": entity,
            "term": term,
            "category": category,
            "source": source,
            "language": language,
        }
        facets: dict[str, frozenset[str]] = {}
        for facet, raw_values in given.items():
            keys: set[str] = set()
            for raw in raw_values:
                key = facet_value(facet, raw)
                if key is None:
                    hint = {"country": " (an ISO 3166 alpha-2 code such as UA)", "language": " (such as en)"}
                    raise ValueError(f"{facet}: {raw!r} is not usable{hint.get(facet, '')}")
                keys.add(key)
                if facet == "entity":  # "Russian" asks for Russia, "UK" for Britain: one real thing
                    keys.update(entity_keys(raw))
            if keys:
                facets[facet] = frozenset(keys)
        if since is not None and until is not None and until <= since:
            raise ValueError("until must be later than since")
        return cls(
            facets=facets,
            min_score=min_score if min_score else None,
            since=since,
            until=until,
            text=parse_text_query(q),
        )

    @property
    def groups(self) -> list[tuple[str, frozenset[str]]]:
        """The indexed facets given, as (facet, values): each group is an OR, groups are ANDed."""
        return [(facet, self.facets[facet]) for facet in FACETS if facet in self.facets]

    def matches(self, enriched: EnrichedArticle, facets: Mapping[str, frozenset[str]] | None = None) -> bool:
        """Does the article pass every condition? The ground truth the index is checked against.

        ``facets`` is ``article_facets(enriched)`` when the caller already has it (the stream hub
        checks one article against every client's filter).
        """
        if self.min_score is not None and enriched.score < self.min_score:
            return False
        published = enriched.article.published_at
        if self.since is not None and published < self.since:
            return False
        if self.until is not None and published >= self.until:
            return False
        if self.facets:
            have = facets if facets is not None else article_facets(enriched)
            if any(not (values & have[facet]) for facet, values in self.facets.items()):
                return False
        if self.text:
            raw = enriched.article
            tokens = words(f"{raw.title}\n{raw.summary}\n{raw.content}")
            if not all(_has_phrase(tokens, phrase) for phrase in self.text):
                return False
        return True


# -- positions in the feed ---------------------------------------------------------------------------


def member_of(enriched: EnrichedArticle) -> str:
    """The article's member in every index sorted set: ``<published ms, 15 digits>:<id>:<score>``.

    All index sets use score 0 and are read by lexicographic range, so this string orders the feed
    by (published time, id); the escalation score rides along so ``min_score`` needs no extra look-up.
    """
    return f"{epoch_ms(enriched.article.published_at):015d}:{enriched.id}:{enriched.score!r}"


def parse_member(member: str) -> tuple[int, str, float]:
    """``member_of``'s inverse: (published ms, article id, score)."""
    ms, rest = member.split(":", 1)
    article_id, score = rest.rsplit(":", 1)
    return int(ms), article_id, float(score)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _mac(key: bytes, raw: bytes) -> bytes:
    return hmac.new(key, raw, hashlib.sha256).digest()[:_MAC_BYTES]


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the (published ms, id) of its last item."""

    published_ms: int
    article_id: str

    @classmethod
    def after(cls, member: str) -> Cursor:
        ms, article_id, _ = parse_member(member)
        return cls(ms, article_id)

    def encode(self, key: bytes = b"") -> str:
        """The opaque token: the position and an HMAC of it under ``key`` (the deployment's)."""
        raw = f"{self.published_ms}:{self.article_id}".encode()
        return f"{_b64(raw)}.{_b64(_mac(key, raw))}"

    @classmethod
    def decode(cls, token: str, key: bytes = b"") -> Cursor:
        """Raises ValueError for anything :meth:`encode` did not make under ``key``: a cursor of
        another deployment, one edited by hand, or garbage (never an empty page instead)."""
        try:
            body, _, mac = token.partition(".")
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            given = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
            if not mac or not hmac.compare_digest(given, _mac(key, raw)):
                raise ValueError
            ms, article_id = raw.decode().split(":", 1)
            if not ms.isdigit() or not article_id:
                raise ValueError
            return cls(int(ms), article_id)
        except (binascii.Error, UnicodeDecodeError, ValueError) as e:
            raise ValueError("cursor is not one this API returned") from e

    def bound(self) -> str:
        """Exclusive upper bound for a reverse lexicographic range: strictly after this item.

        The item's member is ``<ms>:<id>:<score>``, at or above ``<ms>:<id>:``; every other member is
        ordered against that prefix within its own ``<ms>:<id>:`` part (ids hold no ``:``). So the item
        and everything before it in the feed are excluded, everything after it is kept.
        """
        return f"({self.published_ms:015d}:{self.article_id}:"
