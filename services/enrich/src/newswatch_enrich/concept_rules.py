"""Concepts said without any word of the taxonomy: rules over spaCy's dependency parse.

Wire copy names a sanction as "froze the fortunes of the inner circle", an invasion as "armies rolled
into Czechoslovakia", troops as "3,000 American personnel". No list of phrases covers that without
catching "seized the lead" or "fans stormed the pitch", so these rules look at *who did what to what*:
a head word (a verb or a noun, by lemma) and the arguments the parse attaches to it.

Rules are data (:data:`RULES`); each names the concept (a taxonomy term) it finds, its head lemmas and
the arguments that must all be found:

- an :class:`Arg` is reached from the head through one of its ``deps`` (``nsubj``, ``dobj``, …), or
  through a preposition in ``preps`` and its object; ``^`` is the head's own head when the head
  modifies a noun ("the measures *adopted*", "accounts *blocked*");
- from what is reached, conjuncts count too ("tanks and artillery"), and so do up to two hops through
  ``of``/``inside``/``in`` ("a swathe *of* its neighbour's territory", "positions *inside* Armenia");
- it is satisfied by a token whose lemma is in ``lemmas`` or whose entity type is in ``ents``, unless
  a modifier of it is in ``unless`` ("*police* forces", "*market* forces"), and, when ``needs`` is
  given, one of those holds of it too.

A rule's match is the head (``mark`` = -1) or one argument's token: where the negation and hedging
look-back starts. A Nord Stream 2 named without its name is a sentence rule (:func:`nord_stream_spans`):
a pipeline word with enough context in the same sentence (Baltic, Germany, Gazprom, certification,
Ust-Luga/Lubmin), never when another Baltic pipeline is named. :data:`SENSE_FILTERS` drop a taxonomy
match whose parse shows the other sense ("the ministry sanctioned the festival": approved).

The parse is the dear part (about as much as the tagger), so only sentences where some rule could
hold are parsed (:func:`worth_parsing`): the caller parses those and hands each parsed sentence here.
All functions are pure over spaCy objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

__all__ = [
    "RULES",
    "SENSE_FILTERS",
    "Arg",
    "Rule",
    "RuleHit",
    "SenseFilter",
    "apply_rules",
    "nord_stream_spans",
    "other_sense",
    "worth_parsing",
]


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


@dataclass(frozen=True)
class Arg:
    deps: frozenset[str] = frozenset()
    lemmas: frozenset[str] = frozenset()
    ents: frozenset[str] = frozenset()
    preps: frozenset[str] = frozenset()
    unless: frozenset[str] = frozenset()
    needs: tuple[Arg, ...] = ()
    hops: bool = True  # False: only what is reached, not what hangs off it through of/inside/in


@dataclass(frozen=True)
class Rule:
    name: str
    concept: str
    heads: frozenset[str]
    args: tuple[Arg, ...]
    mark: int = -1  # -1: the head is the match; else the index of the argument that is
    pos: frozenset[str] = field(default_factory=lambda: _set("VERB NOUN PROPN ADJ"))
    #: when the head has a subject, it must be this ("critics attacked Washington" is no attack)
    subject: Arg | None = None


@dataclass(frozen=True)
class RuleHit:
    concept: str
    rule: str
    start: int  # token offsets into the parsed sentence
    end: int


@dataclass(frozen=True)
class SenseFilter:
    """A taxonomy term whose word, with one of these objects, means something else."""

    term: str
    lemmas: frozenset[str]
    objects: frozenset[str]


MILITARY = _set(
    "force troop soldier unit paratrooper armour armor army marine division brigade battalion regiment "
    "infantry commando fighter militia artillery weaponry howitzer contingent garrison detachment "
    "serviceman reservist paramilitary mercenary tank"
)
NOT_MILITARY = _set(
    "police market labour labor work task life sales business housing care storage rental production "
    "fire rescue border_force peacekeeping peace"
)
GEO_NOUNS = _set(
    "border frontier territory city town village airport airfield capital region province island "
    "peninsula country soil port harbour harbor coast beach neighbour neighbor enclave district oblast "
    "islands"
)
PLACES = _set("GPE LOC FAC")
SUBJECT = _set("nsubj nsubjpass")
TARGET = _set("dobj nsubjpass")
ON_THE_MOVE = _set(
    "cross pour roll advance move push march enter land sweep drive storm seize capture take attack "
    "overrun occupy station deploy mass amass position fly airlift rush unload rotate send shell invade "
    "retake grab raid"
)
INTO = _set("into across over onto inside on")
PUNITIVE = _set("measure penalty restriction curb ban tariff duty blacklist")
IMPOSE = _set("impose announce threaten extend widen tighten slap levy adopt introduce expand unveil")
ASSETS = _set("asset fund account reserve property holding fortune wealth yacht superyacht estate")
GOODS = _set("export sale sell ship shipment supply import good chip technology")
DEALINGS = _set("enter do deal trade accept buy sell export import port bloc market territory business")
PUNISHERS_ENTS = _set("GPE NORP")
PUNISHERS = _set("government treasury ministry bloc union administration commission council state")
#: who takes a place by force: forces, states, armed groups
TAKERS = Arg(
    deps=_set("nsubj"),
    lemmas=MILITARY | _set("rebel insurgent militant jihadist separatist government regime military"),
    ents=_set("GPE NORP"),
    unless=NOT_MILITARY,
)

RULES: tuple[Rule, ...] = (
    # forces on the move or in action: "armies rolled into", "moved an armoured division", "tanks were moved"
    Rule(
        "forces-moving",
        "troops",
        ON_THE_MOVE,
        (Arg(deps=_set("nsubj nsubjpass dobj ^"), lemmas=MILITARY, unless=NOT_MILITARY),),
        mark=0,
    ),
    # troops named by nationality: "3,000 American personnel", "Russian personnel"
    Rule(
        "national-personnel",
        "troops",
        _set("personnel"),
        (Arg(deps=_set("amod compound"), ents=_set("NORP"), lemmas=_set("military army defence")),),
        pos=_set("NOUN"),
    ),
    # forces across a border or into a place: "soldiers crossed into Congo", "pushed into the town"
    Rule(
        "forces-into-place",
        "invasion",
        _set("cross pour roll advance move push march enter land sweep drive surge thrust storm"),
        (
            Arg(deps=_set("nsubj ^"), lemmas=MILITARY, unless=NOT_MILITARY),
            Arg(deps=_set("dobj pobj"), preps=INTO, lemmas=GEO_NOUNS, ents=PLACES),
        ),
        pos=_set("VERB"),
    ),
    Rule(
        "forces-enter-place",
        "invasion",
        _set("cross enter storm"),
        (
            Arg(deps=_set("nsubj ^"), lemmas=MILITARY, unless=NOT_MILITARY),
            Arg(deps=_set("dobj"), lemmas=GEO_NOUNS, ents=PLACES),
        ),
        pos=_set("VERB"),
    ),
    # a place taken: "seized the Falkland Islands", "the airport was captured", "grab islands"
    Rule(
        "place-seized",
        "invasion",
        _set("seize capture storm overrun grab attack invade occupy annex absorb"),
        (Arg(deps=TARGET, lemmas=GEO_NOUNS, ents=PLACES),),
        pos=_set("VERB"),
        subject=TAKERS,
    ),
    # "take" needs "by force": "the show took London by storm" is no invasion
    Rule(
        "place-taken-by-force",
        "invasion",
        _set("take"),
        (
            Arg(deps=TARGET, lemmas=GEO_NOUNS, ents=PLACES),
            Arg(deps=_set("pobj"), preps=_set("by"), lemmas=_set("force")),
        ),
        pos=_set("VERB"),
    ),
    # the same as a noun: "an attack on Ukraine", "push into Lebanon", "capture of Mariupol"; not "in":
    # "an offensive in Rafah", "the attack on a tanker in the Gulf" say where, not what is attacked
    Rule(
        "assault-on-place",
        "invasion",
        _set("attack assault offensive push onslaught raid capture seizure thrust invasion"),
        (
            Arg(
                deps=_set("pobj"),
                preps=_set("on into of across against"),
                lemmas=GEO_NOUNS,
                ents=PLACES,
                hops=False,
            ),
        ),
        pos=_set("NOUN"),
    ),
    Rule(
        "intervention-in-country",
        "invasion",
        _set("intervention"),
        (Arg(deps=_set("pobj"), preps=_set("in into"), ents=_set("GPE"), hops=False),),
        pos=_set("NOUN"),
    ),
    # punitive measures imposed: "levied punitive duties", "new restrictions imposed on Iran"
    Rule(
        "measures-imposed",
        "sanctions",
        IMPOSE,
        (
            Arg(
                deps=_set("dobj nsubjpass ^"),
                lemmas=PUNITIVE,
                needs=(
                    Arg(deps=_set("pobj"), preps=_set("on against"), ents=_set("GPE NORP ORG")),
                    Arg(
                        deps=_set("amod"), lemmas=_set("punitive restrictive economic financial retaliatory")
                    ),
                ),
            ),
        ),
        mark=0,
    ),
    # assets frozen or seized: "froze the fortunes of", "accounts blocked", "impounded a superyacht"
    Rule(
        "assets-frozen",
        "asset freeze",
        _set("freeze seize block confiscate impound"),
        (Arg(deps=_set("dobj nsubjpass ^ nsubj"), lemmas=ASSETS),),
    ),
    # exports barred: "the ban on shipping dual-use goods", "selling ... was outlawed"
    Rule(
        "exports-barred",
        "export controls",
        _set("ban bar prohibit outlaw forbid restrict"),
        (Arg(deps=_set("dobj nsubjpass csubjpass pobj"), preps=_set("on"), lemmas=GOODS),),
    ),
    Rule(
        "exports-barred-direct",
        "export controls",
        _set("ban bar prohibit outlaw forbid restrict"),
        (Arg(deps=_set("dobj nsubjpass csubjpass csubj advcl"), lemmas=GOODS),),
    ),
    # people, firms and ships barred from dealings: "barred Americans from dealing with it"
    Rule(
        "barred-from-dealings",
        "sanctions",
        _set("ban bar prohibit"),
        (Arg(deps=_set("pobj pcomp"), preps=_set("from"), lemmas=DEALINGS),),
        pos=_set("VERB"),
    ),
    # a state punishing: "Washington penalised the barge", "the Treasury designated front companies"
    Rule(
        "state-penalises",
        "sanctions",
        _set("penalise penalize punish designate blacklist"),
        (Arg(deps=_set("nsubj"), ents=PUNISHERS_ENTS, lemmas=PUNISHERS),),
        pos=_set("VERB"),
    ),
)

SENSE_FILTERS: tuple[SenseFilter, ...] = (
    # "sanctioned" meaning approved: its object is an event or a deal, not a target
    SenseFilter(
        "sanctions",
        _set("sanction"),
        _set(
            "festival concert event race marathon parade rally match fight tournament game merger deal "
            "transfer use plan project meeting"
        ),
    ),
)

_HOPS = _set("of inside in")
_MODS = _set("compound amod nmod poss")


def _lemma(token: Token, forms: Sequence[tuple[str, str]] | None, offset: int) -> str:
    return forms[offset + token.i][1] if forms is not None else token.lemma_.lower()


def _spread(tokens: list[Token]) -> Iterator[Token]:
    """The tokens, their conjuncts, and what hangs off them through up to two of/inside/in."""
    frontier, seen = list(tokens), set()
    for depth in range(3):
        following: list[Token] = []
        for token in frontier:
            for t in (token, *token.conjuncts):
                if t.i in seen:
                    continue
                seen.add(t.i)
                yield t
                if depth < 2:
                    for prep in t.children:
                        if prep.dep_ == "prep" and prep.lower_ in _HOPS:
                            following.extend(c for c in prep.children if c.dep_ == "pobj")
        frontier = following


def _reached(head: Token, arg: Arg) -> list[Token]:
    found: list[Token] = []
    for child in head.children:
        if child.dep_ in arg.deps:
            found.append(child)
        if arg.preps and child.dep_ in ("prep", "agent") and child.lower_ in arg.preps:
            found.extend(c for c in child.children if c.dep_ in ("pobj", "pcomp"))
    if "^" in arg.deps and head.dep_ in ("acl", "relcl", "amod", "oprd", "ccomp") and head.head is not head:
        found.append(head.head)
    return found


def _entity(token: Token, ents: frozenset[str]) -> bool:
    """The token is an entity of these types, or is modified by one ("*Belarusian* potash")."""
    if not ents:
        return False
    return token.ent_type_ in ents or any(c.dep_ in _MODS and c.ent_type_ in ents for c in token.children)


def _satisfies(token: Token, arg: Arg, lemma: str) -> bool:
    if not (lemma in arg.lemmas or _entity(token, arg.ents)):
        return False
    if arg.unless and any(c.dep_ in _MODS and c.lemma_.lower() in arg.unless for c in token.children):
        return False
    return not arg.needs or any(_find(token, need, None, 0) for need in arg.needs)


def _find(head: Token, arg: Arg, forms: Sequence[tuple[str, str]] | None, offset: int) -> Token | None:
    reached = _reached(head, arg)
    for token in _spread(reached) if arg.hops else [t for r in reached for t in (r, *r.conjuncts)]:
        if token.i != head.i and _satisfies(token, arg, _lemma(token, forms, offset)):
            return token
    return None


def _subject_fits(
    head: Token, subject: Arg | None, forms: Sequence[tuple[str, str]] | None, offset: int
) -> bool:
    if subject is None or not any(c.dep_ in subject.deps for c in head.children):
        return True
    return _find(head, subject, forms, offset) is not None


def apply_rules(
    sentence: Doc,
    forms: Sequence[tuple[str, str]] | None = None,
    offset: int = 0,
    rules: Sequence[Rule] = RULES,
) -> list[RuleHit]:
    """Every rule that holds in a parsed sentence, at most once per concept and rule.

    ``forms[offset + i]`` are token i's (lower-case text, lemma) in the whole document, whose lemmas
    survive headline capitals; without them the parse's own lemmas are read."""
    hits: list[RuleHit] = []
    done: set[tuple[str, str]] = set()
    for token in sentence:
        lemma = _lemma(token, forms, offset)
        for rule in rules:
            if (rule.concept, rule.name) in done or lemma not in rule.heads or token.pos_ not in rule.pos:
                continue
            found = [_find(token, arg, forms, offset) for arg in rule.args]
            if any(f is None for f in found) or not _subject_fits(token, rule.subject, forms, offset):
                continue
            marked = token if rule.mark < 0 else found[rule.mark]
            assert marked is not None
            hits.append(RuleHit(rule.concept, rule.name, marked.i, marked.i + 1))
            done.add((rule.concept, rule.name))
    return hits


