"""GET /stories, /stories/{id} and /articles?collapse=story through the served app, real broker and Redis."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from newswatch_alert.settings import AlertSettings
from newswatch_shared.schemas import EnrichedArticle
from tests.integration.alert.support import NOW, border_article, committed, eventually, produce_articles

pytestmark = pytest.mark.integration


def copy_of(story: str, n: int, minute: int, sources: list[str]) -> EnrichedArticle:
    """Copy ``n`` (1-based) of ``story`` from ``sources[n-1]``, published ``minute`` after NOW."""
    base = border_article(f"{story}-{n}", NOW + timedelta(minutes=minute))
    raw = base.article.model_copy(update={"feed_title": sources[n - 1], "feed_id": sources[n - 1]})
    return base.model_copy(update={"article": raw, "story_id": story, "story_sources": sources[:n]})


WIRE = ["Outlet A", "Outlet B", "Outlet C"]
OTHER = ["Outlet D", "Outlet E"]
# Newest first: wire-3 (m9), other-2 (m8), lone (m7), wire-2 (m5), other-1 (m3), wire-1 (m1).
ARTICLES = [
    copy_of("wire", 1, 1, WIRE),
    copy_of("other", 1, 3, OTHER),
    copy_of("wire", 2, 5, WIRE),
    border_article("lone", NOW + timedelta(minutes=7)),
    copy_of("other", 2, 8, OTHER),
    copy_of("wire", 3, 9, WIRE),
]


async def fed(api: httpx.AsyncClient, settings: AlertSettings) -> None:
    await produce_articles(settings, *ARTICLES)

    async def all_stored() -> bool:
        return len((await api.get("/articles?limit=50")).json()["articles"]) == len(ARTICLES)

    await eventually(all_stored, what="the articles to be stored")


async def get(api: httpx.AsyncClient, path: str) -> Any:
    response = await api.get(path)
    assert response.status_code == 200, response.text
    return response.json()


async def test_stories_list_each_report_once_with_its_sources_and_copies(
    api: httpx.AsyncClient, settings: AlertSettings
) -> None:
    await fed(api, settings)
    stories = (await get(api, "/stories"))["stories"]
    assert [(s["id"], s["article"]["id"], s["copies"]) for s in stories] == [
        ("wire", "wire-3", 3),
        ("other", "other-2", 2),
        ("lone", "lone", 1),
    ]
    assert stories[0]["sources"] == WIRE and stories[0]["source_count"] == 3
    assert stories[2]["sources"] == ["Example Wire"]

    # A story passes a filter when one of its copies does, and shows its newest passing copy.
    (only,) = (await get(api, "/stories?source=Outlet%20A"))["stories"]
    assert (only["id"], only["article"]["id"], only["copies"]) == ("wire", "wire-1", 3)

    detail = await get(api, "/stories/wire")
    assert [a["id"] for a in detail["articles"]] == ["wire-3", "wire-2", "wire-1"]
    assert detail["article"]["id"] == "wire-3" and detail["sources"] == WIRE
    assert (await get(api, "/stories/lone"))["articles"][0]["id"] == "lone"
    assert (await api.get("/stories/nothing-here")).status_code == 404


async def test_collapse_gives_one_row_per_story_across_pages_and_redelivery_changes_nothing(
    api: httpx.AsyncClient, settings: AlertSettings
) -> None:
    await fed(api, settings)
    flat = (await get(api, "/articles?limit=50"))["articles"]
    assert [a["id"] for a in flat] == ["wire-3", "other-2", "lone", "wire-2", "other-1", "wire-1"]
    assert flat[3]["story_id"] == "wire" and flat[3]["story_sources"] == WIRE and flat[3]["story_copies"] == 3

    rows: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(10):  # one story per page: the cursor must not bring a story back
        page = await get(api, f"/articles?collapse=story&limit=1{cursor}")
        rows += page["articles"]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert [(r["id"], r["story_copies"], len(r["story_sources"])) for r in rows] == [
        ("wire-3", 3, 3),
        ("other-2", 2, 2),
        ("lone", 1, 1),
    ]

    await produce_articles(settings, ARTICLES[2])  # wire-2 again

    async def handled() -> bool:
        return await committed(settings) >= len(ARTICLES) + 1

    await eventually(handled, what="the redelivery to be handled")
    again = (await get(api, "/stories"))["stories"]
    assert [(s["id"], s["copies"], s["sources"]) for s in again][:1] == [("wire", 3, WIRE)]
    assert (await api.get("/articles?collapse=thread")).status_code == 422
