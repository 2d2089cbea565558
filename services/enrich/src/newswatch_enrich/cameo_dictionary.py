"""Reading the PETRARCH2 CAMEO verb dictionary and proposing escalation variants from it.

The dictionary (``CAMEO.2.0.txt`` from openeventdata/petrarch2, MIT) is what event coders use to turn
news sentences into CAMEO event codes. We do not ship it: :mod:`newswatch_enrich.cameo_variants` reads
it at curation time and proposes phrases per code, and a person copies the useful ones into
``data/taxonomy.toml`` (derived data, marked there). This module is the pure part: text in, proposals out.

The parts of the format we read (see ``PETRreader.read_verb_dictionary`` in PETRARCH2):

- synonym sets before the verb patterns: ``&MILITARY`` followed by ``+TROOPS``, ``+ARMED_FORCES``...
  (``_`` joins the words of a phrase; a trailing ``_`` only stops PETRARCH from inflecting it);
- verb blocks: a header ``---  INVADE   [192]  ---`` (the block's default code, ``---`` for none), then
  its verbs, one a line (``OCCUPY {OCCUPYING OCCUPIED OCCUPIES}``: irregular forms in braces, an own
  code in brackets, ``+CALL_UP`` for a multi-word verb), then patterns;
- patterns: ``- * &MILITARY (ON BORDER)   [154]   # MOBILISE``: ``*`` stands for the verb, ``&SET``
  for any member of a synonym set, braces and parentheses group noun and prepositional phrases,
  ``$ + ^ %`` mark actors (dropped here), the comment names the verb the pattern came from.
  A code ``[a:b]`` is read as ``a`` (``b`` when ``a`` is empty); ``[---]`` means "no event".

A proposal is a lower-case phrase template with the verb in its base form: ``mobilise &MILITARY`` for
154, which :func:`expand` turns into ``mobilise troops``, ``mobilise armed forces``... Patterns
of the same verbs that code to *other* events (``mobilise supporters`` is 022, an appeal) are returned
as hints for ``exclude`` lists: they are the false friends CAMEO coders already separated out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Pattern",
    "Proposal",
    "VerbBlock",
    "VerbDictionary",
    "expand",
    "parse_event_codes",
    "parse_verb_dictionary",
    "propose",
]

_HEADER = re.compile(r"^---\s+(\S+)\s+\[([^\]]*)\]")
_PATTERN = re.compile(r"^-\s*(?P<body>.*?)\s*\[(?P<code>[^\]]*)\]\s*(?:#\s*(?P<note>.*))?$")
_FORMS = re.compile(r"\{([^}]*)\}")
_OWN_CODE = re.compile(r"\[([^\]]*)\]")
_ACTOR_MARKS = frozenset({"$", "+", "^", "%", "=", "|"})

Kind = Literal["verb", "pattern", "other-code"]


def _word(raw: str) -> str:
    """``ARMED_FORCES`` → ``armed forces``; ``KNIFE_`` → ``knife``."""
    return raw.strip().lstrip("+").rstrip("_").replace("_", " ").lower()


def _code(raw: str) -> str | None:
    for part in raw.split(":"):
        part = part.strip()
        if part.isdigit():
            return part
    return None


@dataclass(frozen=True)
class Pattern:
    words: tuple[str, ...]  # raw pattern tokens, brackets removed, e.g. ("*", "&MILITARY", "ON", "BORDER")
    code: str
    verb: str | None  # the base verb the comment names, when it is one of the block's verbs


@dataclass
class VerbBlock:
    name: str
    code: str | None
    verbs: dict[str, str | None] = field(default_factory=dict)  # base form → own code (None: block's)
    forms: dict[str, str] = field(default_factory=dict)  # irregular form → base form
    patterns: list[Pattern] = field(default_factory=list)

    def code_of(self, verb: str) -> str | None:
        return self.verbs.get(verb) or self.code

    def base_of(self, written: str) -> str | None:
        """The block's base verb for a form written in a comment (``RALLIED`` → ``rally``)."""
        word = _word(written)
        if word in self.verbs:
            return word
        if word in self.forms:
            return self.forms[word]
        for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e")):
            if word.endswith(suffix) and word[: -len(suffix)] + repl in self.verbs:
                return word[: -len(suffix)] + repl
        for suffix in ("es", "s", "d"):
            if word.endswith(suffix) and word[: -len(suffix)] in self.verbs:
                return word[: -len(suffix)]
        return None


@dataclass(frozen=True)
class VerbDictionary:
    synsets: dict[str, list[str]]
    blocks: list[VerbBlock]


@dataclass(frozen=True)
class Proposal:
    code: str
    template: str  # lower-case words, ``&SET`` for a synonym set, ``a/b`` for alternatives
    kind: Kind
    block: str


