"""The dashboard in a real browser (Playwright driving Debian's Chromium) against the whole system.

The stack is the one `make run` starts (the Stack class behind `newswatch dev`) with a feed server of
ours instead of the demo feed, so the test decides when a new article appears. Two journeys:

- the live feed shows a newly ingested article without a reload, highlighted;
- a watchlist created in the UI (after a dry run against recent articles) alerts on the next
  matching article, and the alert shows up in the UI with its delivery status.

Screenshots of the main screens go to a temporary folder, or to the folder named by
NEWSWATCH_SCREENSHOTS (``NEWSWATCH_SCREENSHOTS=docs/screenshots`` refreshes the README's pictures).
No browser is downloaded: the test skips, saying why, when /usr/bin/chromium is missing
(`apt-get install chromium`; `make test` and .ci/run install it when they run as root).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from newswatch_cli.embedded import free_port
from newswatch_cli.stack import Stack, StackConfig
from newswatch_shared.kafka import make_producer
from newswatch_shared.schemas import EnrichedArticle, RawArticle, encode
from newswatch_shared.topics import ARTICLES_ENRICHED
from tests.helpers.kafka import kafka_config, topic
from tests.helpers.servers import LocalHTTPServer
from tests.helpers.wait import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

# Written by us for this test.
ITEMS: list[dict[str, Any]] = [
    {
        "slug": "fuel-convoys",
        "title": "Fuel convoys and troops gather near Kharkiv as Ukraine calls up reservists",
        "summary": "Officials in Kyiv said more troops reached the north-east overnight; "
        "European capitals discussed new sanctions.",
        "minutes_ago": 95,
    },
    {
        "slug": "grain-port",
        "title": "Grain ships leave Odesa port under naval escort",
        "summary": "Insurers in London raised premiums for vessels bound for the Black Sea.",
        "minutes_ago": 50,
    },
    {
        "slug": "cider-fair",
        "title": "Apple cider fair draws a record crowd",
        "summary": "Organisers said the weekend market sold out by noon.",
        "minutes_ago": 30,
    },
]
NEW_ITEM = {
    "slug": "pipeline-halt",
    "title": "Germany weighs halting the Nord Stream 2 pipeline as sanctions widen",
    "summary": "Ministers in Berlin said the gas pipeline could be frozen if Russia moves more troops.",
    "minutes_ago": 2,
}
ALERT_ITEM = {
    "slug": "border-shelling",
    "title": "Shelling reported near the Ukraine border as troops dig in",
    "summary": "Officials in Kyiv said artillery units moved closer to the frontier during the night.",
    "minutes_ago": 1,
}


def rss(items: list[dict[str, Any]]) -> bytes:
    now = datetime.now(UTC)
    entries = "".join(
        f"<item><title>{i['title']}</title><link>http://wire.test/{i['slug']}</link>"
        f"<guid>http://wire.test/{i['slug']}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=i['minutes_ago']), usegmt=True)}</pubDate>"
        f"<description>{i['summary']}</description></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test Wire</title>'
        f"<link>http://wire.test/</link><language>en</language>{entries}</channel></rss>"
    ).encode()


class FeedServer:
    """Our feed: ``publish`` replaces its items (with a new ETag, so the next poll sees them)."""

    def __init__(self, web: LocalHTTPServer) -> None:
        self.web = web
        self.items: list[dict[str, Any]] = []
        self.version = 0

    def publish(self, *items: dict[str, Any]) -> None:
        self.items = [*items, *self.items]
        self.version += 1
        self.web.route(
            "/feed.xml",
            rss(self.items),
            headers={"Content-Type": "application/rss+xml", "ETag": f'"v{self.version}"'},
        )


@pytest.fixture(scope="module")
def web() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        yield server


@pytest.fixture(scope="module")
def system(
    tmp_path_factory: pytest.TempPathFactory, spare_redis_url: str, web: LocalHTTPServer
) -> Iterator[Any]:
    """The whole system, started once for this module's journeys, with our feed registered."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    redis_url = spare_redis_url  # a database of its own: the per-test fixtures flush theirs
    lines: list[str] = []
    stack = Stack(
        StackConfig(
            data_dir=tmp_path_factory.mktemp("dashboard-stack"),
            admin_token=secrets.token_urlsafe(24),
            kafka_bootstrap=os.environ.get("NEWSWATCH_KAFKA_BOOTSTRAP"),
            redis_url=redis_url,
            ports={name: free_port() for name in ("alert", "ingest", "enrich")},
            partitions=2,
            demo=False,
            colour=False,
            extra_env={"NEWSWATCH_INGEST_POLL_INTERVAL_S": "1"},
        ),
        out=lines.append,
    )
    feed = FeedServer(web)
    feed.publish(*ITEMS)
    stack.start()
    try:
        admin = {"Authorization": f"Bearer {stack.config.admin_token}"}
        response = httpx.post(
            f"{stack.url('ingest')}/feeds", json={"url": web.url("/feed.xml")}, headers=admin
        )
        assert response.status_code in (200, 201), response.text
        user = httpx.post(f"{stack.url('alert')}/users", json={"name": "risk desk"}, headers=admin)
        assert user.status_code == 201, user.text
        wait_for(
            lambda: len(httpx.get(f"{stack.url('alert')}/articles").json()["articles"]) >= len(ITEMS),
            timeout_s=90,
            what="the first articles, enriched",
        )
        yield {"stack": stack, "feed": feed, "key": user.json()["api_key"], "url": stack.url("alert")}
    finally:
        stack.stop()
        print("\n".join(lines[-200:]))  # shown when a test failed


