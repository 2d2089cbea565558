"""Watchlist CRUD, scoped to the caller: another user's watchlist answers 404, exactly as a missing one.

Every change bumps ``watchlists:version``, so it reaches the matcher on every replica within a second.
PATCH is a partial update (JSON merge semantics for the top-level fields): the fields sent replace the
stored ones and the result must be a valid watchlist; see ``watchlists.edit``.

Webhook and Slack URLs sent in a POST or PATCH must also pass the destination rules
(``delivery.destinations``: no non-public address unless allowed, Slack channels on Slack's hosts):
each failing one is a 422 on ``channels.N.url`` in FastAPI's list shape, and nothing is stored.
E-mail addresses need their own consent (``delivery.consent``): saving a watchlist asks every
address that needs asking (one confirmation mail each), and every response shows, per e-mail
channel, each address's ``consent``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from newswatch_alert.common.openapi import EXAMPLE_TIME, EXAMPLE_USER_ID, errors, example
from newswatch_alert.common.parts import part
from newswatch_alert.delivery.channels import EmailChannel
from newswatch_alert.delivery.consent import ConsentStore
from newswatch_alert.delivery.destinations import DestinationRules, channel_problems
from newswatch_alert.users.auth import current_user
from newswatch_alert.watchlists.concepts import Checked, check_watchlist
from newswatch_alert.watchlists.edit import WatchlistPatch
from newswatch_alert.watchlists.models import Watchlist, WatchlistIn, WatchlistList, WatchlistOut
from newswatch_alert.watchlists.store import TooManyWatchlists, WatchlistStore
from newswatch_shared.concepts import ConceptScheme
from newswatch_shared.schemas import utcnow

__all__ = ["watchlist_example", "watchlist_in_example", "watchlists_router"]

Watchlists = Annotated[WatchlistStore, Depends(part(WatchlistStore))]
Consents = Annotated[ConsentStore, Depends(part(ConsentStore))]
Scheme = Annotated[ConceptScheme, Depends(part(ConceptScheme))]
UserId = Annotated[str, Depends(current_user)]
WatchlistId = Annotated[
    str, Path(description="The watchlist's id.", openapi_examples={"id": {"value": "0a4e6f1c2b3d5e7f"}})
]

NOT_FOUND = "watchlist not found"
PATCH_EXAMPLES: dict[str, Any] = {
    "pause": {"summary": "Pause the watchlist (kept, matches nothing)", "value": {"enabled": False}},
    "keywords": {"summary": "Replace the keywords", "value": {"keywords": ["troops", "mobilisation"]}},
    "no query": {"summary": "Remove the query", "value": {"query": None}},
}


def _body_errors(error: ValidationError) -> RequestValidationError:
    """A validation failure found after parsing, reported like FastAPI's own 422 (loc under body)."""
    problems: list[dict[str, Any]] = []
    for problem in error.errors(include_url=False):
        entry: dict[str, Any] = {**problem, "loc": ("body", *problem["loc"])}
        entry.pop("ctx", None)  # may hold the exception object, which is not JSON
        problems.append(entry)
    return RequestValidationError(problems)


def checked_concepts(
    data: dict[str, Any], scheme: ConceptScheme, loc: tuple[str, ...] = ("body",)
) -> Checked:
    """The query's and keywords' concepts resolved (``watchlists.concepts``); a 422 naming each term or
    category the scheme does not know, with the nearest known ones."""
    checked = check_watchlist(data, scheme, loc)
    if checked.problems:
        raise RequestValidationError(checked.problems)
    return checked


def _out(watchlist: Watchlist, notes: list[str] | None = None) -> WatchlistOut:
    return WatchlistOut.model_validate({**watchlist.model_dump(), "notes": notes or []})


async def _check_destinations(channels: list[BaseModel] | None, rules: DestinationRules) -> None:
    """A 422 naming each channel URL the destination rules refuse (``channels.N.url``)."""
    problems = await channel_problems(channels or [], rules)
    if problems:
        raise RequestValidationError(
            [
                {
                    "type": "url_refused",
                    "loc": ("body", "channels", p.index, "url"),
                    "msg": p.message,
                    "input": p.url,
                }
                for p in problems
            ]
        )


def _addresses(watchlist: Watchlist) -> list[str]:
    return [a for c in watchlist.channels if isinstance(c, EmailChannel) for a in c.to]


async def _shown(consents: ConsentStore, watchlist: Watchlist) -> Watchlist:
    """The watchlist with each e-mail address's consent filled in (responses only; never stored)."""
    addresses = _addresses(watchlist)
    if not addresses:
        return watchlist
    found = await consents.statuses(watchlist.user_id, addresses)
    channels = [
        c.model_copy(update={"consent": {a: found[a] for a in c.to}}) if isinstance(c, EmailChannel) else c
        for c in watchlist.channels
    ]
    return watchlist.model_copy(update={"channels": channels})


async def _saved(consents: ConsentStore, watchlist: Watchlist) -> Watchlist:
    """After a save: ask the addresses that need asking, then show the result."""
    await consents.request(watchlist.user_id, _addresses(watchlist), utcnow())
    return await _shown(consents, watchlist)


