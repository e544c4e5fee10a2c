"""Human actions on a case (docs/api.md). Each is a Temporal update on the case's
workflow, whose validator is the authority on the stage; the checks here answer the
common refusals without a round trip and in the order 404, 403, 422, 409."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import commands
from api.auth import Caller, Principal, approve_compensation, require
from api.deps import Db, Services, Svc
from api.errors import ApiError, business, invalid, not_found, responses, temporal_unavailable
from api.links import to_case
from api.queries import case_view
from api.schemas import CaseId, CaseView, HandoverRequest, IdempotencyKey, QuoteDecisionRequest
from models import errors, idempotency
from models.domain import (
    Appointment,
    Arrival,
    Assignment,
    Callback,
    Cancel,
    Diagnosis,
    PartQty,
    QcCheck,
    Reassignment,
    RemoteResolution,
    Repair,
    Role,
    SlaExtension,
    TriageOverride,
)
from models.errors import ErrorKind
from models.stages import TERMINAL, Action, Stage, allowed
from models.tables import CaseRow, FaultCodeRow, PartRow, TechnicianRow
from settings import Settings

router = APIRouter(prefix="/api/v1/cases", tags=["actions"])

CATCH_UP_POLL = 0.1


@dataclass(frozen=True)
class Context:
    """What a check may look at besides the body: the case as the database has it, the caller."""

    case: CaseRow
    principal: Principal
    settings: Settings


Check = Callable[[AsyncSession, BaseModel, Context], Awaitable[None]]


async def _check_parts(session: AsyncSession, parts: list[PartQty], field: str) -> None:
    numbers = {p.part_number for p in parts}
    known = (
        set(await session.scalars(select(PartRow.part_number).where(PartRow.part_number.in_(numbers))))
        if numbers
        else set()
    )
    unknown: list[errors.FieldError] = [
        {"field": f"{field}.{i}.part_number", "message": f"unknown part number {p.part_number}"}
        for i, p in enumerate(parts)
        if p.part_number not in known
    ]
    if unknown:
        raise invalid(unknown, "unknown part numbers")


async def _check_diagnosis(session: AsyncSession, body: Diagnosis, ctx: Context) -> None:
    case = ctx.case
    await _check_parts(session, body.parts, "parts")
    if body.fault_code is not None:
        code = await session.get(FaultCodeRow, body.fault_code)
        category = case.intake["product"]["category"]
        if code is None or not code.active or code.category != category:
            message = f"no fault code {body.fault_code} for {category} (GET /api/v1/fault-codes)"
            raise invalid([{"field": "fault_code", "message": message}])


async def _check_repair(session: AsyncSession, body: Repair, ctx: Context) -> None:
    await _check_parts(session, body.parts_used, "parts_used")


async def _check_handover(session: AsyncSession, body: HandoverRequest, ctx: Context) -> None:
    approve_compensation(body.compensation, ctx.principal, ctx.settings)


async def _check_assignment(session: AsyncSession, body: Assignment | Reassignment, ctx: Context) -> None:
    technician = await session.get(TechnicianRow, body.technician_id)
    if technician is None or not technician.active:
        raise invalid([{"field": "technician_id", "message": f"no active technician {body.technician_id}"}])


@dataclass(frozen=True)
class Spec:
    action: Action
    path: str
    body: type[BaseModel]
    roles: frozenset[Role]
    summary: str
    check: Check | None = None


def _spec(action: Action, path: str, body: type[BaseModel], roles: set[Role], summary: str, check: Any = None) -> Spec:
    return Spec(action, path, body, frozenset(roles), summary, check)


SPECS = (
    _spec(
        Action.REMOTE_RESOLUTION,
        "remote-resolution",
        RemoteResolution,
        {Role.AGENT},
        "Outcome of remote guidance: resolved goes to callback, otherwise to dispatch",
    ),
    _spec(
        Action.ASSIGNMENT,
        "assignment",
        Assignment,
        {Role.AGENT, Role.SUPERVISOR},
        "Assign a technician",
        _check_assignment,
    ),
    _spec(
        Action.DIAGNOSIS,
        "diagnosis",
        Diagnosis,
        {Role.TECHNICIAN},
        "Record the diagnosis; prices a quote (a new diagnosis replaces a pending quote)",
        _check_diagnosis,
    ),
    _spec(
        Action.QUOTE_DECISION,
        "quote/decision",
        QuoteDecisionRequest,
        {Role.AGENT},
        "The customer's decision on one version of the quote",
    ),
    _spec(Action.REPAIR, "repair", Repair, {Role.TECHNICIAN}, "Record the repair", _check_repair),
    _spec(
        Action.QC, "qc", QcCheck, {Role.TECHNICIAN, Role.SUPERVISOR}, "Quality check; a failure sends it back to repair"
    ),
    _spec(
        Action.HANDOVER,
        "handover",
        HandoverRequest,
        {Role.AGENT, Role.TECHNICIAN, Role.SUPERVISOR},
        "Customer sign-off; a refusal needs resolution rework or compensation (its type and amount)",
        _check_handover,
    ),
    _spec(Action.CALLBACK, "callback", Callback, {Role.AGENT}, "Callback survey (CSAT 1-5, NPS 0-10)"),
    _spec(Action.CANCEL, "cancel", Cancel, {Role.AGENT, Role.SUPERVISOR}, "Cancel an open case"),
    _spec(
        Action.REASSIGNMENT,
        "reassignment",
        Reassignment,
        {Role.SUPERVISOR},
        "Hand the case to another technician (stages after dispatch)",
        _check_assignment,
    ),
    _spec(
        Action.SLA_EXTENSION,
        "sla/extension",
        SlaExtension,
        {Role.SUPERVISOR},
        "Move an SLA deadline by service minutes and re-arm its escalation ladder",
    ),
    _spec(
        Action.TRIAGE_OVERRIDE,
        "triage",
        TriageOverride,
        {Role.AGENT, Role.SUPERVISOR},
        "Change the priority, warranty decision or service mode, with the reason; the SLA clocks follow the priority",
    ),
    _spec(
        Action.APPOINTMENT,
        "appointment",
        Appointment,
        {Role.AGENT, Role.SUPERVISOR, Role.TECHNICIAN},
        "Book the on-site visit window agreed with the customer (who is told it)",
    ),
    _spec(
        Action.ARRIVAL,
        "arrival",
        Arrival,
        {Role.TECHNICIAN},
        "The technician is at the customer's door: meets the on-site case's diagnosis_started target",
    ),
)


def invalid_stage(action: Action, stage: str) -> ApiError:
    return business(errors.invalid_stage(action, stage))


def acting(spec: Spec):
    """Dependency: the case row and the caller, once they may take this action."""

    async def dependency(case_id: CaseId, principal: Caller, session: Db) -> tuple[Principal, CaseRow]:
        case = await session.get(CaseRow, case_id)
        # another technician's case is not there for this one, whatever the action
        if case is None or not principal.may_see(case.technician_id):
            raise not_found(case_id)
        require(principal, spec.roles, f"take the {spec.action.value} action")
        return principal, case

    return dependency


async def _closed(session: AsyncSession, action: Action, case_id: str) -> ApiError:
    stage = await session.scalar(select(CaseRow.stage).where(CaseRow.case_id == case_id))
    if stage in TERMINAL:
        return invalid_stage(action, stage)
    return temporal_unavailable(f"the workflow of case {case_id} is not running")


async def _act_when_caught_up(
    session: AsyncSession,
    svc: Services,
    action: Action,
    case_id: str,
    principal: Principal,
    body: BaseModel,
    update_id: str | None,
) -> None:
    """The workflow writes a stage before it knows the write landed: for a moment after a
    worker restart the database can be ahead of it. A refusal for the stage while the
    database already allows the action is that moment; try again while the caller waits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + svc.settings.answer_timeout
    while True:
        left = deadline - loop.time()
        try:
            await commands.act(
                svc.temporal, case_id, action, principal.actor, body, update_id=update_id, within=max(left, 0.1)
            )
            return
        except ApiError as err:
            if err.kind is not ErrorKind.INVALID_STAGE or loop.time() > deadline:
                raise
            stage = await session.scalar(select(CaseRow.stage).where(CaseRow.case_id == case_id))
            await session.close()
            if stage is None or not allowed(action, Stage(stage)):
                raise
        await asyncio.sleep(CATCH_UP_POLL)


