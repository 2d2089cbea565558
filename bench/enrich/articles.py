"""Synthetic 500-word wire stories for bench/enrich, from a vocabulary and templates written by us.

Every article is different (seeded per index) and reads like a wire report on a geopolitical crisis:
place names, nationalities, organisations and (invented) officials for the NER and the gazetteer
ruler; escalation language for the matcher, inflected ("invaded", "sanctioned"), negated ("denied
plans to invade") and false friends ("invasion of privacy"); and the dates, figures and attribution
that make up most of a real wire story. The people named are fictional.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from newswatch_shared.schemas import RawArticle

__all__ = ["make_article", "make_articles", "word_count"]

NOW = datetime(2026, 11, 20, tzinfo=UTC)

COUNTRIES = [
    "Russia", "Ukraine", "Belarus", "Poland", "Germany", "France", "Moldova", "Lithuania", "Latvia",
    "Estonia", "Finland", "Turkey", "Romania", "Hungary", "the United States", "Britain", "Italy",
]  # fmt: skip
CITIES = [
    "Moscow", "Kyiv", "Kiev", "Minsk", "Warsaw", "Berlin", "Paris", "Chisinau", "Vilnius", "Riga",
    "Tallinn", "Helsinki", "Ankara", "Bucharest", "Budapest", "Washington", "London", "Brussels",
    "Kharkiv", "Odesa", "Mariupol", "Sevastopol", "Rostov", "Belgorod", "Lviv",
]  # fmt: skip
REGIONS = [
    "Crimea", "the Donbas", "Donetsk", "Luhansk", "the Black Sea", "the Sea of Azov", "Transnistria",
    "Kaliningrad", "the Baltic", "the Kerch Strait",
]  # fmt: skip
NATIONALITIES = [
    "Russian", "Ukrainian", "Belarusian", "Polish", "German", "French", "American", "British",
    "Turkish", "Lithuanian", "European",
]  # fmt: skip
ORGS = [
    "NATO", "the OSCE", "the European Union", "the United Nations", "the Kremlin", "Gazprom",
    "Naftogaz", "the Pentagon", "the International Monetary Fund", "the Security Council",
    "the Red Cross", "the World Bank", "the G7",
]  # fmt: skip
FIRST = ["Anna", "Dmitri", "Olena", "Marek", "Claire", "Jonas", "Irina", "Tomas", "Helen", "Pavel",
         "Katrin", "Andriy", "Laura", "Viktor", "Sofia", "Mikael"]  # fmt: skip
LAST = ["Kovalenko", "Orlov", "Weber", "Hartley", "Novak", "Lindqvist", "Petrenko", "Marchetti",
        "Sokolov", "Brandt", "Dubois", "Moroz", "Kaminski", "Fischer", "Bondar", "Ashworth"]  # fmt: skip
ROLES = ["foreign minister", "defence minister", "spokesman", "spokeswoman", "prime minister",
         "secretary general", "deputy foreign minister", "energy minister", "ambassador", "envoy",
         "military analyst", "senior official"]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FORCES = ["troops", "soldiers", "servicemen", "paratroopers", "armoured units", "tanks",
          "artillery batteries", "warships", "fighter jets", "reservists"]  # fmt: skip
VERBS = ["massed", "gathered", "were deployed", "moved", "were seen", "arrived", "dug in", "regrouped"]
PRESSURE = ["sanctions", "an embargo", "export controls", "asset freezes", "a ban on imports",
            "tariffs", "a freeze on reserves"]  # fmt: skip
ENERGY = ["Nord Stream 2", "Nordstream 2", "the Nord Stream II pipeline", "gas supplies",
          "the TurkStream pipeline", "oil deliveries", "gas transit"]  # fmt: skip

# Each sentence template draws its slots from the lists above; {n} is a number, {d} a weekday.
TEMPLATES = [
    "{Nat} {force} {verb} near the border with {country} on {d}, {person}, {role}, told reporters.",
    "Satellite images reviewed by analysts showed about {n},000 {force} within {m} kilometres of {city}.",
    "{Person} said {country} had no plans to invade and accused {org} of spreading panic.",
    "Officials in {city} denied that any {force} had crossed into {region}.",
    "{Org} warned that an invasion of {country} would be met with swift and severe sanctions.",
    "The {role} of {country}, {person}, said the invaded districts must be returned without conditions.",
    "{Country} sanctioned {n} {nat} banks and froze the assets of {m} officials on {d}.",
    "Ministers in {city} discussed {pressure} against {country} but could not agree on the timing.",
    "{Org} said {energy} would not start operating while {force} remained in {region}.",
    "{Person} threatened to cut {energy} to {country} if the talks in {city} failed.",
    "Shelling was reported overnight in {region}, where a ceasefire agreed last year has broken down.",
    "{Nat} diplomats were expelled from {city} after what the ministry called hostile activity.",
    "The {role} said {n} {force} had been moved by rail from {city} to {region} in the past week.",
    "Negotiators from {country} and {country2} met in {city} for a third round of talks on {d}.",
    "{Person}, {role} at {org}, said there was no sign of a withdrawal of {force} from {region}.",
    "Markets in {city} fell {n} percent as investors weighed the risk of new {pressure}.",
    "A spokesman for {org} declined to comment on reports of airstrikes near {city}.",
    "The government in {city} issued an ultimatum demanding that {country} pull back its {force}.",
    "{Country} announced a partial mobilisation of reservists, the first since {year}.",
    "Residents of {city} said they had heard explosions and seen military convoys on the main road.",
    "Critics called the new surveillance law an invasion of privacy and vowed to challenge it in court.",
    "{Nat} officials said the exercises were routine and that the {force} would return to base by {d}.",
    "Gas prices in {country} rose to a {n}-month high after {org} said {energy} could be delayed.",
    "{Person} told reporters in {city} that {pressure} had so far failed to change the Kremlin's course.",
    "A scout troop from {city} was evacuated as a precaution, local authorities said.",
    "The {role} said {country} remained open to dialogue but would not accept threats.",
    "{Org} called an emergency meeting for {d} to discuss the build-up of {force} around {region}.",
    "Analysts said sending {force} to {region} looked more like a show of force than an attack plan.",
    "In a statement, {org} said it was monitoring the situation in {region} closely and urged restraint.",
    "{Nat} state media showed {force} unloading equipment at a railway station {m} kilometres from {city}.",
    "The European Commission proposed a {n}-point package, including {pressure} on {nat} exports.",
    "{Person} said the blockade of ports on {region} was costing farmers millions of dollars a day.",
]

TITLES = [
    "{Nat} {force} mass near {country} border as {org} warns of sanctions",
    "{Country} denies plans to invade, {org} unconvinced",
    "{Org} weighs {pressure} as tension rises over {region}",
    "{energy_title} in doubt after {city} talks stall",
    "Shelling reported in {region} as ceasefire frays",
]


def _fill(template: str, rng: random.Random) -> str:
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    country, country2 = rng.sample(COUNTRIES, 2)
    nat, org = rng.choice(NATIONALITIES), rng.choice(ORGS)
    energy = rng.choice(ENERGY)
    slots = {
        "person": person,
        "Person": person,
        "country": country,
        "Country": country[0].upper() + country[1:],
        "country2": country2,
        "city": rng.choice(CITIES),
        "region": rng.choice(REGIONS),
        "nat": nat,
        "Nat": nat,
        "org": org,
        "Org": org[0].upper() + org[1:],
        "role": rng.choice(ROLES),
        "force": rng.choice(FORCES),
        "verb": rng.choice(VERBS),
        "pressure": rng.choice(PRESSURE),
        "energy": energy,
        "energy_title": energy[0].upper() + energy[1:],
        "d": rng.choice(DAYS),
        "n": str(rng.randint(2, 90)),
        "m": str(rng.randint(5, 300)),
        "year": str(rng.randint(1991, 2022)),
    }
    return template.format(**slots)


def word_count(text: str) -> int:
    return len(text.split())


def make_article(i: int, words: int = 500, seed: int = 4) -> RawArticle:
    """Article ``i``: title, one-sentence summary, then paragraphs of 2-4 sentences up to ``words`` words."""
    rng = random.Random(seed * 1_000_003 + i)
    paragraphs: list[str] = []
    total = 0
    while total < words:
        sentences = [_fill(rng.choice(TEMPLATES), rng) for _ in range(rng.randint(2, 4))]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        total += word_count(paragraph)
    content = "\n\n".join(paragraphs)
    return RawArticle(
        id=f"bench-{seed}-{i}",
        url=f"https://wire.example/{seed}/{i}",
        title=_fill(rng.choice(TITLES), rng),
        summary=_fill(rng.choice(TEMPLATES), rng),
        content=content,
        published_at=NOW,
        feed_id="bench",
        fetched_at=NOW,
    )


def make_articles(n: int, words: int = 500, seed: int = 4) -> list[RawArticle]:
    return [make_article(i, words, seed) for i in range(n)]
