"""The long-lived objects one process built at start-up (stores, streams), found by routes by type.

The ``api`` role builds what its routes use inside the app's lifespan and adds it here; a route asks
for one part with ``Annotated[UserStore, Depends(part(UserStore))]``. An API module so names only the
classes it uses, never a container of everything the service has, which would tie every capability
to every other and to the roles that happen to run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from fastapi import FastAPI, Request

__all__ = ["Parts", "part", "parts_of"]

T = TypeVar("T")


class Parts:
    """One object per class: a second of the same class is a wiring mistake, refused at start-up."""

    def __init__(self) -> None:
        self._by_type: dict[type[Any], Any] = {}

    def add(self, *parts: object) -> None:
        for obj in parts:
            if type(obj) in self._by_type:
                raise ValueError(f"{type(obj).__name__} was added twice")
            self._by_type[type(obj)] = obj

    def get(self, kind: type[T]) -> T:
        try:
            return cast(T, self._by_type[kind])
        except KeyError:
            raise LookupError(f"this process has no {kind.__name__} (is the api role running?)") from None

    def clear(self) -> None:
        self._by_type.clear()


def parts_of(app: FastAPI) -> Parts:
    parts: Parts | None = getattr(app.state, "parts", None)
    if parts is None:
        parts = app.state.parts = Parts()
    return parts


def part(kind: type[T]) -> Callable[[Request], T]:
    """A FastAPI dependency that hands a route the ``kind`` object of this process."""

    def dependency(request: Request) -> T:
        return parts_of(request.app).get(kind)

    dependency.__name__ = f"{kind.__name__}_part"
    return dependency
