"""Complaints (docs/complaints.md): opening one, its actions and reading them. Agents and
supervisors only: a technician is not told of complaints (403), as a complaint may be
about their own work. Each change is an update of the complaint's workflow."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.exceptions import WorkflowAlreadyStartedError

from api import complaint_commands as commands
from api.auth import Principal, approve_compensation, role
from api.case_ids import keyed_case_id, random_case_id
from api.commands import WorkflowClosed
from api.complaint_queries import complaint_page, complaint_view
from api.complaint_schemas import ComplaintId, ComplaintList, ComplaintView
from api.deps import Db, Services, Svc
from api.errors import ApiError, business, invalid, responses, temporal_unavailable
from api.errors import not_found as case_not_found
from api.queries import CURSOR_LENGTH, CURSOR_PATTERN, BadCursor
from api.schemas import NO_NUL, IdempotencyKey, QueryBool
from models import errors, idempotency
from models.complaint_payloads import ComplaintStart
from models.complaints import (
    ID_PREFIX,
    ComplaintCallback,
    ComplaintClosing,
    ComplaintIntake,
    ComplaintOwner,
    ComplaintStatus,
)
from models.domain import Role
from models.phones import normalize
from models.tables import CaseRow, ComplaintRow, CustomerRow, StaffContactRow

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])

ID_ATTEMPTS = 5
Staff = Annotated[Principal, Depends(role(Role.AGENT, Role.SUPERVISOR, what="handle complaints"))]
Supervisor = Annotated[Principal, Depends(role(Role.SUPERVISOR, what="give a complaint its owner"))]


# OpenAPI links from an answer naming a complaint to the operations on it (see api/links.py)
COMPLAINT_OPERATIONS = ("get_complaint", "call_back_complaint", "assign_complaint_owner", "close_complaint")


def to_complaint(pointer: str = "/complaint_id") -> dict[str, Any]:
    return {
        "links": {
            operation: {"operationId": operation, "parameters": {"complaint_id": f"$response.body#{pointer}"}}
            for operation in COMPLAINT_OPERATIONS
        }
    }


def not_found(complaint_id: str) -> ApiError:
    return ApiError(404, "not_found", f"complaint {complaint_id} not found")


def _now() -> datetime:
    return datetime.now(UTC)


async def _customer(session: AsyncSession, intake: ComplaintIntake) -> int | None:
    """The customer the complaint is about: by the phone the agent has, else the case's.
    404 for an unknown case, 422 for a phone number no customer has."""
    case_customer = None
    if intake.case_id is not None:
        case = (await session.execute(select(CaseRow.customer_id).where(CaseRow.case_id == intake.case_id))).first()
        if case is None:
            raise case_not_found(intake.case_id)
        case_customer = case.customer_id
    if intake.customer_phone is None:
        return case_customer
    found = await session.scalar(
        select(CustomerRow.id)
        .where(CustomerRow.phone_digits == normalize(intake.customer_phone))
        .order_by(CustomerRow.id)
    )
    if found is None:
        raise invalid([{"field": "customer_phone", "message": "no customer has this phone number"}])
    return found


async def _by_key(session: AsyncSession, key: str) -> ComplaintRow | None:
    return await session.scalar(select(ComplaintRow).where(ComplaintRow.idempotency_key == key))


async def _start(session: AsyncSession, svc: Services, start: ComplaintStart) -> tuple[str, bool]:
    """Starts the complaint's workflow under a free id; returns the id it was recorded under
    and whether an earlier request with the same key made it."""
    key, today = start.idempotency_key, _now().date()
    for attempt in range(ID_ATTEMPTS):
        complaint_id = keyed_case_id(key, today, attempt, ID_PREFIX) if key else random_case_id(today, ID_PREFIX)
        holder = (
            await session.execute(select(ComplaintRow.idempotency_key).where(ComplaintRow.complaint_id == complaint_id))
        ).first()
        if holder is not None:
            if key and holder.idempotency_key == key:
                return complaint_id, True
            continue  # the id belongs to another complaint
        await session.close()  # no connection held while the workflow works
        try:
            await commands.open_complaint(
                svc.temporal,
                svc.settings.task_queue,
                start.model_copy(update={"complaint_id": complaint_id}),
                reuse_running=key is not None,
                within=svc.settings.answer_timeout,
            )
        except WorkflowAlreadyStartedError:
            continue
        except WorkflowClosed:
            pass  # closed already: a retry that came after the first attempt was closed
        if key and (mine := await _by_key(session, key)) is not None:
            # this id, or the same key's first attempt under another
            return mine.complaint_id, mine.complaint_id != complaint_id
        if not key:
            return complaint_id, False
    raise temporal_unavailable("could not allocate a complaint id; try again")


@router.post(
    "",
    status_code=201,
    response_model=ComplaintView,
    summary="Open a complaint",
    responses={
        200: {"model": ComplaintView, "description": "replayed", **to_complaint()},
        201: to_complaint(),
        **responses(401, 403, 404, 422, body=True),
    },
)
async def open_complaint(
    response: Response,
    intake: ComplaintIntake,
    principal: Staff,
    session: Db,
    svc: Svc,
    idempotency_key: IdempotencyKey = None,
) -> ComplaintView:
    """Starts its clocks: the callback (by channel) and the resolution (docs/complaints.md)."""
    if intake.missing_subject():
        message = "a complaint is about a case (case_id) or a customer (customer_phone): give at least one"
        raise invalid([{"field": "case_id", "message": message}])
    customer_id = await _customer(session, intake)
    key = idempotency_key and idempotency.scoped_key(principal.name, idempotency_key)
    body = idempotency.body_digest(intake.model_dump_json())
    earlier = key and await _by_key(session, key)
    replayed = bool(earlier)
    if earlier:
        complaint_id = earlier.complaint_id
    else:
        start = ComplaintStart(
            complaint_id="",
            intake=intake,
            customer_id=customer_id,
            actor=principal.actor,
            idempotency_key=key,
            idempotency_body=body if key else None,
            action_retry_seconds=svc.settings.action_retry_seconds,
        )
        complaint_id, replayed = await _start(session, svc, start)
    if key:
        stored = await session.scalar(
            select(ComplaintRow.idempotency_body).where(ComplaintRow.complaint_id == complaint_id)
        )
        if stored != body:
            raise business(errors.idempotency_key_reused())
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    view = await complaint_view(session, complaint_id, _now())
    if view is None:  # the workflow answers only once the complaint is written
        raise temporal_unavailable("the complaint was not recorded; try again")
    return view


@router.get(
    "",
    response_model=ComplaintList,
    summary="List complaints, newest first",
    responses={200: to_complaint("/items/0/complaint_id"), **responses(401, 403, 422)},
)
async def list_complaints(
    principal: Staff,
    session: Db,
    status: ComplaintStatus | None = None,
    case_id: Annotated[str | None, Query(min_length=1, max_length=32, pattern=NO_NUL)] = None,
    overdue: Annotated[QueryBool | None, Query(description="past a deadline it has not met")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None,
        Query(max_length=CURSOR_LENGTH, pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page"),
    ] = None,
) -> ComplaintList:
    filters = {"status": status and status.value, "case_id": case_id}
    try:
        items, next_cursor = await complaint_page(session, filters, overdue, limit, cursor, _now())
    except BadCursor:
        raise invalid([{"field": "cursor", "message": "invalid cursor"}]) from None
    return ComplaintList(items=items, next_cursor=next_cursor)


@router.get(
    "/{complaint_id}",
    response_model=ComplaintView,
    summary="One complaint, with its clocks and timeline",
    responses={200: to_complaint(), **responses(401, 403, 404, 422)},
)
async def get_complaint(complaint_id: ComplaintId, principal: Staff, session: Db) -> ComplaintView:
    view = await complaint_view(session, complaint_id, _now())
    if view is None:
        raise not_found(complaint_id)
    return view


async def _act(
    session: AsyncSession,
    svc: Services,
    principal: Principal,
    complaint_id: str,
    action: str,
    body: BaseModel,
    idempotency_key: str | None,
) -> ComplaintView:
    """404, then 409 for a closed complaint (its status), then the workflow's own answer."""
    status = await session.scalar(select(ComplaintRow.status).where(ComplaintRow.complaint_id == complaint_id))
    if status is None:
        raise not_found(complaint_id)
    if status != ComplaintStatus.OPEN:
        raise business(errors.closed(f"complaint {complaint_id}", status))
    update_id = idempotency_key and idempotency.update_id(
        principal.name, idempotency_key, action, body.model_dump_json()
    )
    await session.close()  # no connection held while the workflow works
    try:
        await commands.act(
            svc.temporal,
            complaint_id,
            action,
            principal.actor,
            body,
            update_id=update_id,
            within=svc.settings.answer_timeout,
        )
    except WorkflowClosed:
        status = await session.scalar(select(ComplaintRow.status).where(ComplaintRow.complaint_id == complaint_id))
        raise business(errors.closed(f"complaint {complaint_id}", status or "closed")) from None
    view = await complaint_view(session, complaint_id, _now())
    assert view is not None
    return view


