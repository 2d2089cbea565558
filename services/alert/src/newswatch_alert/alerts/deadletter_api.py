"""Dead deliveries and their redrive: a user's own (``/deliveries/dead``) and every user's (admin).

A user lists the deliveries of their alerts and digests that were given up on, and redrives one
(after fixing their receiver): it goes back in the outbox with fresh attempts and the same
Idempotency-Key. Another user's dead letter answers 404, as a missing one. The admin lists everyone's,
filtered, and redrives all that match at once, e.g. every delivery to a host after its outage. A
redrive is idempotent: the second one queues nothing and answers the same.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, status
from pydantic import SecretStr

from newswatch_alert.common import metrics
from newswatch_alert.common.openapi import EXAMPLE_TIME, EXAMPLE_USER_ID, errors, example
from newswatch_alert.common.parts import part
from newswatch_alert.delivery.deadletter import DeadDelivery
from newswatch_alert.delivery.redrive import (
    AdminRedrive,
    DeadLetterFilter,
    DeadLetters,
    DeadList,
    RedriveReport,
)
from newswatch_alert.users.auth import current_user
from newswatch_shared.auth import admin_guard
from newswatch_shared.schemas import utcnow

__all__ = ["dead_example", "dead_letter_router"]

Dead = Annotated[DeadLetters, Depends(part(DeadLetters))]
UserId = Annotated[str, Depends(current_user)]
DeadId = Annotated[
    str,
    Path(
        max_length=200,
        description="The dead delivery's id, from GET /deliveries/dead: `<alert or digest id>:<channel id>`.",
        openapi_examples={"id": {"value": "7c1f0a9e3b5d2c4e6f8a0b1c:c0ffee12"}},
    ),
]

_NO_DEAD = "dead delivery not found"
_CONFLICT = "It cannot be redriven: what it delivers has expired, or its stored entry does not parse."
_WHY = {
    "expired": "what it delivers has expired (NEWSWATCH_ALERT_ALERT_TTL_S); it cannot be redriven",
    "not_redrivable": "its stored outbox entry does not parse; it cannot be redriven",
}


def dead_letter_router(admin_token: SecretStr) -> APIRouter:
    router = APIRouter(tags=["deliveries"])
    admin_only = [Depends(admin_guard(admin_token))]

    @router.get(
        "/deliveries/dead",
        summary="The caller's dead deliveries, newest first",
        description="Deliveries given up on (after the last attempt, a rate-limit wait past the maximum, "
        "or a stored entry that no longer parses), kept for NEWSWATCH_ALERT_DEAD_LETTER_TTL_S. A redriven "
        "one leaves the list.",
        responses={**errors(401), **example({"dead": [dead_example()], "total": 1})},
    )
    async def list_dead(
        user_id: UserId,
        dead: Dead,
        limit: Annotated[int, Query(ge=1, le=500, description="How many, newest first.")] = 50,
    ) -> DeadList:
        found, total = await dead.list_for(user_id, limit, utcnow())
        return DeadList(dead=found, total=total)

    @router.post(
        "/deliveries/dead/{dead_id}/redrive",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Put one of the caller's dead deliveries back in the outbox, with fresh attempts",
        description="The receiver gets the same body and Idempotency-Key as before. Idempotent: a second "
        "redrive queues nothing and answers the same (with the first one's `redriven_at`).",
        responses={
            **errors(401, 404, 409, e404=_NO_DEAD, e409=_CONFLICT),
            **example(dead_example(redriven=True), 202),
        },
    )
    async def redrive_dead(dead_id: DeadId, user_id: UserId, dead: Dead) -> DeadDelivery:
        outcome, found = await dead.redrive(dead_id, utcnow(), user_id)
        if outcome == "missing" or found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, _NO_DEAD)
        if outcome in _WHY:
            raise HTTPException(status.HTTP_409_CONFLICT, _WHY[outcome])
        if outcome == "redriven":
            metrics.DELIVERIES_REDRIVEN.labels(found.channel_type or "unknown").inc()
        return found

    @router.get(
        "/admin/deliveries/dead",
        summary="Every user's dead deliveries, newest first, filtered (admin)",
        dependencies=admin_only,
        responses={**errors(401), **example({"dead": [dead_example()], "total": 1})},
    )
    async def list_all_dead(
        which: Annotated[DeadLetterFilter, Query()],
        dead: Dead,
        limit: Annotated[int, Query(ge=1, le=500, description="How many, newest first.")] = 50,
    ) -> DeadList:
        found, total = await dead.list_all(which, limit, utcnow())
        return DeadList(dead=found, total=total)

    @router.post(
        "/admin/deliveries/dead/redrive",
        summary="Redrive every dead delivery matching a filter, e.g. all to a host after its outage (admin)",
        description="Newest first, at most `limit`. Each is redriven as by its owner; the report lists the "
        "ids by outcome. Run it again to redrive more: those done are not matched twice.",
        dependencies=admin_only,
        responses={
            **errors(401),
            **example(RedriveReport(matched=1, redriven=[dead_example()["id"]]).model_dump(mode="json")),
        },
    )
    async def redrive_matching(
        body: Annotated[
            AdminRedrive,
            Body(openapi_examples={"host": {"value": {"channel": "webhook", "host": "hooks.example.org"}}}),
        ],
        dead: Dead,
    ) -> RedriveReport:
        which = DeadLetterFilter.model_validate(body.model_dump(exclude={"limit"}))
        outcomes = await dead.redrive_matching(which, body.limit, utcnow())
        for done in outcomes.get("redriven", []):
            metrics.DELIVERIES_REDRIVEN.labels(done.channel_type or "unknown").inc()
        ids = {outcome: [d.id for d in found] for outcome, found in outcomes.items() if outcome != "missing"}
        return RedriveReport(matched=sum(len(found) for found in outcomes.values()), **ids)

    return router


def dead_example(*, redriven: bool = False) -> dict[str, Any]:
    return DeadDelivery(
        id="7c1f0a9e3b5d2c4e6f8a0b1c:c0ffee12",
        kind="alert",
        subject_id="7c1f0a9e3b5d2c4e6f8a0b1c",
        user_id=EXAMPLE_USER_ID,
        channel_id="c0ffee12",
        channel_type="webhook",
        destination="https://hooks.example.org/…#3fa2c1d0",
        destination_key="9e107d9d372bb6826bd81d35",
        reason="attempts",
        last_error="HTTP 503",
        attempts=8,
        died_at=EXAMPLE_TIME,
        redriven_at=EXAMPLE_TIME if redriven else None,
    ).model_dump(mode="json")
