"""Refuse XML whose entities could blow up memory, before any XML parser sees it.

What feedparser already does (feedparser 6.0, checked with expat 2.5 on Python 3.11): its SAX
parser turns off external general entities, and parameter entities are never loaded, so neither
``SYSTEM "http://…"`` nor ``SYSTEM "file://…"`` is ever fetched or read; such an entity is left as
the text ``&name;``. It also strips entity declarations before parsing and keeps only "safe" ones
(a plain value without ``&``). That is not enough:

- a value may be long: one 50 kB entity used 20,000 times is a 150 kB document that feedparser's
  lenient fallback parser (used whenever the XML is not well-formed) expands to 1 GB of text;
- expat's own amplification limit only starts after 8 MiB of output and allows 100× the input,
  i.e. up to a gigabyte for a 10 MB feed, and this Python cannot lower it.

So we compute what the declared entities would expand to and refuse the document when it exceeds
:data:`MAX_ENTITY_EXPANSION` characters. Without parameter entities every general entity declaration
is literal text in the internal subset, so a scan of the text finds all of them (declarations inside
comments or values are counted too, which only errs on the side of refusing); an internal parameter
entity could assemble declarations a scan cannot see, and feeds never need one, so it is refused.
External declarations are harmless (never loaded) and only noted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from newswatch_ingest.errors import FeedParseError

__all__ = ["MAX_ENTITY_EXPANSION", "EntityCheck", "check_entities"]

#: Characters all entity references of a document may expand to. Legitimate feeds declare a few
#: one-character entities (``&nbsp;`` as ``&#160;``), far below this.
MAX_ENTITY_EXPANSION = 1_000_000

_DECL = re.compile(
    rb"""<!ENTITY\s+(%\s*)?([^\s%"'<>]+)\s*(?:"([^"]*)"|'([^']*)'|(SYSTEM|PUBLIC)\b)""",
)
_REF = re.compile(rb"&([^\s&;<>\"'#][^\s&;<>\"']*);")
_CHAR_REF = re.compile(rb"&#[xX]?[0-9a-fA-F]+;")


@dataclass(frozen=True)
class EntityCheck:
    #: Names of external entities: declared, never loaded, left as ``&name;`` in the text.
    external: tuple[str, ...] = ()


def _bomb() -> FeedParseError:
    return FeedParseError(
        f"The document's XML entities would expand to more than {MAX_ENTITY_EXPANSION:,} characters "
        "(an entity-expansion bomb); it is not read."
    )


def _sizes(values: dict[bytes, bytes]) -> dict[bytes, int]:
    """Expanded length of each internal entity; raises on a cycle or past the limit."""
    sizes: dict[bytes, int] = {}
    visiting: set[bytes] = set()

    def size(name: bytes) -> int:
        if name in sizes:
            return sizes[name]
        if name in visiting:
            raise FeedParseError("The document's XML entities refer to themselves in a loop; it is not read.")
        visiting.add(name)
        value = values[name]
        total = len(_CHAR_REF.sub(b"?", value))  # a character reference is one character
        for ref in _REF.finditer(value):
            inner = ref.group(1)
            if inner in values:
                total += size(inner) - len(ref.group(0))
                if total > MAX_ENTITY_EXPANSION:
                    raise _bomb()
        visiting.discard(name)
        sizes[name] = total
        return total

    for name in values:
        size(name)
    return sizes


def check_entities(body: bytes) -> EntityCheck:
    """Raise :class:`FeedParseError` for an entity bomb or a parameter entity; else list externals."""
    if b"<!ENTITY" not in body:
        return EntityCheck()  # nothing is declared: the common case costs one scan
    values: dict[bytes, bytes] = {}
    external: list[str] = []
    for match in _DECL.finditer(body):
        parameter, name = match.group(1), match.group(2)
        if match.group(5):
            external.append(name.decode("utf-8", "replace"))
            continue
        if parameter:
            raise FeedParseError(
                "The document's DTD defines parameter entities, which feeds never need; "
                "it is refused as unsafe."
            )
        value = match.group(3) if match.group(3) is not None else match.group(4) or b""
        if len(value) > len(values.get(name, b"")):
            values[name] = value  # the longest of repeated declarations: never underestimate
    if values:
        try:
            sizes = _sizes(values)
        except RecursionError:
            raise FeedParseError(
                "The document's XML entities are nested too deeply; it is not read."
            ) from None
        uses = Counter(ref.group(1) for ref in _REF.finditer(body))
        expanded = 0
        for name, count in uses.items():
            expanded += count * sizes.get(name, 0)
            if expanded > MAX_ENTITY_EXPANSION:
                raise _bomb()
    return EntityCheck(external=tuple(dict.fromkeys(external)))