ACTION_RESPONSES = responses(401, 403, 404, 409, 422, body=True)


@router.post(
    "/{complaint_id}/callback",
    response_model=ComplaintView,
    summary="Record the callback to the customer (meets the callback clock)",
    responses=ACTION_RESPONSES,
)
async def call_back_complaint(
    complaint_id: ComplaintId,
    body: ComplaintCallback,
    principal: Staff,
    session: Db,
    svc: Svc,
    idempotency_key: IdempotencyKey = None,
) -> ComplaintView:
    return await _act(session, svc, principal, complaint_id, "callback", body, idempotency_key)


@router.put(
    "/{complaint_id}/owner",
    response_model=ComplaintView,
    summary="Give the complaint its owner (a supervisor)",
    responses=ACTION_RESPONSES,
)
async def assign_complaint_owner(
    complaint_id: ComplaintId,
    body: ComplaintOwner,
    principal: Supervisor,
    session: Db,
    svc: Svc,
    idempotency_key: IdempotencyKey = None,
) -> ComplaintView:
    if await session.scalar(select(ComplaintRow.status).where(ComplaintRow.complaint_id == complaint_id)) is None:
        raise not_found(complaint_id)
    staff = await session.get(StaffContactRow, body.owner)
    if staff is None or not staff.active:
        raise invalid([{"field": "owner", "message": f"no active staff contact {body.owner} (GET /api/v1/staff)"}])
    return await _act(session, svc, principal, complaint_id, "owner", body, idempotency_key)


@router.post(
    "/{complaint_id}/close",
    response_model=ComplaintView,
    summary="Close the complaint: resolved, compensated or rejected, with the reason",
    responses=ACTION_RESPONSES,
)
async def close_complaint(
    complaint_id: ComplaintId,
    body: ComplaintClosing,
    principal: Staff,
    session: Db,
    svc: Svc,
    idempotency_key: IdempotencyKey = None,
) -> ComplaintView:
    """Compensation above REPAIRFLOW_COMPENSATION_APPROVAL_ABOVE is a supervisor's to record."""
    if await session.scalar(select(ComplaintRow.status).where(ComplaintRow.complaint_id == complaint_id)) is None:
        raise not_found(complaint_id)
    approve_compensation(body.compensation, principal, svc.settings)
    return await _act(session, svc, principal, complaint_id, "close", body, idempotency_key)
