"""Generate the story-grouping evaluation sets: syndicated copies of reports, and look-alike events.

Written before the grouping was tuned, so the sets say what the feeds do, not what the code handles.
Every text is made here from template sentences and fillers we wrote (invented towns, people and
outlets); no news text is copied.

What the feeds do to one report, each copy drawing its own mix:

- another headline (a rewrite from the same facts), or the wire's with a small edit;
- outlet boilerplate: "UPDATE 2-", "WATCH:", "BREAKING:", " - Outlet", " | Outlet News", a dateline
  "TOWN (Outlet) —", a byline, "Reporting by …; Editing by …", "The post … appeared first on …";
- truncation: the first paragraphs only, or the text cut mid-sentence with an ellipsis;
- small edits: synonyms, a sentence dropped, two sentences swapped;
- later updates, hours on: a new lead with new figures and an added paragraph.

And what must stay apart: for many reports a *sibling* event of the same kind in the same country,
written from the same formula (often the very same sentences), in another town, with other figures,
on another day or the same day — the border shelled again, another protest, another flood.

Each line: ``{"id", "source", "title", "summary", "published", "story"}``; ``story`` is the gold label.
Lines are in publication order, as a consumer would see them.

    python bench/stories/generate.py            # rewrites tests/data/stories_{dev,test}.jsonl
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
SEEDS = {"dev": 20261204, "test": 7_311_977}  # the test half is never looked at while tuning
GROUPS = 80  # report groups per half: one event, and for most of them one to three siblings

COUNTRIES = {
    "Ukraine": ("Ukrainian", ["Velykopil", "Marenivka", "Dovzhansk", "Khortiv", "Bilozerka", "Sosnivtsi"]),
    "Moldova": ("Moldovan", ["Cahuleni", "Orheiul", "Drochia Noua", "Ungheni Sat"]),
    "Georgia": ("Georgian", ["Tsiteli", "Kvemo Sopeli", "Akhalsopeli", "Mtisdziri"]),
    "Taiwan": ("Taiwanese", ["Hsinpu", "Tungkang", "Lukang Bay", "Peikang"]),
    "Sudan": ("Sudanese", ["Um Dirwa", "El Fasha", "Kadugar", "Wad Rawa"]),
    "Mali": ("Malian", ["Tessaret", "Diafara", "Kouroma", "Boni Sud"]),
    "Armenia": ("Armenian", ["Vardenik", "Norashen", "Getap", "Khachik"]),
    "Venezuela": ("Venezuelan", ["San Rufo", "Puerto Ayal", "El Caraño", "Tucupido Norte"]),
    "Philippines": ("Philippine", ["San Quintin", "Bagacay", "Pandan Norte", "Lumbia"]),
    "Serbia": ("Serbian", ["Raska Polje", "Brezovac", "Lipljan Gornji", "Kursumlija Nova"]),
}
FIRST = [
    "Olena",
    "Taras",
    "Irakli",
    "Nino",
    "Mihai",
    "Ana",
    "Ahmed",
    "Fatima",
    "Moussa",
    "Aminata",
    "Arman",
    "Lilit",
    "Carlos",
    "Maria",
    "Jose",
    "Lorna",
    "Dragan",
    "Jelena",
    "Wei",
    "Mei",
]
LAST = [
    "Kovalenko",
    "Melnyk",
    "Beridze",
    "Kapanadze",
    "Rusu",
    "Ceban",
    "Osman",
    "Haroun",
    "Traore",
    "Keita",
    "Petrosyan",
    "Hakobyan",
    "Mendoza",
    "Rivas",
    "Santos",
    "Dela Cruz",
    "Jovanovic",
    "Nikolic",
    "Lin",
    "Huang",
]
OUTLETS = [
    "Meridian Wire",
    "Harbor Post",
    "Eastline Daily",
    "The Lantern",
    "Northgate News",
    "Civic Herald",
    "Plainview Times",
    "Granite Journal",
    "Riverbend Courier",
    "Atlas Report",
    "Summit Gazette",
    "Bluewater Tribune",
    "Crossroads Press",
    "Pinecrest Chronicle",
    "Westmark Observer",
    "Ironbridge Ledger",
    "Lakeshore Sentinel",
    "Copperfield Record",
    "Mosaic World",
    "Dawnline",
]
WIRE = ["Meridian Wire", "Atlas Report"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TITLES = [
    "regional governor",
    "interior ministry spokesperson",
    "mayor",
    "police chief",
    "emergency services head",
    "defence ministry official",
    "provincial administrator",
]

# Each kind: headlines (wire first, rewrites after), leads, body sentences, update leads and paragraphs.
# Fillers: {town} {country} {adj} {person} {title} {day} {n1} {n2} {n3} {n1b} {n2b} {org}.
KINDS: dict[str, dict[str, list[str]]] = {
    "shelling": {
        "head": [
            "Shelling kills {n1} in {country}'s {town}, officials say",
            "{n1} dead after artillery strikes hit {adj} town of {town}",
            "Overnight bombardment of {town} leaves {n1} dead, {n2} injured",
            "{town} shelled again as {country} reports {n1} killed",
        ],
        "lead": [
            "Artillery fire struck the {adj} town of {town} on {day}, killing at least {n1} people and "
            "wounding {n2}, the {title} {person} said.",
            "At least {n1} people were killed and {n2} wounded when shells hit residential streets in "
            "{town} on {day}, according to {person}, the {title}.",
        ],
        "body": [
            "Rescue teams worked through the night to pull survivors from damaged apartment blocks.",
            "The strikes hit a school, a bakery and a power substation, leaving {n3} homes without "
            "electricity.",
            "{person} said the shells were fired from positions across the river and called for more "
            "air defence systems.",
            "Residents described hearing explosions for more than an hour before dawn.",
            "The town, which had a population of about {n3}00 before the fighting, has been hit "
            "repeatedly in recent weeks.",
            "Local authorities declared a day of mourning and opened shelters in basements.",
            "Hospital staff said several of the wounded were in serious condition.",
            "There was no immediate comment from the other side on the attack.",
        ],
        "upd": [
            "The death toll from {day}'s shelling of {town} rose to {n1b}, the {title} {person} said, as "
            "rescuers recovered more bodies.",
            "Officials raised the number of dead in {town} to {n1b} after search teams finished "
            "clearing the rubble.",
        ],
        "updhead": [
            "Death toll in {town} shelling rises to {n1b}",
            "{town} toll climbs to {n1b} after strikes",
        ],
        "updpara": [
            "Rescuers said the search was now over and that {n2b} people remained in hospital.",
            "Funerals for the first victims were held in {town} under heavy security.",
        ],
    },
    "protest": {
        "head": [
            "Thousands rally in {town} against {country} government plan",
            "Protesters fill streets of {adj} city {town}",
            "{n1},000 march in {town} as anger grows over reform",
            "Police and protesters clash in {town}",
        ],
        "lead": [
            "Around {n1},000 people marched through the centre of {town} on {day} to protest against "
            "a government plan to cut local budgets, the {title} {person} said.",
            "Tens of thousands of demonstrators gathered in {town} on {day}, with police estimating the "
            "crowd at {n1},000, in one of the largest protests in {country} this year.",
        ],
        "body": [
            "Police detained {n2} people after scuffles near the regional administration building.",
            "Organisers said they would return every evening until the plan was withdrawn.",
            "{person} urged calm and said the authorities were ready to meet protest leaders.",
            "Marchers carried flags and banners and chanted slogans against corruption.",
            "Shops along the main avenue closed early as the crowd grew.",
            "Opposition parties said the budget cuts would hit schools and hospitals hardest.",
            "Riot police used tear gas to disperse a group that tried to enter the building.",
            "The government said it would publish a revised plan within {n3} days.",
        ],
        "upd": [
            "Protests in {town} continued into a second night on {day}, with organisers putting the "
            "crowd at {n1b},000, the {title} {person} said.",
            "The number of people detained during the {town} protests rose to {n2b}, police said.",
        ],
        "updhead": [
            "{town} protests enter second night, {n2b} detained",
            "Protest in {town} swells to {n1b},000",
        ],
        "updpara": [
            "Talks between protest leaders and officials ended without agreement late in the evening.",
            "Student unions announced they would join the marches on the weekend.",
        ],
    },
    "flood": {
        "head": [
            "Floods in {country} kill {n1}, force thousands from homes",
            "Heavy rain floods {adj} town of {town}, {n1} dead",
            "{town} under water after river bursts its banks",
            "Rescuers evacuate {n2},000 as floods hit {town}",
        ],
        "lead": [
            "Flash floods swept through {town} on {day} after two days of heavy rain, killing {n1} "
            "people and forcing about {n2},000 from their homes, the {title} {person} said.",
            "At least {n1} people died and thousands were evacuated when the river burst its banks in "
            "{town} on {day}, according to {person}, the {title}.",
        ],
        "body": [
            "Soldiers and volunteers used boats to reach families stranded on rooftops.",
            "The water rose more than two metres in some streets within a few hours.",
            "{person} said {n3} bridges had been damaged and several roads were closed.",
            "Forecasters warned that more rain was expected over the coming days.",
            "Schools were turned into shelters for people who had lost their homes.",
            "Farmers said the floods had destroyed crops across the valley.",
            "The government released emergency funds and asked neighbouring countries for pumps.",
            "Power and drinking water were cut in large parts of the town.",
        ],
        "upd": [
            "The number of people killed by floods in {town} rose to {n1b} on {day}, the {title} "
            "{person} said, as the water began to recede.",
            "Officials said {n1b} people had now died in the floods around {town}.",
        ],
        "updhead": ["{town} flood toll rises to {n1b}", "Floods: {n1b} now confirmed dead in {town}"],
        "updpara": [
            "Engineers began inspecting the dam upstream, which officials said was not at risk.",
            "Aid groups said clean water was the most urgent need in the shelters.",
        ],
    },
    "troops": {
        "head": [
            "{country} reports new troop build-up near {town}",
            "Satellite images show {n2},000 troops massing near {town}",
            "Build-up near {adj} border town of {town} alarms officials",
            "{country} says forces gathering near {town} border crossing",
        ],
        "lead": [
            "Around {n2},000 soldiers and {n1} armoured vehicles have gathered near the border town of "
            "{town} in recent days, the {title} {person} said on {day}.",
            "New satellite images show about {n2},000 troops and {n1} tanks near {town}, {person}, the "
            "{title}, told reporters on {day}.",
        ],
        "body": [
            "{person} said the deployment went beyond routine exercises and called for talks.",
            "Field hospitals and fuel depots had also been set up, according to the images.",
            "Allies said they were watching the situation closely and urged restraint.",
            "Residents of villages near the border reported convoys moving at night.",
            "The defence ministry placed units in the region on higher alert.",
            "Diplomats said an emergency meeting could be called within {n3} days.",
            "The other side said the troops were on its own territory and posed no threat.",
            "Analysts said the build-up was the largest in the area for several years.",
        ],
        "upd": [
            "The number of troops near {town} has grown to about {n2b},000, the {title} {person} said on "
            "{day}, citing new images.",
            "Officials said on {day} that {n2b},000 soldiers were now stationed near {town}.",
        ],
        "updhead": ["Troops near {town} now number {n2b},000, officials say", "Build-up near {town} grows"],
        "updpara": [
            "Foreign ministers spoke by phone and agreed to keep channels open.",
            "Airlines said they would avoid the airspace near the border for now.",
        ],
    },
    "talks": {
        "head": [
            "{country} and rebels agree ceasefire talks in {town}",
            "Ceasefire talks to open in {town}, mediators say",
            "Mediators announce new round of {adj} peace talks",
            "{town} to host talks on truce, {n1} prisoners to be freed",
        ],
        "lead": [
            "Government and rebel delegations will meet in {town} on {day} for talks on a ceasefire, "
            "mediators said, and {n1} prisoners are to be released before the meeting.",
            "A new round of ceasefire talks will open in {town} on {day}, the {title} {person} said, "
            "adding that both sides had agreed to free {n1} prisoners.",
        ],
        "body": [
            "{person} said the agenda would include humanitarian corridors and the return of refugees.",
            "Previous talks collapsed after {n3} days when both sides accused each other of violations.",
            "Diplomats from neighbouring countries will attend as observers.",
            "Aid groups welcomed the talks and asked for access to besieged areas.",
            "Fighting continued in the east of the country while the talks were announced.",
            "Rebel leaders said they wanted guarantees before laying down any weapons.",
            "The exchange of prisoners would be overseen by an international committee.",
            "Opposition figures said they had not been invited to take part.",
        ],
        "upd": [
            "Talks in {town} opened on {day} with both delegations at the table, and {n1b} prisoners "
            "were freed overnight, {person} said.",
            "The first day of talks in {town} ended with agreement to release {n1b} prisoners.",
        ],
        "updhead": [
            "{town} talks open; {n1b} prisoners freed",
            "First day of {town} talks ends in prisoner deal",
        ],
        "updpara": [
            "A second session was scheduled for the following morning.",
            "Both sides said the atmosphere had been constructive but cautious.",
        ],
    },
    "cyber": {
        "head": [
            "Cyberattack knocks out services in {town}",
            "{country} blames hackers for outage at {town} power plant",
            "Hackers hit {adj} utility, {n2},000 homes without power",
            "Ransomware attack paralyses {town} hospital and city hall",
        ],
        "lead": [
            "A cyberattack cut power to about {n2},000 homes in {town} on {day} and shut down the city "
            "hall's computer systems, the {title} {person} said.",
            "Hackers disrupted the power grid and municipal services in {town} on {day}, leaving "
            "{n2},000 households without electricity, according to {person}, the {title}.",
        ],
        "body": [
            "Engineers switched parts of the network to manual control to restore supply.",
            "{person} said the attack bore the hallmarks of a group that had struck before.",
            "The national cyber agency said it had sent a team to investigate.",
            "Hospitals used backup generators and postponed {n3} planned operations.",
            "Officials said no personal data appeared to have been stolen.",
            "The ransom note demanded payment in cryptocurrency within {n3} days.",
            "Experts warned that other towns could be targeted by the same software.",
            "Payment terminals and traffic lights also stopped working for several hours.",
        ],
        "upd": [
            "Power was restored to most of the {n2b},000 affected homes in {town} by {day}, {person} "
            "said, but city hall systems remained offline.",
            "Officials said on {day} the {town} outage had affected {n2b},000 homes in total.",
        ],
        "updhead": ["{town} power back after cyberattack", "Cyberattack on {town} hit {n2b},000 homes"],
        "updpara": [
            "The cyber agency published technical details to help other utilities check their systems.",
            "Police said they were working with foreign partners to trace the attackers.",
        ],
    },
}

SYNONYMS = {
    "said": "stated",
    "killed": "left dead",
    "people": "residents",
    "about": "roughly",
    "wounded": "injured",
    "according to": "citing",
    "several": "a number of",
    "reporters": "journalists",
    "houses": "homes",
    "began": "started",
    "large": "big",
    "within": "in",
    "urged": "called for",
    "warned": "cautioned",
}


@dataclass
class Event:
    story: str
    kind: str
    fill: dict[str, str]
    lead: int
    body: list[int]
    published: datetime
    head: int = 0
    copies: list[dict[str, Any]] = field(default_factory=list)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _fill(template: str, fill: dict[str, str]) -> str:
    return template.format(**fill)


def _event_fill(
    rng: random.Random, country: str, town: str, person: str, title: str, day: str
) -> dict[str, str]:
    n1 = rng.randint(3, 60)
    n2 = rng.randint(2, 90)
    return {
        "country": country,
        "adj": COUNTRIES[country][0],
        "town": town,
        "person": person,
        "title": title,
        "day": day,
        "n1": str(n1),
        "n2": str(n2),
        "n3": str(rng.randint(2, 40)),
        "n1b": str(n1 + rng.randint(2, 25)),
        "n2b": str(n2 + rng.randint(3, 40)),
    }


def _edit(rng: random.Random, text: str, edits: int) -> str:
    words = [w for w in SYNONYMS if re.search(rf"\b{w}\b", text)]
    for w in rng.sample(words, min(edits, len(words))):
        text = re.sub(rf"\b{w}\b", SYNONYMS[w], text, count=1)
    return text


def _copy(rng: random.Random, ev: Event, outlet: str, published: datetime, update: bool) -> dict[str, Any]:
    kind = KINDS[ev.kind]
    sentences = [_fill(kind["lead"][ev.lead], ev.fill)] + [_fill(kind["body"][i], ev.fill) for i in ev.body]
    title = _fill(kind["head"][ev.head], ev.fill)
    if update:
        sentences = [
            _fill(rng.choice(kind["upd"]), ev.fill),
            *sentences,
            _fill(rng.choice(kind["updpara"]), ev.fill),
        ]
        title = _fill(rng.choice(kind["updhead"]), ev.fill)
    elif rng.random() < 0.6:
        title = _fill(rng.choice(kind["head"]), ev.fill)
    # small edits
    if rng.random() < 0.5:
        sentences = [_edit(rng, s, rng.randint(1, 3)) if rng.random() < 0.5 else s for s in sentences]
    if len(sentences) > 3 and rng.random() < 0.3:
        del sentences[rng.randrange(2, len(sentences))]
    if len(sentences) > 3 and rng.random() < 0.25:
        i = rng.randrange(1, len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    if rng.random() < 0.2:
        title = _edit(rng, title, 1)
    # paragraphs of one or two sentences
    paras: list[str] = []
    i = 0
    while i < len(sentences):
        n = rng.choice((1, 1, 2))
        paras.append(" ".join(sentences[i : i + n]))
        i += n
    # truncation
    r = rng.random()
    if r < 0.25:
        paras = paras[: rng.randint(1, max(1, min(2, len(paras))))]
    elif r < 0.4:
        text = "\n\n".join(paras)
        cut = rng.randint(min(len(text), 160), min(len(text), 420))
        paras = [text[:cut].rstrip() + rng.choice(("...", " …", " [...]"))]
    # boilerplate
    town = ev.fill["town"]
    b = rng.random()
    if b < 0.25:
        paras[0] = f"{town.upper()} ({outlet}) — {paras[0]}"
    elif b < 0.4:
        paras[0] = f"{town}, {ev.fill['country']} (AP) — {paras[0]}"
    elif b < 0.5:
        paras[0] = f"{ev.fill['day'].upper()}, {town} — {paras[0]}"
    if rng.random() < 0.2:
        paras.insert(0, f"By {_person(rng)}")
    t = rng.random()
    if t < 0.15:
        paras.append(f"Reporting by {_person(rng)}; Editing by {_person(rng)}")
    elif t < 0.25:
        paras.append(f"The post {title} appeared first on {outlet}.")
    elif t < 0.32:
        paras.append(
            rng.choice(
                (
                    "Sign up for our daily briefing.",
                    "Read more: World news",
                    f"© 2026 {outlet}. All rights reserved.",
                )
            )
        )
    h = rng.random()
    if update and rng.random() < 0.5:
        title = f"UPDATE {rng.randint(1, 4)}-{title}"
    elif h < 0.2:
        title = f"{title} - {outlet}"
    elif h < 0.35:
        title = f"{title} | {outlet} News"
    elif h < 0.42:
        title = f"{rng.choice(('WATCH:', 'BREAKING:', 'LIVE:'))} {title}"
    elif h < 0.47:
        title = f"{title} — {outlet}"
    return {
        "source": outlet,
        "title": title,
        "summary": "\n\n".join(paras),
        "published": published.isoformat().replace("+00:00", "Z"),
        "story": ev.story,
    }


def _copies(rng: random.Random, ev: Event) -> None:
    n = min(len(OUTLETS) - len(WIRE), max(1, int(rng.paretovariate(1.1))) + rng.choice((0, 1, 2, 3)))
    outlets = [rng.choice(WIRE)] + rng.sample([o for o in OUTLETS if o not in WIRE], n)
    for k, outlet in enumerate(outlets[: n + 1 if rng.random() < 0.8 else n]):
        update = k > 0 and rng.random() < 0.15
        delay = timedelta(hours=rng.uniform(2, 10)) if update else timedelta(minutes=rng.expovariate(1 / 40))
        ev.copies.append(_copy(rng, ev, outlet, ev.published + (delay if k else timedelta()), update))


def generate(seed: int, groups: int = GROUPS, start: datetime | None = None) -> list[dict[str, Any]]:
    """One half: ``groups`` report groups, each an event and often look-alike siblings, with copies."""
    rng = random.Random(seed)
    start = start or datetime(2026, 11, 1, 6, tzinfo=UTC)
    events: list[Event] = []
    for g in range(groups):
        country = rng.choice(list(COUNTRIES))
        kind = rng.choice(list(KINDS))
        towns = rng.sample(COUNTRIES[country][1], 4)
        person, title = _person(rng), rng.choice(TITLES)
        when = start + timedelta(hours=rng.uniform(0, 24 * 28))
        k = KINDS[kind]
        lead = rng.randrange(len(k["lead"]))
        body = rng.sample(range(len(k["body"])), rng.randint(3, 6))
        day = DAYS[when.weekday()]
        events.append(
            Event(
                f"g{g}-e0",
                kind,
                _event_fill(rng, country, towns[0], person, title, day),
                lead,
                body,
                when,
                rng.randrange(len(k["head"])),
            )
        )
        for s in range(rng.choice((0, 1, 1, 2, 3))):
            # Same formula, same official; another town (or the same town on another day), other figures.
            same_town = rng.random() < 0.3
            later = (
                timedelta(hours=rng.uniform(20, 90))
                if same_town or rng.random() < 0.6
                else timedelta(hours=rng.uniform(0.5, 8))
            )
            sw = when + later
            same_formula = rng.random() < 0.6
            events.append(
                Event(
                    f"g{g}-e{s + 1}",
                    kind,
                    _event_fill(
                        rng,
                        country,
                        towns[0] if same_town else towns[1 + s],
                        person,
                        title,
                        DAYS[sw.weekday()],
                    ),
                    lead if same_formula else rng.randrange(len(k["lead"])),
                    body if same_formula else rng.sample(range(len(k["body"])), rng.randint(3, 6)),
                    sw,
                    rng.randrange(len(k["head"])),
                )
            )
    lines: list[dict[str, Any]] = []
    for ev in events:
        _copies(rng, ev)
        lines.extend(ev.copies)
    lines.sort(key=lambda d: (d["published"], d["source"]))
    for i, line in enumerate(lines):
        line["id"] = f"a{seed % 1000:03d}-{i:04d}"
    return [{k: d[k] for k in ("id", "source", "title", "summary", "published", "story")} for d in lines]


def main() -> None:
    for half, seed in SEEDS.items():
        path = DATA / f"stories_{half}.jsonl"
        lines = generate(seed)
        path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
        print(f"{path}: {len(lines)} articles, {len({d['story'] for d in lines})} stories")


if __name__ == "__main__":
    main()
