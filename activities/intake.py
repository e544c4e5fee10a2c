"""Intake and triage: what the system records on its own when a case arrives."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from temporalio import activity

from activities.base import ActivityBase
from activities.events import record_event
from activities.sla import new_target, plan_of
from activities.webhooks import PENDING, queue_webhooks
from models import errors, phones
from models.domain import SYSTEM, Intake
from models.events import EventType
from models.payloads import CaseEvent, CaseFields, CasePolicy, IntakeInput, TriageInput, TriageResult
from models.sla import Target
from models.stages import Stage, after_triage
from models.tables import CaseRow, CustomerRow, DeviceRow, HandoverRow, SlaTargetRow, TimelineEventRow
from models.triage import PriorRepair, TriageRules, triage
from observability.metrics import CASES_OPENED, on_commit

OPEN_DEVICE_INDEX = "uq_cases_open_device"


class IntakeActivities(ActivityBase):
    @activity.defn(name="record_intake")
    async def record_intake(self, given: IntakeInput) -> None:
        start, at = given.start, given.at
        intake = start.intake
        try:
            created = CaseEvent(
                case_id=start.case_id,
                key="case_created-1",
                type=EventType.CASE_CREATED,
                at=at,
                actor=start.actor,
                stage=Stage.INTAKE,
                data={"channel": intake.channel.value},
            )
            async with self.sessions.begin() as session:
                if await session.get(CaseRow, start.case_id) is not None:
                    # an earlier attempt recorded it; its webhook calls may still need a delivery
                    await queue_webhooks(session, created, fresh=False)
                    pending = session.info.pop(PENDING, [])
                    return await self.start_pending(pending)
                # the digits search finds them by; set on every intake, so rows an older worker wrote get them too
                customer = intake.customer.model_dump(exclude={"phone"}) | {
                    "phone_digits": phones.normalize(intake.customer.phone)
                }
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
                # the partial unique index settles races; checking first gives the clear answer
                open_case = await session.scalar(
                    select(CaseRow.case_id)
                    .where(CaseRow.device_id == device_id, CaseRow.status == "open")
                    .with_for_update()
                )
                if open_case is not None:
                    raise errors.duplicate_open_case(open_case)
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
                pending = session.info.pop(PENDING, [])
            await self.start_pending(pending)
        except IntegrityError as err:
            # two intakes of one device at once: the partial unique index lets one through
            if OPEN_DEVICE_INDEX not in str(err.orig):
                raise
            async with self.sessions() as session:
                open_case = await session.scalar(
                    select(CaseRow.case_id)
                    .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
                    .where(DeviceRow.serial_number == intake.product.serial_number, CaseRow.status == "open")
                )
            raise errors.duplicate_open_case(open_case or "?") from None

    @activity.defn(name="triage_case")
    async def triage_case(self, given: TriageInput) -> TriageResult:
        case_id, at, s = given.case_id, given.at, self.settings
        async with self.sessions.begin() as session:
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
                s.warranty_months_default,
                s.warranty_months,
                s.repaired_part_warranty_days,
                frozenset(s.critical_categories),
            )
            result = triage(
                intake, at.date(), PriorRepair(prior[0], prior[1].date()) if prior and prior[1] else None, rules
            )
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
            await record_event(session, event)
            await session.execute(
                insert(SlaTargetRow)
                .values([new_target(s, case_id, t.value, result.priority.value, at) for t in Target])
                .on_conflict_do_nothing()
            )
            # a retry answers with what was recorded, whatever changed in between
            await session.refresh(case)
            stored = {
                r.target: r for r in await session.scalars(select(SlaTargetRow).where(SlaTargetRow.case_id == case_id))
            }
            pending = session.info.pop(PENDING, [])
        await self.start_pending(pending)
        hours = 3600 * s.time_scale
        return TriageResult(
            warranty=case.warranty,
            priority=case.priority,
            service_mode=case.service_mode,
            repeat_of=case.repeat_of,
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