@pytest.fixture(scope="module")
def browser(system: Any) -> Iterator[Any]:
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # root needs it
    # Round trips through the whole system: generous on a loaded 2-core CI machine (waits end early).
    playwright_api.expect.set_options(timeout=15_000)
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("NEWSWATCH_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # The browser logs every non-2xx answer; the 401 of the deliberately wrong key is expected.
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "status of 401" not in m.text else None,
    )
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None,
    )
    try:
        yield page
    finally:
        context.close()
    assert errors == [], errors
    assert outside == [], f"the dashboard reached outside the service: {outside}"


def test_live_feed_updates_without_reload(system: Any, page: Any, shots: Path) -> None:
    expect = playwright_api.expect
    page.goto(system["url"] + "/")
    feed = page.locator("#feed-list")
    expect(feed.locator("li.article")).to_have_count(len(ITEMS), timeout=20_000)
    expect(page.locator("#live-state")).to_have_text("Live", timeout=20_000)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    # Every control has a label or a name, and the feed is announced politely.
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.id || el.name)"""
    )
    assert unlabeled == []
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, a[href]')]
            .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim()))
            .map((el) => el.outerHTML)"""
    )
    assert unnamed == []
    assert feed.get_attribute("aria-live") == "polite"

    system["feed"].publish(NEW_ITEM)
    card = feed.locator("li.article", has_text="Nord Stream 2 pipeline")
    expect(card).to_be_visible(timeout=60_000)
    assert page.evaluate("window.__sameDocument") is True
    expect(feed.locator("li.article").first).to_contain_text("Germany weighs halting")
    expect(card.locator("mark.term", has_text="sanctions")).to_be_visible()
    expect(card.locator("mark.entity", has_text="Berlin")).to_be_visible()
    expect(card.locator(".score")).to_contain_text("Escalation")

    # Filters apply to the list and the stream; a chip filters by its term.
    card.get_by_role("button", name="Show articles with the term sanctions").click()
    expect(page.locator("#f-term")).to_have_value("sanctions")
    expect(feed.locator("li.article")).to_have_count(2, timeout=10_000)
    page.get_by_role("button", name="Clear").click()
    expect(feed.locator("li.article")).to_have_count(len(ITEMS) + 1, timeout=10_000)
    page.screenshot(path=str(shots / "feed.png"))

    page.get_by_role("link", name="Trends").click()
    expect(page.locator("#chart svg")).to_be_visible(timeout=10_000)
    expect(page.locator("#rising-countries-2")).to_contain_text("(UA)", timeout=10_000)
    page.get_by_label("Period").select_option("6h|15m")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#chart-caption")).to_contain_text("of 15m")
    page.screenshot(path=str(shots / "trends.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(system["url"] + "/#feed")
    expect(page.locator("#feed-list li.article").first).to_be_visible(timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.screenshot(path=str(shots / "phone.png"))


def test_watchlist_made_in_the_ui_alerts_in_the_ui(system: Any, page: Any, shots: Path) -> None:
    expect = playwright_api.expect
    page.goto(system["url"] + "/#watchlists")
    expect(page.locator("#view-watchlists .needs-key")).to_be_visible()
    page.get_by_label("API key").fill("nw_not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#status")).to_contain_text("not valid")
    page.get_by_label("API key").fill(system["key"])
    page.get_by_label("API key").press("Enter")  # the keyboard way
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Keywords complete from the concept scheme (GET /concepts, public).
    expect(page.locator("#concepts option[value='troops']")).to_have_count(1)
    page.get_by_label("Name").fill("Ukraine troops")
    page.get_by_label("Query").fill("country:UA AND term:troops")
    page.get_by_role("button", name="Test on recent articles").click()
    results = page.locator("#wl-test-results")
    expect(results).to_contain_text("Would alert on", timeout=20_000)
    expect(results.locator(".verdict-yes")).to_have_count(1)  # the Kharkiv convoy story, not the others
    page.get_by_role("button", name="Create watchlist").click()
    item = page.locator("#wl-list li", has_text="Ukraine troops")
    expect(item).to_be_visible()

    # Disable and enable again through PATCH, as the list shows it.
    item.get_by_role("button", name="Ukraine troops: enabled").click()
    expect(item).to_contain_text("(disabled)")
    item.get_by_role("button", name="Ukraine troops: enabled").click()
    expect(item).not_to_contain_text("(disabled)")
    # Editing loads it into the form; a dry run there explains each recent article.
    item.get_by_role("button", name="Edit Ukraine troops").click()
    expect(page.get_by_label("Query")).to_have_value("country:UA AND term:troops")
    page.get_by_role("button", name="Test on recent articles").click()
    expect(results.locator(".verdict-yes")).to_have_count(1)
    page.screenshot(path=str(shots / "watchlists.png"), full_page=True)
    page.get_by_role("button", name="Cancel editing").click()

    page.get_by_role("link", name="Alerts").click()
    expect(page.locator("#alerts-empty")).to_be_visible()
    system["feed"].publish(ALERT_ITEM)
    alert = page.locator("#alert-list li", has_text="Shelling reported near the Ukraine border")
    expect(alert).to_be_visible(timeout=60_000)  # the page refreshes on new articles, no reload
    expect(alert).to_contain_text("Watchlist: Ukraine troops")
    expect(alert).to_contain_text("Ukraine")  # the explanation: which entity made country:UA hold
    page.screenshot(path=str(shots / "alerts.png"))


def story_copies(n: int, *, first: int = 1, name: str = "lighthouse") -> list[EnrichedArticle]:
    """Copies ``first``..``n`` of one wire report, each from another outlet, grouped as enrich would
    (copy ``i`` published ``10 - i`` minutes ago: the higher, the newer)."""
    outlets = ["Harbour Post", "Valley Times", "Coast Courier", "Plains Herald"]
    now = datetime.now(UTC)
    copies = []
    for i in range(first, n + 1):
        raw = RawArticle(
            id=f"{name}-{i}",
            url=f"http://wire.test/{name}-{i}",
            title=f"Storm closes the old {name} museum ({outlets[i - 1]})",
            summary="Volunteers said repairs would take the winter.",
            published_at=now - timedelta(minutes=10 - i),
            feed_id=f"outlet-{i}",
            feed_title=outlets[i - 1],
            fetched_at=now,
            language="en",
        )
        copies.append(
            EnrichedArticle(
                article=raw,
                language="en",
                enriched_at=now,
                story_id=f"{name}-story",
                story_sources=outlets[:i],
                is_first=i == 1,
            )
        )
    return copies


def publish_enriched(system: Any, articles: list[EnrichedArticle]) -> None:
    """Straight onto articles.enriched: this stack's enrich does not group stories yet."""

    async def send() -> None:
        producer = make_producer(kafka_config(system["stack"].kafka_bootstrap))
        await producer.start()
        try:
            for article in articles:
                await producer.send_and_wait(
                    topic(ARTICLES_ENRICHED), encode(article), key=article.id.encode()
                )
        finally:
            await producer.stop()

    # Playwright's sync API runs an event loop in this thread: the producer gets a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, send()).result(timeout=60)


def test_a_story_shows_once_and_expands_to_its_copies(system: Any, page: Any) -> None:
    expect = playwright_api.expect
    publish_enriched(system, story_copies(3))
    page.goto(system["url"] + "/?q=lighthouse")
    cards = page.locator("#feed-list li.article")
    expect(cards).to_have_count(1, timeout=30_000)
    expect(cards.first).to_contain_text("Coast Courier")  # the newest copy stands for the story
    more = cards.first.get_by_role("button", name="+2 sources")
    expect(more).to_have_attribute("aria-expanded", "false")
    copies = page.locator("#copies-lighthouse-story")
    expect(copies).to_be_hidden()
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(copies.locator("li")).to_have_count(3)
    expect(copies).to_contain_text("Harbour Post")
    more.press("Enter")  # the keyboard closes it again
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(copies).to_be_hidden()

    # A fourth outlet's copy arrives on the stream: the same card, one more source, no second card.
    publish_enriched(system, story_copies(4, first=4))
    expect(cards.first.get_by_role("button", name="+3 sources")).to_be_visible(timeout=30_000)
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Plains Herald")


def test_dashboard_is_served_with_a_strict_policy(system: Any) -> None:
    response = httpx.get(system["url"] + "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert (
        httpx.get(system["url"] + "/dashboard/app.js").headers["content-type"].startswith("text/javascript")
    )
    assert httpx.get(system["url"] + "/dashboard/..%2Fapp.py").status_code == 404


def test_a_late_older_copy_adds_its_source_but_the_card_keeps_the_newest_copy(system: Any, page: Any) -> None:
    """Copies reach the page in the order the match role stored them, which across partitions is not
    the order they were published: the card must still show the newest, as the collapsed page does."""
    expect = playwright_api.expect
    page.goto(system["url"] + "/?q=windmill")
    expect(page.locator("#live-state")).to_have_text("Live", timeout=30_000)
    # Each copy names only its own outlet, so "+2 sources" shows once both late copies have arrived.
    copies = [
        c.model_copy(update={"story_sources": [c.article.feed_title]})
        for c in story_copies(3, name="windmill")
    ]
    publish_enriched(system, copies[2:])  # the newest first
    card = page.locator("#feed-list li.article")
    expect(card).to_have_count(1, timeout=30_000)
    expect(card.first).to_contain_text("Coast Courier")
    publish_enriched(system, copies[:2])  # then the two older ones, late
    expect(card.first.get_by_role("button", name="+2 sources")).to_be_visible(timeout=30_000)
    expect(card).to_have_count(1)
    expect(card.first).to_contain_text("Coast Courier")
    expect(card.first.locator("h2")).not_to_contain_text("Harbour Post")
