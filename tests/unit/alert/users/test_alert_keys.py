"""API keys as values: format, hashing, ids, the shown prefix, and the last-use throttle."""

from __future__ import annotations

import hashlib
import re

from newswatch_alert.users.credentials import (
    KEY_PREFIX,
    TouchThrottle,
    hash_key,
    key_id,
    new_api_key,
    shown_prefix,
)


def test_keys_are_long_random_and_recognisable() -> None:
    made = {new_api_key() for _ in range(200)}
    assert len(made) == 200
    for key in made:
        assert key.startswith(KEY_PREFIX)
        assert re.fullmatch(r"nw_[A-Za-z0-9_-]{43}", key), key  # 32 random bytes, URL-safe


def test_only_the_hash_identifies_a_key() -> None:
    key = new_api_key()
    digest = hash_key(key)
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in digest and key[len(KEY_PREFIX) :] not in digest
    assert key_id(digest) == digest[:16] and re.fullmatch(r"[0-9a-f]{16}", key_id(digest))
    assert key_id(hash_key(new_api_key())) != key_id(digest)


def test_the_shown_prefix_is_short() -> None:
    key = new_api_key()
    assert shown_prefix(key) == key[:10] and key.startswith(shown_prefix(key))
    assert len(key) - len(shown_prefix(key)) >= 36  # ≥ 216 bits stay secret


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_use_is_written_at_most_once_a_minute_per_key() -> None:
    clock = Clock()
    throttle = TouchThrottle(every_s=60, clock=clock)
    assert throttle.due("a") and throttle.due("b")
    assert not throttle.due("a")
    clock.now += 59.9
    assert not throttle.due("a")
    clock.now += 0.1
    assert throttle.due("a") and not throttle.due("a")

    throttle.forget("a")  # e.g. the write failed: try again on the next use
    assert throttle.due("a")


def test_the_throttle_forgets_the_oldest_keys_when_full() -> None:
    clock = Clock()
    throttle = TouchThrottle(every_s=60, clock=clock, max_keys=4)
    for name in "abcd":
        assert throttle.due(name)
        clock.now += 1
    assert throttle.due("e")  # full: a and b (the oldest half) are forgotten
    assert not any(throttle.due(name) for name in "cde")
    assert throttle.due("a")
