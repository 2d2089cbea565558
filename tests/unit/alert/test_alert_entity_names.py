"""One entity per real thing in alert: the shared name table, older entities brought up to date, and
what reads it (filters, watchlist keys, highlights, trend dimensions, "rising now")."""

from __future__ import annotations

import pytest

from newswatch_alert.common.entities import current_article
from newswatch_alert.common.text import norm
from newswatch_alert.live.filters import ArticleFilter
from newswatch_alert.live.highlight import highlights
from newswatch_alert.live.trend_store import Rising, fold_rising
from newswatch_alert.live.trends import Agg, dimensions_of
from newswatch_alert.watchlists.match import match
from newswatch_shared.entity_names import load_entity_names
from newswatch_shared.schemas import EnrichedArticle, Entity
from tests.unit.alert.feed_samples import article
from tests.unit.alert.samples import watchlist

NAMES = load_entity_names(norm)


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Russian", "Russia"),
        ("Russians", "Russia"),
        ("Ukrainian", "Ukraine"),
        ("Ukrainians", "Ukraine"),
        ("EU", "European Union"),
        ("U.S.", "United States"),
        ("US", "United States"),
        ("United States", "United States"),
        ("American", "United States"),
        ("UK", "United Kingdom"),
        ("British", "United Kingdom"),
        ("Britain", "United Kingdom"),
        ("Kiev", "Kyiv"),
        ("Kremlin", "Kremlin"),  # an organisation of its own
    ],
)
def test_names_stand_for_their_thing(name: str, canonical: str) -> None:
    thing = NAMES.thing(name)
    assert thing is not None and thing.canonical == canonical
    assert NAMES.canonical_key(name) == norm(canonical)


def test_keys_widen_a_name_to_every_name_of_its_thing() -> None:
    assert {"russia", "russian", "russians", "russian federation"} <= NAMES.keys("Russian")
    assert NAMES.keys("Narnia") == {"narnia"}
    assert NAMES.keys("!!") == frozenset()
    assert NAMES.legacy_keys("Russia") == {"russian"}
    assert NAMES.legacy_keys("Kremlin") == frozenset()


def _e(text: str, label: str, canonical: str, country: str | None = None, **kw: object) -> Entity:
    return Entity(text=text, label=label, canonical=canonical, country=country, **kw)  # type: ignore[arg-type]


def test_an_older_nationality_entity_becomes_its_country_and_merges() -> None:
    older = [
        _e("Russian", "NORP", "Russian", "RU", country_name="Russia", count=2),
        _e("Moscow", "GPE", "Moscow", "RU"),
        _e("Russia", "GPE", "Russia", "RU", count=1),
    ]
    russia, moscow = NAMES.entities(older)
    assert (russia.canonical, russia.label, russia.count, russia.text) == ("Russia", "GPE", 3, "Russian")
    assert russia.forms == ["Russian", "Russia"]
    assert (moscow.canonical, moscow.forms) == ("Moscow", ["Moscow"])


def test_unknown_names_and_other_labels_are_left_alone() -> None:
    person = _e("Georgia", "PERSON", "Georgia")  # a person the model saw, not the country
    assert NAMES.entity(person) == person.model_copy(update={"forms": ["Georgia"]})
    current = _e("Russian", "GPE", "Russia", "RU", forms=["Russian"])
    assert NAMES.entity(current) is current


# --- where alert uses it: filters, watchlist keys, highlights, trend dimensions (pure) ------------

RUSSIAN_ONLY_BEFORE = ("Russian", "NORP", "Russian", "RU")  # an enricher before the change
RUSSIAN_ONLY_NOW = ("Russian", "GPE", "Russia", "RU")  # today's
RUSSIA = ("Russia", "GPE", "Russia", "RU")


def _feed(article_id: str, title: str, *ents: tuple[str, str, str, str | None]) -> EnrichedArticle:
    return current_article(article(article_id, title=title, entities=list(ents)))


@pytest.mark.parametrize("given", [RUSSIAN_ONLY_BEFORE, RUSSIAN_ONLY_NOW, RUSSIA])
@pytest.mark.parametrize("asked", ["Russian", "Russians", "Russia", "russian federation"])
def test_an_entity_filter_finds_the_thing_by_any_name(
    given: tuple[str, str, str, str | None], asked: str
) -> None:
    a = _feed("a", f"{given[0]} troops moved", given)
    assert ArticleFilter.build(entity=[asked]).matches(a)
    assert not ArticleFilter.build(entity=["Ukraine"]).matches(a)


def test_uk_finds_britain_and_the_eu_finds_the_european_union() -> None:
    britain = _feed("b", "Britain objects", ("Britain", "GPE", "United Kingdom", "GB"))
    eu = _feed("e", "European Union acts", ("European Union", "ORG", "European Union", None))
    assert ArticleFilter.build(entity=["UK"]).matches(britain)
    assert ArticleFilter.build(entity=["British"]).matches(britain)
    assert ArticleFilter.build(entity=["EU"]).matches(eu)


@pytest.mark.parametrize("given", [RUSSIAN_ONLY_BEFORE, RUSSIAN_ONLY_NOW, RUSSIA])
@pytest.mark.parametrize("query", ["entity:Russian", "entity:Russia", "entity:Russians"])
def test_a_watchlist_entity_finds_the_thing_by_any_name(
    given: tuple[str, str, str, str | None], query: str
) -> None:
    # no current_article here: POST /watchlists/test may hand over an older enricher's output as is
    a = article("w", title=f"{given[0]} troops moved", entities=[given])
    wl = watchlist().model_copy(update={"entities": [], "keywords": [], "query": query})
    assert match(wl, a) is not None


def test_every_form_is_highlighted_and_counted_once_per_thing() -> None:
    a = article(
        "h",
        title="Russian troops near the border, Russia says",
        entities=[RUSSIAN_ONLY_BEFORE, RUSSIA],
    )
    current = current_article(a)
    (russia,) = current.entities
    assert (russia.canonical, russia.count, russia.forms) == ("Russia", 2, ["Russian", "Russia"])
    spans = highlights(current)["title"]
    assert [(current.article.title[s.start : s.end], s.label) for s in spans] == [
        ("Russian", "Russia"),
        ("Russia", "Russia"),
    ]
    assert [d.key for d in dimensions_of(current) if d.kind == "entity"] == ["russia"]


def test_rising_entries_of_one_thing_are_folded() -> None:
    old = Rising("entity", "russian", "Russian", 30.0, Agg(1, 40.0), Agg(1, 10.0))
    new = Rising("entity", "russia", "Russia", 20.0, Agg(2, 20.0), Agg(0, 0.0))
    kyiv = Rising("entity", "kyiv", "Kyiv", 45.0, Agg(1, 45.0), Agg())
    folded = fold_rising([kyiv, old, new])
    assert [(r.key, r.name, r.rise, r.current.count) for r in folded] == [
        ("russia", "Russia", 50.0, 3),
        ("kyiv", "Kyiv", 45.0, 1),
    ]
