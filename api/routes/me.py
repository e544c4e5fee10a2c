"""The calling technician's own work list."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import Principal, role
from api.deps import Db
from api.errors import invalid, responses
from api.links import to_case
from api.queries import BadCursor
from api.schemas import WorkList
from api.work_list import CURSOR_LENGTH, CURSOR_PATTERN, work_list
from models.domain import Role

router = APIRouter(prefix="/api/v1/me", tags=["technicians"])


@router.get(
    "/cases",
    response_model=WorkList,
    summary="My open cases, most urgent first",
    responses={200: to_case("/items/0/case_id"), **responses(401, 403, 422)},
)
async def my_cases(
    principal: Annotated[Principal, Depends(role(Role.TECHNICIAN, what="have a work list"))],
    session: Db,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None,
        Query(max_length=CURSOR_LENGTH, pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page"),
    ] = None,
) -> WorkList:
    """The open cases assigned to the caller, by their earliest running SLA deadline; those
    with none running (met or paused) last."""
    assert principal.technician_id is not None  # a technician key always names its technician
    try:
        items, next_cursor = await work_list(session, principal.technician_id, limit, cursor)
    except BadCursor:
        raise invalid([{"field": "cursor", "message": "invalid cursor"}]) from None
    return WorkList(items=items, next_cursor=next_cursor)
