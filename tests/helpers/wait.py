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
    progress: Callable[[], str] | None = None,
) -> T:
    """Call ``condition`` until it returns something truthy; return that, or fail after ``timeout_s``.

    ``progress`` describes how far things got, for the failure message: "120 of 500 alerts" tells a slow
    stage from a lost message where a bare timeout cannot.
    """
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
            got = f"; {progress()}" if progress is not None else ""
            raise AssertionError(
                f"timed out after {timeout_s:.0f}s waiting for {what}{got} (last error: {last_error})"
            )
        time.sleep(interval_s)
