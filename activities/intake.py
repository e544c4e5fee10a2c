"""Intake and triage: what the system records on its own when a case arrives. Cases begun
from the one-step-intake patch record both, with the customer's acknowledgement, in one
transaction (open_case); older cases call record_intake and triage_case in turn."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.base import ActivityBase
from activities.events import record_event
from activities.notify import queue_notice
from activities.sla import new_target, plan_of
from activities.webhooks import PENDING, queue_webhooks
from models import errors, phones
from models.domain import SYSTEM, Intake
from models.events import EventType
from models.payloads import (
    CaseEvent,
    CaseFields,
    CasePolicy,
    CaseStart,
    IntakeInput,
    OpenCaseInput,
    TriageInput,
    TriageResult,
)
from models.sla import Target
from models.stages import Stage, after_triage
from models.tables import CaseRow, CustomerRow, DeviceRow, HandoverRow, SlaTargetRow, TimelineEventRow
from models.triage import PriorRepair, TriageRules, triage
from observability.metrics import CASES_OPENED, on_commit
from settings import Settings

OPEN_DEVICE_INDEX = "uq_cases_open_device"


class IntakeActivities(ActivityBase):
    @activity.defn(name="record_intake")
    async def record_intake(self, given: IntakeInput) -> None:
        async with refusing_a_second_open_case(self.sessions, given.start):
            async with self.sessions.begin() as session:
                await record_case(session, given.start, given.at)
                pending = session.info.pop(PENDING, [])
        await self.start_pending(pending)

    @activity.defn(name="triage_case")
    async def triage_case(self, given: TriageInput) -> TriageResult:
        async with self.sessions.begin() as session:
            result = await triage_in(session, self.settings, given.case_id, given.at)
            pending = session.info.pop(PENDING, [])
        await self.start_pending(pending)
        return result

    @activity.defn(name="open_case")
    async def open_case(self, given: OpenCaseInput) -> TriageResult:
        """The intake, the customer's acknowledgement and the triage, in one transaction: a
        retry finds each done and answers with what was recorded."""
        async with refusing_a_second_open_case(self.sessions, given.start):
            async with self.sessions.begin() as session:
                await record_case(session, given.start, given.at)
                session.info.setdefault(PENDING, []).extend(await queue_notice(session, given.notice, self.settings))
                result = await triage_in(session, self.settings, given.start.case_id, given.at)
                pending = session.info.pop(PENDING, [])
        await self.start_pending(pending)
        return result


@asynccontextmanager
async def refusing_a_second_open_case(
    sessions: async_sessionmaker[AsyncSession], start: CaseStart
) -> AsyncIterator[None]:
    """Two intakes of one device at once: the partial unique index lets one through, and
    the other is refused with the case that holds the device."""
    try:
        yield
    except IntegrityError as err:
        if OPEN_DEVICE_INDEX not in str(err.orig):
            raise
        async with sessions() as session:
            open_case = await session.scalar(
                select(CaseRow.case_id)
                .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
                .where(DeviceRow.serial_number == start.intake.product.serial_number, CaseRow.status == "open")
            )
        raise errors.duplicate_open_case(open_case or "?") from None


async def record_case(session: AsyncSession, start: CaseStart, at: datetime) -> None:
    """The case, its customer and device, and its first event; on a retry that finds the
    case, only the webhook calls still to deliver."""
    intake = start.intake
    created = CaseEvent(
        case_id=start.case_id,
        key="case_created-1",
        type=EventType.CASE_CREATED,
        at=at,
        actor=start.actor,
        stage=Stage.INTAKE,
        data={"channel": intake.channel.value},
    )
    if await session.get(CaseRow, start.case_id) is not None:
        # an earlier attempt recorded it; its webhook calls may still need a delivery
        await queue_webhooks(session, created, fresh=False)
        return
    # the digits search finds them by; set on every intake, so rows an older worker wrote get them too
    customer = intake.customer.model_dump(exclude={"phone"}) | {"phone_digits": phones.normalize(intake.customer.phone)}
    customer_id = await session.scalar(
        insert(CustomerRow)
        .values(phone=intake.customer.phone, **customer)
        .on_conflict_do_update(index_elements=["phone"], set_=customer)
        .returning(CustomerRow.id)
    )
    device_id = await session.scalar(
        insert(DeviceRow)
        .values(**intake.product.model_dump())
        .on_conflict_do_update(
            index_elements=["serial_number"], set_=intake.product.model_dump(exclude={"serial_number"})
        )
        .returning(DeviceRow.id)
    )
    # a device already in an open case: the partial unique index refuses the row at the flush,
    # and refusing_a_second_open_case answers with the case that holds it
    session.add(
        CaseRow(
            case_id=start.case_id,
            customer_id=customer_id,
            device_id=device_id,
            channel=intake.channel.value,
            region=intake.customer.region,
            stage=Stage.INTAKE.value,
            status="open",
            idempotency_key=start.idempotency_key,
            idempotency_body=start.idempotency_body,
            escalation_level=0,
            sla_breached=False,
            intake=intake.model_dump(mode="json"),
            created_at=at,
            updated_at=at,
        )
    )
    session.add(
        TimelineEventRow(
            case_id=start.case_id,
            key=created.key,
            at=at,
            type=created.type,
            stage=created.stage.value,
            actor=str(start.actor),
            data=created.data,
        )
    )
    await session.flush()
    on_commit(session, CASES_OPENED, channel=intake.channel.value)
    await queue_webhooks(session, created, fresh=True)


async def triage_in(session: AsyncSession, s: Settings, case_id: str, at: datetime) -> TriageResult:
    """Warranty, priority, service mode and the SLA clocks, recorded once; a retry answers
    with what was recorded, whatever changed in between."""
    case = await session.get(CaseRow, case_id)
    assert case is not None, case_id
    intake = Intake.model_validate(case.intake)
    prior = (
        await session.execute(
            select(CaseRow.case_id, CaseRow.closed_at)
            .join(HandoverRow, HandoverRow.case_id == CaseRow.case_id)
            .where(
                CaseRow.device_id == case.device_id,
                CaseRow.status == "closed",
                HandoverRow.accepted,
                HandoverRow.repaired,
            )
            .order_by(CaseRow.closed_at.desc())
            .limit(1)
        )
    ).first()
    rules = TriageRules(
        s.warranty_months_default, s.warranty_months, s.repaired_part_warranty_days, frozenset(s.critical_categories)
    )
    result = triage(intake, at.date(), PriorRepair(prior[0], prior[1].date()) if prior and prior[1] else None, rules)
    event = CaseEvent(
        case_id=case_id,
        key="triaged-1",
        type=EventType.TRIAGED,
        at=at,
        actor=SYSTEM,
        stage=after_triage(result.service_mode),
        data={
            "reasons": list(result.reasons),
            "priority": result.priority.value,
            "warranty": result.warranty.value,
            "service_mode": result.service_mode.value,
        },
        fields=CaseFields(
            priority=result.priority,
            warranty=result.warranty,
            service_mode=result.service_mode,
            repeat_of=result.repeat_of,
        ),
    )
    fresh = await record_event(session, event)
    inserted = await session.scalars(
        insert(SlaTargetRow)
        .values([new_target(s, case_id, t.value, result.priority.value, at) for t in Target])
        .on_conflict_do_nothing()
        .returning(SlaTargetRow)
    )
    stored = {r.target: r for r in inserted}
    recorded: dict[str, Any] = {
        "warranty": result.warranty,
        "priority": result.priority,
        "service_mode": result.service_mode,
        "repeat_of": result.repeat_of,
    }
    if not fresh:
        # a retry answers with what was recorded, whatever changed in between
        await session.refresh(case)
        recorded = {name: getattr(case, name) for name in recorded}
        rows = await session.scalars(select(SlaTargetRow).where(SlaTargetRow.case_id == case_id))
        stored = {r.target: r for r in rows}
    hours = 3600 * s.time_scale
    return TriageResult(
        **recorded,
        reasons=list(result.reasons),
        deadlines={t: row.deadline for t, row in stored.items()},
        plans={t: plan_of(row) for t, row in stored.items()},
        policy=CasePolicy(
            quote_expiry_seconds=s.quote_expiry_hours * hours,
            callback_delay_seconds=s.callback_delay_hours * hours,
            callback_unreachable_seconds=s.callback_unreachable_hours * hours,
            max_qc_failures=s.max_qc_failures,
            action_retry_seconds=s.action_retry_seconds,
            auto_dispatch=s.auto_dispatch,
            dispatch_retry_seconds=s.dispatch_retry_minutes * 60 * s.time_scale,
            parts_recheck_seconds=s.parts_recheck_minutes * 60 * s.time_scale,
            pause_for_parts=s.pause_resolution_for_parts,
        ),
    )
