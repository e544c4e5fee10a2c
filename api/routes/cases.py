"""Opening cases and reading them."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Response
from sqlalchemy import String, bindparam, exists, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.exceptions import WorkflowAlreadyStartedError

from api import commands
from api.auth import Caller, Principal, role
from api.case_ids import keyed_case_id, random_case_id
from api.deps import Db, Services, Svc
from api.errors import ApiError, business, invalid, not_found, responses, temporal_unavailable
from api.links import to_case
from api.queries import CURSOR_LENGTH, CURSOR_PATTERN, BadCursor, case_page, case_view, timeline
from api.schemas import NO_NUL, CaseId, CaseList, CaseStatus, CaseView, QueryBool, Timeline
from api.search import QUERY_LENGTH
from models import errors, idempotency
from models.domain import Intake, Priority, Role
from models.errors import ErrorKind
from models.payloads import CaseStart
from models.stages import Stage
from models.tables import CaseRow, DeviceRow, TechnicianRow

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

ID_ATTEMPTS = 5
TRIAGE_POLL = 0.1
# the last time zone to reach a date: a purchase made "today" anywhere is not in the future
LATEST_ZONE = timezone(timedelta(hours=14))

INTAKE_EXAMPLES = {
    "washer": {
        "summary": "Washer that does not drain",
        "value": {
            "channel": "phone",
            "customer": {
                "name": "Wang Fang",
                "phone": "13800138000",
                "email": None,
                "address": "No. 8 Century Ave, Pudong",
                "locale": "zh-CN",
                "tier": "standard",
            },
            "product": {
                "category": "washer",
                "model": "XQG100",
                "serial_number": "SN-WX-0001",
                "purchase_date": "2026-03-01",
            },
            "fault": {"description": "Drum does not spin, water stays in", "safety_hazard": False},
            "service_mode": "on_site",
        },
    },
    "hazard": {
        "summary": "Safety hazard (becomes P1)",
        "value": {
            "channel": "wechat",
            "customer": {"name": "Li Lei", "phone": "13900139000", "locale": "zh-CN", "tier": "vip"},
            "product": {
                "category": "air_conditioner",
                "model": "KFR-35GW",
                "serial_number": "SN-AC-0042",
                "purchase_date": "2024-06-18",
            },
            "fault": {
                "description": "Burning smell from the indoor unit",
                "safety_hazard": True,
                "severity": "total_failure",
            },
        },
    },
}


def duplicate(case_id: str) -> ApiError:
    return business(errors.duplicate_open_case(case_id))


async def _by_key(session: AsyncSession, key: str) -> str | None:
    return await session.scalar(select(CaseRow.case_id).where(CaseRow.idempotency_key == key))


async def _triaged(session: AsyncSession, case_id: str, within: float) -> None:
    """A retry can arrive while the first request's triage still runs: it answers, as the
    first does, with the triaged case."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while await session.scalar(select(CaseRow.priority).where(CaseRow.case_id == case_id)) is None:
        if loop.time() > deadline:
            raise temporal_unavailable("the case is recorded but not triaged yet; try again")
        await asyncio.sleep(TRIAGE_POLL)


async def _same_request(session: AsyncSession, case_id: str, body: str) -> None:
    """A key answers only the request it first came with."""
    stored = await session.scalar(select(CaseRow.idempotency_body).where(CaseRow.case_id == case_id))
    if stored != body:
        raise business(errors.idempotency_key_reused())


# the open case of the device :serial_number (at most one: a partial unique index)
OPEN_CASE_OF_DEVICE = (
    select(CaseRow.case_id)
    .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
    .where(DeviceRow.serial_number == bindparam("serial_number"), CaseRow.status == "open")
    .limit(1)
)


async def _open_case_for(session: AsyncSession, serial_number: str) -> str | None:
    return await session.scalar(OPEN_CASE_OF_DEVICE, {"serial_number": serial_number})


def _holder_and_open_case(with_open_case: bool) -> Any:
    """The row holding :case_id (kind `holder`), and with `with_open_case` the open case of
    the device :serial_number (kind `open`)."""
    holder = select(literal("holder").label("kind"), CaseRow.case_id, CaseRow.idempotency_key).where(
        CaseRow.case_id == bindparam("case_id")
    )
    if not with_open_case:
        return holder
    open_case = OPEN_CASE_OF_DEVICE.subquery()
    return union_all(holder, select(literal("open"), open_case.c.case_id, literal(None, String)))


HOLDER_AND_OPEN_CASE = {first: _holder_and_open_case(first) for first in (True, False)}


async def _serves(session: AsyncSession, region: str) -> bool:
    """Whether an active technician covers `region` (GET /api/v1/regions)."""
    return bool(await session.scalar(select(exists().where(TechnicianRow.active, TechnicianRow.region == region))))