def other_sense(
    sentence: Doc, start: int, end: int, term: str, filters: Sequence[SenseFilter] = SENSE_FILTERS
) -> bool:
    """True when the taxonomy match ``start:end`` of ``term`` is, by its object, the other sense."""
    for f in filters:
        if f.term != term:
            continue
        for token in sentence[start:end]:
            if token.lemma_.lower() in f.lemmas and token.pos_ == "VERB":
                objects = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass")]
                if any(o.lemma_.lower() in f.objects for o in objects):
                    return True
    return False


_CONDUITS = _set("pipeline link route project")
_BALTIC = _set("baltic")
_GERMANY = _set("germany german berlin lubmin")
_RUSSIA = _set("russia russian gazprom moscow leningrad luga")
_STRONG = _set("lubmin luga")
_CERTIFY = _set("certification certify certified")
_OTHER_PIPES = _set("balticconnector norwegian norway denmark poland-bound yamal turkstream")


def nord_stream_spans(forms: Sequence[tuple[str, str]]) -> list[tuple[int, int]]:
    """Where a sentence names the Baltic gas link to Germany without its name (token offsets).

    Needs a pipeline word ("pipeline", "gas link", "Baltic route", "gas line", "the Baltic project")
    and context: Ust-Luga or Lubmin; or the Baltic with Russia or Germany; or Germany and Russia with
    "pipeline" or "gas link"; or certification with Germany or Russia. Never when Nord Stream itself,
    the Baltic Pipe or another named pipeline is in the sentence.
    """
    words = {w for pair in forms for w in pair}
    if words & _OTHER_PIPES or ("baltic", "pipe") in zip(
        (f[0] for f in forms), (f[0] for f in forms[1:]), strict=False
    ):
        return []
    if "nord" in words or "nordstream" in words:
        return []
    baltic, germany, russia = bool(words & _BALTIC), bool(words & _GERMANY), bool(words & _RUSSIA)
    gas = "gas" in words
    spans: list[tuple[int, int]] = []
    for i, (_lower, lemma) in enumerate(forms):
        before = forms[i - 1][0] if i else ""
        conduit = lemma in _CONDUITS or (lemma == "line" and before == "gas")
        if not conduit:
            continue
        plain = lemma == "pipeline" or (lemma == "link" and before == "gas") or (lemma == "line")
        if (
            words & _STRONG
            or (baltic and (germany or russia) and (gas or lemma != "project" or "gazprom" in words))
            or (germany and russia and plain)
            or (words & _CERTIFY and (germany or russia) and plain)
        ):
            spans.append((i, i + 1))
    return spans[:1]


def worth_parsing(
    lemmas: set[str],
    ents: set[str],
    rules: Sequence[Rule] = RULES,
    filters: Sequence[SenseFilter] = SENSE_FILTERS,
) -> bool:
    """Whether a sentence with these lemmas and entity types could satisfy a rule or a sense filter:
    only then is it parsed. A rule needs one of its heads and, for each argument, a word or an entity
    type it names and, when it is reached through a preposition, one of those prepositions."""
    for rule in rules:
        if lemmas & rule.heads and all(
            (lemmas & a.lemmas or ents & a.ents) and (not a.preps or lemmas & a.preps) for a in rule.args
        ):
            return True
    return any(lemmas & f.lemmas and lemmas & f.objects for f in filters)
