"""What of an article identifies its report: the text without the outlet's wrapping.

Syndicated copies differ mostly in what each outlet wraps around the wire text, so that wrapping is
removed before anything is compared, or two copies would look less alike than they are, and two
different reports from one outlet more alike:

- in titles: "UPDATE 2-", "WATCH:", "BREAKING:" in front; " - Outlet", " | Outlet News" behind;
- in the text: a dateline ("TOWN (Outlet) —", "Town, Country (AP) —"), bylines ("By Jane Doe"),
  trailers ("Reporting by …; Editing by …", "The post … appeared first on …", "Sign up …", "©"), and
  the cut word before a truncation's ellipsis.

Words are then case-folded and accent-folded; thousands separators go ("62,000" is "62000").

*Marks* are what tells look-alike events apart when their wording is the same formula: numbers, and
capitalised words inside sentences (towns, people, days). Only the text gives marks: titles are often
in title case, where every word is capitalised.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "clean_title", "marks", "words"]

_TITLE_PREFIX = re.compile(
    r"^\s*(?:(?:UPDATE|REFILE|CORRECTED|RPT)\s*\d*\s*[-:–—]|"
    r"(?:WATCH|BREAKING(?:\s+NEWS)?|LIVE|EXCLUSIVE|ANALYSIS|VIDEO|PHOTOS|OPINION|UPDATED)\s*[:\-–—])\s*",
    re.IGNORECASE,
)
_TITLE_SUFFIX = re.compile(r"\s+[-–—|]\s+([^-–—|]{1,60})$")
_OUTLET_WORDS = re.compile(r"^(?:[A-Z0-9][\w'.&]*|of|the|and|on|for|de|la)(?:\s+|$)")

_DATELINE = re.compile(
    # "TOWN (Outlet) —", "Town, Country (AP) —"; then "SUNDAY, Town —"
    r"^\s*[A-Z][^\n()]{0,60}?\s*\((?:[^()\n]{1,40})\)\s*[-–—]+\s*"
    r"|^\s*(?:[A-Z][\w'.]*,?\s+){1,5}[-–—]+\s+"
)
_BYLINE = re.compile(r"^\s*By\s+(?:[A-Z][\w.'-]*\s*){1,4}(?:,.*|\band\b.*)?$")
_TRAILER = re.compile(
    r"^\s*(?:(?:Additional\s+)?(?:Reporting|Writing|Editing)\s+by\b|The post\b.*\bappeared first on\b|"
    r"Sign up\b|Subscribe\b|Read more\b|Follow us\b|Click here\b|©|Copyright\b|All rights reserved)",
    re.IGNORECASE,
)
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\])\s*$")
_THOUSANDS = re.compile(r"(?<=\d)[,.\u202f\u00a0](?=\d{3}\b)")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TOKEN = re.compile(r"\n|[^\s]+")
_STARTS_SENTENCE = re.compile(r"[.!?:;\"“”]$")
_NUMBER = re.compile(r"\d")
_NOT_MARKS = frozenset(
    {"i", "the", "a", "an", "he", "she", "it", "they", "we", "this", "that", "mr", "ms", "mrs"}
)


def _is_outlet(suffix: str, source: str) -> bool:
    """A title's tail is the outlet's name: it names the source, or is a few capitalised words."""
    if source and source.casefold() in suffix.casefold():
        return True
    rest, count = suffix.strip(), 0
    while rest and count <= 5:
        m = _OUTLET_WORDS.match(rest)
        if m is None:
            return False
        rest, count = rest[m.end() :], count + 1
    return not rest and count <= 5


def clean_title(title: str, source: str = "") -> str:
    """The title without prefixes like "UPDATE 2-" and the outlet's name behind it."""
    title = title.strip()
    while (m := _TITLE_PREFIX.match(title)) is not None and m.end() < len(title):
        title = title[m.end() :]
    while (m := _TITLE_SUFFIX.search(title)) is not None and _is_outlet(m.group(1), source):
        title = title[: m.start()]
    return title.strip()


def clean_text(text: str) -> str:
    """The text without dateline, bylines, trailers and the word a truncation cut in half."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    kept = [p for p in paragraphs if not _BYLINE.match(p) and not _TRAILER.match(p)]
    if kept:
        kept[0] = _DATELINE.sub("", kept[0], count=1)
        last = kept[-1]
        if _ELLIPSIS.search(last):
            last = _ELLIPSIS.sub("", last)
            last = last.rsplit(None, 1)[0] if " " in last else ""
            kept[-1] = last
    return "\n".join(p for p in kept if p)


def _fold(text: str) -> str:
    text = _THOUSANDS.sub("", text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def words(text: str) -> list[str]:
    """Case- and accent-folded words; numbers without thousands separators."""
    return _WORD.findall(_fold(text))


def marks(text: str, limit: int = 200) -> list[str]:
    """Numbers and capitalised words inside sentences, folded, in order, each once (at most ``limit``).

    A sentence's first word is capitalised whatever it is, so it is not a mark unless it is a number.
    """
    seen: dict[str, None] = {}
    sentence_start = True
    for m in _TOKEN.finditer(text):
        token = m.group()
        if token == "\n":
            sentence_start = True
            continue
        core = token.strip("()[]\"'“”‘’,.;:!?")
        if core and (_NUMBER.search(core) or (core[0].isupper() and not sentence_start)):
            for word in words(core):
                if word not in _NOT_MARKS:
                    seen.setdefault(word, None)
        sentence_start = bool(_STARTS_SENTENCE.search(token))
        if len(seen) >= limit:
            break
    return list(seen)[:limit]
