"""The one fixed vocabulary both benchmark sizes draw from.

- countries: every ISO 3166-1 alpha-2 code in pycountry (a fixed list of 60 when it is missing);
- entities: a few thousand gazetteer entries of enrich (all its bodies, groups and regions, and a
  seeded sample of its places), each with its label and country;
- terms: every term of enrich's escalation taxonomy, with its category and variants;
- words: about 1,900 common English words — Faker's en_US lorem, company and job word lists plus the
  words of the taxonomy's phrases (a short fixed list when Faker is missing);
- sources: 40 feed titles made from those words.

Popularity is skewed as in news: a fixed seeded ranking gives each country, entity, term and word a
Zipf weight (exponents 0.5, 0.6, 0.3, 1.0), used by both the article and the watchlist generators, so
popular countries are both written about and watched more often. Watchlists' words and phrases come
from ``watch_words``: content words (five letters or more, not among the 300 commonest).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

__all__ = ["Vocabulary", "build_vocabulary"]

_FALLBACK_COUNTRIES = (
    "UA RU BY PL DE FR GB US CN TW JP KR KP IN PK IR IQ SY IL PS LB TR GE AM AZ MD RO HU SK CZ LT LV EE "
    "FI SE NO DK NL BE IT ES PT GR RS BA XK AL MK BG HR SI AT CH CA MX BR AR VE CO EG SA YE"
).split()
_FALLBACK_WORDS = (
    "border talks gas pipeline ceasefire minister officials report capital week army government election "
    "market energy prices agreement summit region attack statement president defence security water "
    "power city village river bridge port train convoy aid exports imports oil grain bank debt court"
).split()


@dataclass(frozen=True)
class Place:
    canonical: str
    label: str
    country: str | None


@dataclass(frozen=True)
class TaxonomyTerm:
    term: str
    category: str
    variants: tuple[str, ...]


@dataclass
class Vocabulary:
    countries: list[str]
    entities: list[Place]
    terms: list[TaxonomyTerm]
    categories: list[str]
    words: list[str]
    sources: list[str]
    country_weights: list[float] = field(default_factory=list)
    entity_weights: list[float] = field(default_factory=list)
    term_weights: list[float] = field(default_factory=list)
    word_weights: list[float] = field(default_factory=list)
    watch_words: list[str] = field(default_factory=list)


def _countries() -> list[str]:
    try:
        import pycountry
    except ImportError:
        return list(_FALLBACK_COUNTRIES)
    return sorted(c.alpha_2 for c in pycountry.countries)


def _entities(rng: random.Random, places: int) -> list[Place]:
    try:
        from newswatch_enrich.gazetteer import load_gazetteer
    except ImportError:
        return [Place(f"Town {i}", "GPE", c) for i, c in enumerate(_FALLBACK_COUNTRIES * 50)]
    entries = load_gazetteer().entries
    bodies = [e for e in entries if e.label != "GPE"]
    gpe = [e for e in entries if e.label == "GPE"]
    chosen = bodies + rng.sample(gpe, min(places, len(gpe)))
    return [Place(e.canonical, e.label, e.country) for e in chosen]


def _terms() -> list[TaxonomyTerm]:
    try:
        from newswatch_enrich.taxonomy import load_taxonomy
    except ImportError:
        return [TaxonomyTerm(t, "military", ()) for t in ("troops", "invasion", "shelling", "mobilisation")]
    return [
        TaxonomyTerm(t.term, t.category, tuple(v for v in t.variants if "..." not in v))
        for t in load_taxonomy().terms
    ]


def _words(terms: list[TaxonomyTerm]) -> list[str]:
    found: set[str] = set()
    try:
        from faker.providers.company.en_US import Provider as Company
        from faker.providers.job.en_US import Provider as Job
        from faker.providers.lorem.en_US import Provider as Lorem

        found.update(Lorem.word_list)
        for phrase in [*(w for ws in Company.catch_phrase_words for w in ws), *Job.jobs]:
            found.update(re.findall(r"[a-z]+", phrase.lower()))
        found.update(w for ws in Company.bsWords for p in ws for w in re.findall(r"[a-z]+", p.lower()))
    except ImportError:
        found.update(_FALLBACK_WORDS)
    for t in terms:
        for phrase in (t.term, *t.variants):
            found.update(re.findall(r"[a-z]+", phrase.lower()))
    return sorted(w for w in found if len(w) > 1)


def _zipf(n: int, rng: random.Random, s: float = 1.0) -> list[float]:
    """Weights 1/rank^s over a seeded random ranking of n items."""
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    return [1.0 / r**s for r in ranks]


def build_vocabulary(seed: int = 20261127, places: int = 3000) -> Vocabulary:
    rng = random.Random(seed)
    terms = _terms()
    words = _words(terms)
    vocab = Vocabulary(
        countries=_countries(),
        entities=_entities(rng, places),
        terms=terms,
        categories=sorted({t.category for t in terms}),
        words=words,
        sources=[
            f"{a.title()} {b.title()}"
            for a, b in zip(rng.sample(words, 40), rng.sample(words, 40), strict=True)
        ],
    )
    vocab.country_weights = _zipf(len(vocab.countries), rng, 0.5)
    vocab.entity_weights = _zipf(len(vocab.entities), rng, 0.6)
    vocab.term_weights = _zipf(len(vocab.terms), rng, 0.3)
    vocab.word_weights = _zipf(len(vocab.words), rng, 1.0)
    # Users watch content words, not the commonest ones: five letters or more, outside the top 300.
    common = {w for _, w in sorted(zip(vocab.word_weights, vocab.words, strict=True), reverse=True)[:300]}
    vocab.watch_words = [w for w in vocab.words if len(w) >= 5 and w not in common]
    return vocab
