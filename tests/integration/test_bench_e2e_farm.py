"""bench/e2e's feed farm: what its WebSub step relies on, against ingest's real parser and the real hub.

The benchmark reports time to alert with and without polling; that comparison means something only if
the farm's feeds name the hub the way ingest recognises, and each new item reaches the hub's fetch (the
moment the benchmark counts as "fetched"). Both are checked here without the rest of the stack.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx
import pytest

from newswatch_ingest.hubs import find_hub
from newswatch_ingest.parse import parse_feed
from tests.helpers.wait import wait_for
from tests.helpers.websub_hub import LocalHub

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH / "e2e"))

from farm import FeedFarm  # noqa: E402

pytestmark = pytest.mark.integration


def _release(farm: FeedFarm, count: int) -> None:
    before = len(farm.items)
    farm.set_rate(200)
    wait_for(lambda: len(farm.items) >= before + count, timeout_s=10, what="items released")
    farm.set_rate(0)
    time.sleep(0.1)  # the release loop's current tick ends


def test_the_farm_names_the_hub_only_when_told_and_each_new_item_reaches_the_hubs_fetch() -> None:
    farm = FeedFarm(2, ["quiet", "words", "about", "border", "talks"], ["Ukraine", "NATO"]).start()
    try:
        with LocalHub() as hub:
            _release(farm, 4)
            plain = httpx.get(farm.url(0))
            assert find_hub(parse_feed(plain.content, farm.url(0)), {}, farm.url(0))[0] is None

            farm.advertise_hub(hub.url, hub.publish)
            named = httpx.get(farm.url(1))
            parsed = parse_feed(named.content, farm.url(1), named.headers.get("content-type"))
            assert find_hub(parsed, {}, farm.url(1)) == (hub.url, farm.url(1))

            first_new = len(farm.items)
            _release(farm, 6)
            fresh = farm.items[first_new:]
            wait_for(
                lambda: all(i.fetched is not None for i in fresh), timeout_s=10, what="the hub's fetches"
            )
            assert farm.ping_errors == 0

            farm.advertise_hub(None, None)
            again = httpx.get(farm.url(0))
            assert find_hub(parse_feed(again.content, farm.url(0)), {}, farm.url(0))[0] is None
    finally:
        farm.stop()
