"""The entity-name table in shared is what the gazetteer builds (a stale file fails here)."""

from __future__ import annotations

from newswatch_enrich.entity_names import SHARED_FILE, build_table, render
from newswatch_enrich.gazetteer import Gazetteer


def test_the_shared_table_matches_the_gazetteer(gazetteer: Gazetteer) -> None:
    expected = render(build_table(gazetteer))
    assert SHARED_FILE.read_text("utf-8") == expected, (
        "stale: run python -m newswatch_enrich.entity_names --write and commit the file"
    )


def test_the_table_folds_nationalities_into_their_country(gazetteer: Gazetteer) -> None:
    things = build_table(gazetteer)["entities"]
    assert {"Russian", "Russians", "Russian Federation"} <= set(things["Russia"]["names"])
    assert things["Russia"]["formerly"] == ["Russian"]
    assert {"UK", "Britain", "British", "Britons"} <= set(things["United Kingdom"]["names"])
    assert {"EU", "E.U."} <= set(things["European Union"]["names"])
    assert "Russian" not in things  # no thing of its own any more
    assert things["Kremlin"]["label"] == "ORG" and things["Kremlin"]["country"] == "RU"
    for group in things.values():
        assert group["names"][0] in things  # the canonical name comes first
