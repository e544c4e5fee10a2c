"""Follow-ups of unhappy customers (docs/complaints.md#follow-ups): a reached callback with
a low score opens one per case, owned by someone until it is closed with an outcome.
Agents and supervisors see and close them; a supervisor gives one its owner; a
technician is not told of them (403).

A follow-up belongs to a case whose workflow has usually ended by then (the callback is
its last step), so the API writes its owner and its closing itself, each in one
conditional UPDATE, as it does for staff contacts."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select, update

from api.auth import Principal, role
from api.complaint_queries import FOLLOW_UP_CURSOR_PATTERN, follow_up_page, follow_up_view
from api.complaint_schemas import FollowUpClosing, FollowUpId, FollowUpList, FollowUpOwner, FollowUpStatus, FollowUpView
from api.deps import Db
from api.errors import ApiError, business, invalid, responses
from api.queries import CURSOR_LENGTH, BadCursor
from api.schemas import NO_NUL, QueryBool
from models import errors
from models.domain import Role
from models.tables import FollowUpRow, StaffContactRow

router = APIRouter(prefix="/api/v1/follow-ups", tags=["complaints"])

Staff = Annotated[Principal, Depends(role(Role.AGENT, Role.SUPERVISOR, what="handle follow-ups"))]
Supervisor = Annotated[Principal, Depends(role(Role.SUPERVISOR, what="give a follow-up its owner"))]


# OpenAPI links from an answer naming a follow-up to the operations on it (see api/links.py)
FOLLOW_UP_OPERATIONS = ("get_follow_up", "assign_follow_up_owner", "close_follow_up")


def to_follow_up(pointer: str = "/id") -> dict[str, Any]:
    return {
        "links": {
            operation: {"operationId": operation, "parameters": {"follow_up_id": f"$response.body#{pointer}"}}
            for operation in FOLLOW_UP_OPERATIONS
        }
    }


def not_found(follow_up_id: int) -> ApiError:
    return ApiError(404, "not_found", f"follow-up {follow_up_id} not found")


def _now() -> datetime:
    return datetime.now(UTC)


@router.get(
    "",
    response_model=FollowUpList,
    summary="List follow-ups, newest first",
    responses={200: to_follow_up("/items/0/id"), **responses(401, 403, 422)},
)
async def list_follow_ups(
    principal: Staff,
    session: Db,
    status: FollowUpStatus | None = None,
    overdue: Annotated[QueryBool | None, Query(description="open and past its deadline")] = None,
    owner: Annotated[str | None, Query(min_length=1, max_length=32, pattern=NO_NUL)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None,
        Query(
            max_length=CURSOR_LENGTH, pattern=FOLLOW_UP_CURSOR_PATTERN, description="`next_cursor` of the previous page"
        ),
    ] = None,
) -> FollowUpList:
    try:
        items, next_cursor = await follow_up_page(
            session, {"status": status, "owner": owner}, overdue, limit, cursor, _now()
        )
    except BadCursor:
        raise invalid([{"field": "cursor", "message": "invalid cursor"}]) from None
    return FollowUpList(items=items, next_cursor=next_cursor)


@router.get(
    "/{follow_up_id}",
    response_model=FollowUpView,
    summary="One follow-up",
    responses={200: to_follow_up(), **responses(401, 403, 404, 422)},
)
async def get_follow_up(follow_up_id: FollowUpId, principal: Staff, session: Db) -> FollowUpView:
    row = await session.get(FollowUpRow, follow_up_id)
    if row is None:
        raise not_found(follow_up_id)
    return follow_up_view(row, _now())


async def _change(session: Db, follow_up_id: int, **values: object) -> FollowUpView:
    """Changes an open follow-up; 404 for none, 409 with its status for a closed one."""
    changed = await session.scalar(
        update(FollowUpRow)
        .where(FollowUpRow.id == follow_up_id, FollowUpRow.status == "open")
        .values(**values)
        .returning(FollowUpRow.id)
    )
    if changed is None:
        status = await session.scalar(select(FollowUpRow.status).where(FollowUpRow.id == follow_up_id))
        if status is None:
            raise not_found(follow_up_id)
        raise business(errors.closed(f"follow-up {follow_up_id}", status))
    await session.commit()
    row = await session.get(FollowUpRow, follow_up_id, populate_existing=True)
    assert row is not None
    return follow_up_view(row, _now())


CHANGE_RESPONSES = responses(401, 403, 404, 409, 422, body=True)


@router.put(
    "/{follow_up_id}/owner",
    response_model=FollowUpView,
    summary="Give the follow-up its owner",
    responses=CHANGE_RESPONSES,
)
async def assign_follow_up_owner(
    follow_up_id: FollowUpId, body: FollowUpOwner, principal: Supervisor, session: Db
) -> FollowUpView:
    if await session.get(FollowUpRow, follow_up_id) is None:
        raise not_found(follow_up_id)
    staff = await session.get(StaffContactRow, body.owner)
    if staff is None or not staff.active:
        raise invalid([{"field": "owner", "message": f"no active staff contact {body.owner} (GET /api/v1/staff)"}])
    return await _change(session, follow_up_id, owner=body.owner)


@router.post(
    "/{follow_up_id}/close",
    response_model=FollowUpView,
    summary="Close the follow-up with its outcome and a note; once",
    responses=CHANGE_RESPONSES,
)
async def close_follow_up(
    follow_up_id: FollowUpId, body: FollowUpClosing, principal: Staff, session: Db
) -> FollowUpView:
    return await _change(
        session,
        follow_up_id,
        status="closed",
        outcome=body.outcome,
        note=body.note,
        closed_at=_now(),
        closed_by=str(principal.actor),
    )
