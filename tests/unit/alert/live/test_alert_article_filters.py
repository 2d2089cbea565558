"""The live feed's filters, facets and cursor (pure)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from newswatch_alert.live.filters import (
    ArticleFilter,
    Cursor,
    article_facets,
    member_of,
    parse_member,
    parse_text_query,
)
from tests.unit.alert.feed_samples import T0, article, random_articles

BORDER = article(
    "border",
    title="Troops gather near Kyiv as Nord-Stream 2 talks stall",
    summary="Officials in Ukraine describe the build-up.",
    content="Sanctions are being drafted in Brussels.",
    entities=[
        ("Kyiv", "GPE", "Kyiv", "UA"),
        ("Ukrainian", "NORP", "Ukraine", "UA"),
        ("Nord-Stream 2", "FAC", "Nord Stream 2", None),
    ],
    terms=[("troops", "military", "Troops"), ("sanctions", "economic", "Sanctions")],
    score=42.5,
    source="Example Wire",
    language="en-GB",
)


def test_facets_are_normalised_like_watchlist_terms() -> None:
    facets = article_facets(BORDER)
    assert facets["country"] == {"UA"}
    assert facets["entity"] == {"kyiv", "ukraine", "ukrainian", "nord stream 2"}
    assert facets["term"] == {"troops", "sanctions"}
    assert facets["category"] == {"military", "economic"}
    assert facets["source"] == {"example wire"}
    assert facets["language"] == {"en"}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, True),
        ({"country": ["ua"]}, True),
        ({"country": ["RU"]}, False),
        ({"country": ["RU", "UA"]}, True),  # several values of one facet: any
        ({"country": ["UA"], "term": ["invasion"]}, False),  # facets: all
        ({"entity": ["nord stream 2"]}, True),
        ({"entity": ["Ukrainian"]}, True),  # the entity's text
        ({"entity": ["Nord"]}, False),  # whole names only
        ({"term": ["TROOPS"], "category": ["economic"]}, True),
        ({"source": ["example-wire"]}, True),
        ({"language": ["EN"]}, True),
        ({"language": ["de"]}, False),
        ({"min_score": 42.5}, True),
        ({"min_score": 42.6}, False),
        ({"since": T0}, True),
        ({"since": T0 + timedelta(seconds=1)}, False),
        ({"until": T0}, False),  # until is exclusive
        ({"until": T0 + timedelta(seconds=1)}, True),
        ({"q": "troops brussels"}, True),  # every word, any order, any field
        ({"q": "troops moscow"}, False),
        ({"q": '"talks stall"'}, True),
        ({"q": '"stall talks"'}, False),  # a phrase keeps its order
        ({"q": "troop"}, False),  # whole words, no stemming
        ({"q": "nord-stream"}, True),
    ],
)
def test_filter_semantics(kwargs: dict[str, object], expected: bool) -> None:
    assert ArticleFilter.build(**kwargs).matches(BORDER) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [{"country": ["Ukraine"]}, {"language": ["english!"]}, {"entity": ["--"]}, {"since": T0, "until": T0}],
)
def test_unusable_values_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ArticleFilter.build(**kwargs)  # type: ignore[arg-type]


def test_text_query_keeps_phrases_and_drops_repeats() -> None:
    assert parse_text_query('troops "Nord Stream 2" Troops nord-stream') == (
        ("troops",),
        ("nord", "stream", "2"),
        ("nord", "stream"),
    )
    assert parse_text_query('  "" ') == ()


def test_cursor_round_trips_and_refuses_forgeries() -> None:
    cursor = Cursor(1795768200000, "3f9a1c0d")
    assert Cursor.decode(cursor.encode()) == cursor
    assert Cursor.decode(cursor.encode(b"k"), b"k") == cursor
    well_formed_but_made_by_hand = base64.urlsafe_b64encode(b"123:abc").decode().rstrip("=")
    for bad in [
        "",
        "not base64!",
        Cursor(1, "x").encode()[:-2] + "**",
        "bm9jb2xvbg",
        well_formed_but_made_by_hand,  # decodes to a position, but this API never signed it
        cursor.encode(b"another deployment"),
        cursor.encode().replace(cursor.encode().split(".")[0], Cursor(5, "3f9a1c0d").encode().split(".")[0]),
    ]:
        with pytest.raises(ValueError):
            Cursor.decode(bad)


def test_member_round_trips() -> None:
    ms, article_id, score = parse_member(member_of(BORDER))
    assert (article_id, score) == ("border", 42.5)
    assert ms == int(T0.timestamp() * 1000)


def test_cursor_bound_splits_the_feed_exactly_even_with_ties_and_prefix_ids() -> None:
    """The Redis read is a reverse lexicographic range below the bound: simulate it and check that
    paging after every item gives exactly the items after it, whatever the ids look like."""
    same_time = [article(i, title="Tie", published_at=T0, score=5.0) for i in ("p", "p0", "pz", "p00")]
    articles = random_articles(60, seed=3) + same_time
    feed = sorted((member_of(a) for a in articles), reverse=True)
    assert len({m.split(":")[0] for m in feed}) < len(feed)  # the sample does have ties
    for position, member in enumerate(feed):
        bound = Cursor.after(member).bound()
        assert bound.startswith("(")
        rest = [m for m in feed if m < bound[1:]]
        assert rest == feed[position + 1 :]


def test_a_term_filter_finds_narrower_concepts_and_the_terms_inside_a_match() -> None:
    """`/articles?term=sanctions` finds an asset freeze, as a watchlist on sanctions does."""
    freeze = article(
        "freeze", title="Assets of five businessmen frozen", terms=[("asset freeze", "economic", "frozen")]
    )
    freeze.escalation[0].concepts[:] = ["asset freeze", "sanctions"]
    freeze.escalation[0].also[:] = ["troops"]
    assert article_facets(freeze)["term"] == {"asset freeze", "sanctions", "troops"}
    assert ArticleFilter.build(term=["sanctions"]).matches(freeze)