def parse_verb_dictionary(text: str) -> VerbDictionary:
    """Parse the verb dictionary's synonym sets and verb blocks (lines we do not understand are skipped)."""
    synsets: dict[str, list[str]] = {}
    blocks: list[VerbBlock] = []
    current_set: list[str] | None = None
    block: VerbBlock | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            current_set = None if not stripped else current_set
            continue
        header = _HEADER.match(stripped)
        if header:
            block = VerbBlock(name=header[1], code=_code(header[2]))
            blocks.append(block)
            current_set = None
        elif block is None and stripped.startswith("&"):
            current_set = synsets.setdefault(stripped.split()[0][1:].rstrip("_"), [])
        elif block is None and current_set is not None and stripped.startswith("+"):
            current_set.append(_word(stripped.split("#")[0]))
        elif block is not None and stripped.startswith("-"):
            _add_pattern(block, stripped)
        elif block is not None:
            _add_verb(block, stripped.split("#")[0])
    return VerbDictionary(synsets=synsets, blocks=blocks)


def _add_verb(block: VerbBlock, line: str) -> None:
    forms = _FORMS.search(line)
    own = _OWN_CODE.search(line)
    head = _OWN_CODE.sub(" ", _FORMS.sub(" ", line)).split()
    if not head:
        return
    base = _word(head[0])
    block.verbs[base] = _code(own[1]) if own else None
    for form in forms[1].split() if forms else ():
        block.forms[_word(form)] = base


def _add_pattern(block: VerbBlock, line: str) -> None:
    found = _PATTERN.match(line)
    code = _code(found["code"]) if found else None
    if found is None or code is None:
        return
    words = tuple(re.sub(r"[{}()]", " ", found["body"]).replace("_&", " &").split())
    note = (found["note"] or "").split()
    verb = block.base_of(note[0]) if note else None
    block.patterns.append(Pattern(words=words, code=code, verb=verb))


def parse_event_codes(text: str) -> dict[str, str]:
    """``CAMEO.eventcodes.txt`` (code TAB description, one header line) as a dict."""
    codes: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        code, _, description = line.partition("\t")
        if code.strip().isdigit():
            codes[code.strip()] = description.strip()
    return codes


def _in(code: str | None, prefixes: Iterable[str]) -> bool:
    return code is not None and any(code.startswith(p) for p in prefixes)


def _template(pattern: Pattern, verb: str) -> str:
    words: list[str] = []
    for token in pattern.words:
        if token == "*":
            words.append(verb)
        elif token.startswith("&"):
            words.append("&" + token[1:].rstrip("_").upper())
        elif token not in _ACTOR_MARKS:
            words.append("/".join(_word(alt) for alt in token.split("/") if alt.strip("+$^%")))
    return " ".join(w for w in words if w)


def expand(template: str, synsets: dict[str, list[str]], limit: int = 40) -> list[str]:
    """The phrases a template stands for: each ``&SET`` replaced by its members, each ``a/b`` by a
    and b; at most ``limit`` of them (synonym sets such as ``&WEAPON`` are long). An unknown set
    expands to nothing."""
    choices: list[list[str]] = []
    for token in template.split():
        if token.startswith("&"):
            choices.append(synsets.get(token[1:], []))
        else:
            choices.append(token.split("/"))
    return [" ".join(combo) for combo in itertools.islice(itertools.product(*choices), limit)]


def propose(dictionary: VerbDictionary, prefixes: Iterable[str]) -> list[Proposal]:
    """Phrase templates coded to a CAMEO code starting with one of ``prefixes``, and false-friend hints.

    - ``verb``: a verb whose code (its own, else its block's) is in range: ``invade`` for 192;
    - ``pattern``: a pattern in range, with its verb in base form: ``impose sanctions`` for 163,
      ``mobilise &MILITARY`` for 154 (see :func:`expand` for the phrases a template stands for);
    - ``other-code``: a pattern coded outside the range, in a block that has proposals in range
      (the same verbs used for something else), as a hint for ``exclude``.

    A pattern whose comment names no verb of its block is proposed once per verb of the block, as
    PETRARCH applies a block's patterns to all its verbs. Duplicates (same code, template and kind) are
    dropped; the order follows the file.
    """
    wanted = tuple(prefixes)
    out: dict[tuple[str, str, Kind], Proposal] = {}

    def add(code: str, template: str, kind: Kind, block: VerbBlock) -> None:
        out.setdefault((code, template, kind), Proposal(code, template, kind, block.name))

    for block in dictionary.blocks:
        relevant = False
        for verb in block.verbs:
            code = block.code_of(verb)
            if code is not None and _in(code, wanted):
                add(code, verb, "verb", block)
                relevant = True
        in_range = [p for p in block.patterns if _in(p.code, wanted)]
        relevant = relevant or bool(in_range)
        for pattern in block.patterns if relevant else ():
            kind: Kind = "pattern" if pattern in in_range else "other-code"
            for verb in [pattern.verb] if pattern.verb else list(block.verbs):
                add(pattern.code, _template(pattern, verb), kind, block)
    return list(out.values())
