"""The Redis story store against a real Redis: same groups as in memory, the documented keys, expiry,
idempotence, and two writers racing on copies of one report agreeing on one story."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from newswatch_enrich.stories import MemoryStore, StoryAssigner
from newswatch_enrich.stories.lines import group_items, parse_lines
from newswatch_enrich.stories.redis_store import RECENT_KEY, RedisStore, record_from_hash
from newswatch_enrich.stories.store import Attempt

pytestmark = pytest.mark.integration

DEV = Path(__file__).resolve().parents[2] / "data" / "stories_dev.jsonl"
TTL = 3 * 3600


def _items(n: int) -> list:  # type: ignore[type-arg]
    return parse_lines(DEV.read_text().splitlines()[:n])


async def test_redis_store_groups_as_the_memory_store(redis_client: Redis) -> None:
    items = _items(150)
    in_memory = await group_items(StoryAssigner(MemoryStore()), items)
    in_redis = await group_items(StoryAssigner(RedisStore(redis_client, TTL)), items)
    assert in_redis == in_memory
    assert len({a.story_id for a in in_redis}) < len(items)


async def test_keys_are_documented_shapes_and_all_expire(redis_client: Redis) -> None:
    items = _items(12)
    assigned = await group_items(StoryAssigner(RedisStore(redis_client, TTL)), items)
    story_id = assigned[1].story_id
    record = record_from_hash(await redis_client.hgetall(f"story:{story_id}"))  # type: ignore[misc]
    copies = [i for i, a in zip(items, assigned, strict=True) if a.story_id == story_id]
    assert record.title == copies[0].title and record.first_article == copies[0].id
    assert record.count == len(copies) and record.sources == list(dict.fromkeys(c.source for c in copies))
    assert [c.id for c in record.copies] == [
        c.id for c in sorted(copies, key=lambda c: c.published, reverse=True)
    ]
    assert await redis_client.zscore(RECENT_KEY, story_id) == record.last_seen.timestamp()
    keys = [k async for k in redis_client.scan_iter("*")]
    assert {k.split(":")[0] + ":" + k.split(":")[1] for k in keys if k.startswith("story:band:")} == {
        "story:band"
    }
    assert any(k.startswith("story:member:") for k in keys)
    for key in keys:
        assert 0 < await redis_client.ttl(key) <= TTL, key


async def test_redelivered_article_gets_its_story_again_and_is_counted_once(redis_client: Redis) -> None:
    items = _items(3)
    assigner = StoryAssigner(RedisStore(redis_client, TTL))
    first = await group_items(assigner, items)
    again = await group_items(assigner, items)
    assert again == first
    story = first[0].story_id
    assert int(await redis_client.hget(f"story:{story}", "count")) == sum(  # type: ignore[misc,arg-type]
        a.story_id == story for a in first
    )


class _Gate:
    """Holds every attempt after its read until ``parties`` attempts have read: a forced race."""

    def __init__(self, store: RedisStore, barrier: asyncio.Barrier) -> None:
        self.store, self.barrier, self.waited = store, barrier, False

    @contextlib.asynccontextmanager
    async def attempt(
        self, member_id: str, bands: Sequence[str], published: datetime, max_gap_s: float
    ) -> AsyncIterator[Attempt]:
        async with self.store.attempt(member_id, bands, published, max_gap_s) as inner:
            gate = self

            class Held:
                async def read(self):  # type: ignore[no-untyped-def]
                    got = await inner.read()
                    if not gate.waited:
                        gate.waited = True
                        await asyncio.wait_for(gate.barrier.wait(), 10)
                    return got

                async def story(self, story_id: str):  # type: ignore[no-untyped-def]
                    return await inner.story(story_id)

                async def commit(self, member, bands, record):  # type: ignore[no-untyped-def]
                    await inner.commit(member, bands, record)

            yield Held()  # type: ignore[misc]


async def test_two_writers_racing_on_two_copies_agree(redis_url: str) -> None:
    wire, copy = _items(2)  # the dev set's first two lines are copies of one report
    barrier = asyncio.Barrier(2)
    clients = [Redis.from_url(redis_url, decode_responses=True) for _ in range(2)]
    try:
        a, b = (StoryAssigner(_Gate(RedisStore(c, TTL), barrier)) for c in clients)  # type: ignore[arg-type]
        got_a, got_b = await asyncio.gather(a.assign(wire), b.assign(copy))
    finally:
        for c in clients:
            await c.aclose()
    assert got_a.story_id == got_b.story_id
    assert a.conflicts + b.conflicts == 1  # both read an empty store; the second commit had to read again
    assert sorted([got_a.is_first, got_b.is_first]) == [False, True]