async def _start(
    session: AsyncSession, svc: Services, principal: Principal, intake: Intake, key: str | None, body: str
) -> tuple[str, bool]:
    """Starts the case workflow; returns (case id, whether an earlier request made it)."""
    today = datetime.now(UTC).date()
    for attempt in range(ID_ATTEMPTS):
        case_id = keyed_case_id(key, today, attempt) if key else random_case_id(today)
        # the first look also asks for an open case of the device, in the same round trip
        look = {"case_id": case_id} | ({} if attempt else {"serial_number": intake.product.serial_number})
        found = (await session.execute(HOLDER_AND_OPEN_CASE[attempt == 0], look)).all()
        if open_id := next((row.case_id for row in found if row.kind == "open"), None):
            raise duplicate(open_id)
        holder = next((row for row in found if row.kind == "holder"), None)
        if holder is not None:
            if key and holder.idempotency_key == key:
                return case_id, True
            continue  # the id belongs to another case
        await session.close()  # no connection held while the workflow works
        start = CaseStart(
            case_id=case_id,
            intake=intake,
            actor=principal.actor,
            idempotency_key=key,
            idempotency_body=body if key else None,
        )
        try:
            await commands.open_case(
                svc.temporal,
                svc.settings.task_queue,
                start,
                reuse_running=key is not None,
                within=svc.settings.answer_timeout,
            )
        except WorkflowAlreadyStartedError:
            continue
        except (ApiError, commands.WorkflowClosed) as err:
            refused = isinstance(err, ApiError) and err.kind is ErrorKind.DUPLICATE_OPEN_CASE
            if isinstance(err, ApiError) and not refused:
                raise
            # the workflow refused the intake, or ended before answering: say why from the database
            if key and (mine := await _by_key(session, key)):
                return mine, True  # the same key's first attempt, under another day's id
            if refused:
                raise
            if open_id := await _open_case_for(session, intake.product.serial_number):
                raise duplicate(open_id) from err
            raise temporal_unavailable("the case workflow ended before recording the intake") from err
        if key and await session.scalar(select(CaseRow.idempotency_key).where(CaseRow.case_id == case_id)) != key:
            continue  # another key's intake took this id at the same moment
        return case_id, False
    raise temporal_unavailable("could not allocate a case id; try again")


@router.post(
    "",
    status_code=201,
    response_model=CaseView,
    summary="Open a case (intake)",
    responses={
        200: {"model": CaseView, "description": "replayed: the case this Idempotency-Key made", **to_case()},
        201: to_case(),
        **responses(401, 403, 409, 422, body=True),
    },
)
async def open_case(
    response: Response,
    intake: Annotated[Intake, Body(openapi_examples=INTAKE_EXAMPLES)],
    principal: Annotated[Principal, Depends(role(Role.AGENT, Role.SUPERVISOR, what="open cases"))],
    session: Db,
    svc: Svc,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="retries with the same key and body return the same case; the same key with "
            "another body is refused (422 idempotency_key_reused). Keys are the caller's own.",
        ),
    ] = None,
) -> CaseView:
    """Records the intake and runs triage (warranty, priority, service mode, SLA clock);
    answers once both are written. 409 `duplicate_open_case` when the serial number
    already has an open case."""
    if intake.product.purchase_date > datetime.now(LATEST_ZONE).date():
        raise invalid([{"field": "product.purchase_date", "message": "the purchase date is in the future"}])
    if intake.customer.region is not None and not await _serves(session, intake.customer.region):
        raise invalid(
            [{"field": "customer.region", "message": "no technician serves this region (GET /api/v1/regions)"}]
        )
    key = idempotency_key and idempotency.scoped_key(principal.name, idempotency_key)
    body = idempotency.body_digest(intake.model_dump_json())
    case_id = key and await _by_key(session, key)
    if case_id:
        replayed = True
    else:
        case_id, replayed = await _start(session, svc, principal, intake, key, body)
    if key:
        await _same_request(session, case_id, body)
    if replayed:
        await _triaged(session, case_id, svc.settings.answer_timeout)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    view = await case_view(session, case_id, principal)
    if view is None:  # the workflow answers only after intake is written
        raise temporal_unavailable("the case was not recorded; try again")
    return view


@router.get(
    "",
    response_model=CaseList,
    summary="List cases, newest first",
    responses={200: to_case("/items/0/case_id"), **responses(401, 422)},
)
async def list_cases(
    principal: Caller,
    session: Db,
    stage: Stage | None = None,
    priority: Priority | None = None,
    status: CaseStatus | None = None,
    sla_breached: QueryBool | None = None,
    technician_id: Annotated[str | None, Query(min_length=1, max_length=32, pattern=NO_NUL)] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=QUERY_LENGTH,
            pattern=NO_NUL,
            description="a serial number (any letter case), a phone number (written any way) or a "
            "fragment of the customer's name",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None,
        Query(max_length=CURSOR_LENGTH, pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page"),
    ] = None,
) -> CaseList:
    if principal.role is Role.TECHNICIAN:
        # a technician's list is their own cases, whatever else it is filtered by
        if technician_id not in (None, principal.technician_id):
            return CaseList(items=[], next_cursor=None)
        technician_id = principal.technician_id
    filters = {
        "stage": stage and stage.value,
        "priority": priority and priority.value,
        "status": status,
        "sla_breached": sla_breached,
        "technician_id": technician_id,
    }
    try:
        items, next_cursor = await case_page(session, filters, limit, cursor, q and q.strip())
    except BadCursor:
        raise invalid([{"field": "cursor", "message": "invalid cursor"}]) from None
    return CaseList(items=items, next_cursor=next_cursor)


@router.get(
    "/{case_id}",
    response_model=CaseView,
    summary="One case",
    responses={200: to_case(), **responses(401, 404, 422)},
)
async def get_case(case_id: CaseId, principal: Caller, session: Db) -> CaseView:
    view = await case_view(session, case_id, principal)
    if view is None or not principal.may_see(view.technician_id):
        raise not_found(case_id)
    return view


@router.get(
    "/{case_id}/timeline",
    response_model=Timeline,
    summary="What happened to a case, oldest first",
    responses=responses(401, 404, 422),
)
async def get_timeline(case_id: CaseId, principal: Caller, session: Db) -> Timeline:
    case = (await session.execute(select(CaseRow.technician_id).where(CaseRow.case_id == case_id))).first()
    if case is None or not principal.may_see(case.technician_id):
        raise not_found(case_id)
    return Timeline(events=await timeline(session, case_id))