def watchlists_router(rules: DestinationRules) -> APIRouter:
    router = APIRouter(tags=["watchlists"])

    @router.post(
        "/watchlists",
        status_code=status.HTTP_201_CREATED,
        summary="Create a watchlist",
        description=(
            "Webhook secrets are generated when not given; the response shows them. A term or category "
            "the concept scheme does not know is a 422 with the nearest known ones; a variant is stored "
            "as its concept, which `notes` says."
        ),
        responses={
            **errors(401, 409, e409="The caller owns the most watchlists allowed."),
            **example(watchlist_example(), 201),
        },
    )
    async def create_watchlist(
        body: Annotated[WatchlistIn, Body(openapi_examples={"border": {"value": watchlist_in_example()}})],
        user_id: UserId,
        watchlists: Watchlists,
        consents: Consents,
        scheme: Scheme,
    ) -> WatchlistOut:
        checked = checked_concepts(body.model_dump(include={"query", "keywords"}), scheme)
        body = body.model_copy(update=checked.values)
        await _check_destinations(list(body.channels), rules)
        try:
            created = await watchlists.create(user_id, body, utcnow())
        except TooManyWatchlists as e:
            raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from e
        return _out(await _saved(consents, created), checked.notes)

    @router.get(
        "/watchlists",
        summary="The caller's watchlists, oldest first",
        responses={**errors(401), **example({"watchlists": [watchlist_example()]})},
    )
    async def list_watchlists(user_id: UserId, watchlists: Watchlists, consents: Consents) -> WatchlistList:
        return WatchlistList(
            watchlists=[_out(await _shown(consents, w)) for w in await watchlists.list_for(user_id)]
        )

    @router.get(
        "/watchlists/{watchlist_id}",
        summary="One of the caller's watchlists, channel secrets included",
        responses={**errors(401, 404, e404=NOT_FOUND), **example(watchlist_example())},
    )
    async def get_watchlist(
        watchlist_id: WatchlistId, user_id: UserId, watchlists: Watchlists, consents: Consents
    ) -> WatchlistOut:
        watchlist = await watchlists.get(user_id, watchlist_id)
        if watchlist is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
        return _out(await _shown(consents, watchlist))

    @router.patch(
        "/watchlists/{watchlist_id}",
        summary="Change some fields of one of the caller's watchlists",
        description=(
            "Send only the fields to change; each replaces the stored value (lists are replaced, not "
            "merged). The result must be a valid watchlist (422 otherwise, nothing stored). Unknown "
            "and read-only fields (`id`, `created_at`, …) are refused. A channel sent again with the "
            "same target keeps its id and secret. An empty body changes nothing. A query or keywords "
            "sent are checked against the concept scheme as in a POST (`notes` says what was resolved)."
        ),
        responses={**errors(401, 404, e404=NOT_FOUND), **example(watchlist_example())},
    )
    async def patch_watchlist(
        watchlist_id: WatchlistId,
        body: Annotated[WatchlistPatch, Body(openapi_examples=PATCH_EXAMPLES)],
        user_id: UserId,
        watchlists: Watchlists,
        consents: Consents,
        scheme: Scheme,
    ) -> WatchlistOut:
        changes = body.model_dump(exclude_unset=True)
        checked = checked_concepts(changes, scheme)  # only what is sent: a stored name stays as it is
        changes.update(checked.values)
        if "channels" in changes:  # only what is written is checked: stored channels load as they are
            await _check_destinations(getattr(body, "channels", None), rules)
        try:
            watchlist = await watchlists.update(user_id, watchlist_id, changes, utcnow())
        except ValidationError as e:
            raise _body_errors(e) from e
        if watchlist is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
        return _out(await _saved(consents, watchlist), checked.notes)

    @router.delete(
        "/watchlists/{watchlist_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Delete one of the caller's watchlists (alerts already made stay)",
        responses=errors(401, 404, e404=NOT_FOUND),
    )
    async def delete_watchlist(
        watchlist_id: WatchlistId, user_id: UserId, watchlists: Watchlists
    ) -> Response:
        if not await watchlists.delete(user_id, watchlist_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


def watchlist_in_example() -> dict[str, Any]:
    body = {
        "name": "Eastern border",
        "entities": ["UA"],
        "keywords": ["troops", "invasion"],
        "channels": [{"type": "webhook", "url": "https://hooks.example.org/newswatch"}],
    }
    return WatchlistIn.model_validate(body).model_dump(mode="json", exclude_none=True)


def watchlist_example() -> dict[str, Any]:
    body = WatchlistIn.model_validate(watchlist_in_example())
    channel = {
        **body.channels[0].model_dump(exclude_none=True),
        "id": "c0ffee12",
        "secret": "generated-secret-shown-to-the-owner",
    }
    return WatchlistOut.model_validate(
        {
            **body.model_dump(exclude={"channels"}),
            "id": "0a4e6f1c2b3d5e7f",
            "user_id": EXAMPLE_USER_ID,
            "channels": [channel],
            "created_at": EXAMPLE_TIME,
        }
    ).model_dump(mode="json")
