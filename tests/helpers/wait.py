"""Waiting on conditions with a deadline: tests never sleep blindly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T | None],
    timeout_s: float = 30.0,
    what: str = "condition",
    interval_s: float = 0.1,
) -> T:
    """Call ``condition`` until it returns something truthy; return that, or fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while True:
        try:
            result = condition()
            if result:
                return result
        except Exception as e:  # a server still starting, a key not there yet
            last_error = e
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout_s:.0f}s waiting for {what} (last error: {last_error})"
            )
        time.sleep(interval_s)