def _endpoint(spec: Spec):
    async def endpoint(
        body: spec.body,  # type: ignore[name-defined]
        ctx: Annotated[tuple[Principal, CaseRow], Depends(acting(spec))],
        session: Db,
        svc: Svc,
        idempotency_key: IdempotencyKey = None,
    ) -> CaseView:
        principal, case = ctx
        if spec.check:
            await spec.check(session, body, Context(case, principal, svc.settings))
        # the stage in the database is never behind the workflow's, which writes it first; a
        # keyed retry goes to the workflow, which answers it as it answered the first time
        if not idempotency_key and not allowed(spec.action, Stage(case.stage)):
            raise invalid_stage(spec.action, case.stage)
        case_id = case.case_id
        await session.close()  # no connection held while the workflow works
        update_id = idempotency_key and idempotency.update_id(
            principal.name, idempotency_key, spec.action.value, body.model_dump_json()
        )
        try:
            await _act_when_caught_up(session, svc, spec.action, case_id, principal, body, update_id or None)
        except commands.WorkflowClosed as err:
            raise await _closed(session, spec.action, case_id) from err
        view = await case_view(session, case_id, principal)
        if view is None:
            raise not_found(case_id)
        return view

    endpoint.__name__ = f"record_{spec.action.value}"
    return endpoint


for spec in SPECS:
    router.add_api_route(
        f"/{{case_id}}/{spec.path}",
        _endpoint(spec),
        methods=["POST"],
        response_model=CaseView,
        summary=spec.summary,
        name=f"record_{spec.action.value}",
        description=f"Roles: {', '.join(sorted(spec.roles))}. Answers with the case view once the "
        "workflow accepted and recorded the action.",
        responses={200: to_case(), **responses(401, 403, 404, 409, 422, body=True)},
    )
