"""Process runtime: background workers supervised inside the FastAPI lifespan, and the uvicorn entry.

uvicorn turns SIGTERM/SIGINT into a graceful shutdown, which runs the lifespan's exit: workers are
asked to stop, given ``grace_s`` to finish the batch in hand, then cancelled (their uncommitted work
is redelivered later). A worker that crashes is logged and restarted with backoff rather than left
dead behind a healthy-looking HTTP server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator

import uvicorn
from fastapi import FastAPI

__all__ = ["Worker", "serve"]

log = logging.getLogger(__name__)


class Worker:
    """One supervised background loop. ``run`` receives the stop event and should return when it is set."""

    def __init__(
        self, name: str, run: Callable[[asyncio.Event], Awaitable[None]], grace_s: float = 5.0
    ) -> None:
        self.name = name
        self._run = run
        self._grace_s = grace_s
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.restarts = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name=self.name)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _supervise(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                await self._run(self._stop)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                self.restarts += 1
                log.exception("worker %s crashed; restarting in %.1fs", self.name, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=delay)
                delay = min(delay * 2, 30.0)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=self._grace_s)
        except TimeoutError:
            log.warning("worker %s did not stop within %.0fs; cancelling", self.name, self._grace_s)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class _Server(uvicorn.Server):
    """uvicorn re-raises the signal it handled once shutdown is done, so the process would exit with
    -15 after a perfectly graceful stop; supervisors read that as a crash. A finished graceful shutdown
    exits 0 here."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()


def serve(app: FastAPI, host: str, port: int) -> None:
    """Run the app until SIGTERM/SIGINT. Logging is ours (``log_config=None``), not uvicorn's."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="on")
    _Server(config).run()
