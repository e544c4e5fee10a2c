"""What people do to a case, recorded: each activity writes its record (numbered by
`seq`) together with its timeline event, once."""

from typing import cast

from sqlalchemy import Table, insert, select, update
from temporalio import activity

from activities.base import ActivityBase
from activities.events import reach_rung
from activities.follow_ups import open_follow_up
from activities.notify import queue_notice
from activities.stock import consume
from activities.webhooks import PENDING
from models import errors
from models.events import EscalationKind
from models.payloads import (
    CallbackInput,
    CaseEvent,
    ConsumeInput,
    DiagnosisInput,
    EscalationInput,
    HandoverInput,
    QcInput,
    QuoteDecisionInput,
    QuoteRequest,
    RepairInput,
)
from models.pricing import PartPrice, Quote, Rates, UnknownPart, price_quote
from models.tables import (
    CallbackRow,
    DiagnosisRow,
    EscalationRow,
    HandoverRow,
    PartRow,
    QcRow,
    QuoteLineRow,
    QuoteRow,
    RepairRow,
)

# a Core insert, built once: an escalation row is never read back in its transaction
ESCALATION = insert(cast(Table, EscalationRow.__table__))


class CaseRecordActivities(ActivityBase):
    # registered under its first name: cases in flight schedule it by that name
    @activity.defn(name="record_step")
    async def record_event(self, event: CaseEvent) -> None:
        """An event with no record of its own (assignment, cancel, callback due...)."""
        async with self.recording(event):
            pass

    @activity.defn(name="price_quote")
    async def price_quote(self, request: QuoteRequest) -> Quote:
        numbers = [p.part_number for p in request.parts]
        async with self.sessions() as session:
            rows = await session.scalars(select(PartRow).where(PartRow.part_number.in_(numbers)))
            catalog = {p.part_number: PartPrice(p.part_number, p.name, p.category, p.unit_price) for p in rows}
        s = self.settings
        try:
            return price_quote(
                request.version,
                request.parts,
                request.labor_hours,
                catalog,
                Rates(s.labor_rate, s.on_site_fee, s.currency),
                in_warranty=request.in_warranty,
                on_site=request.on_site,
                category=request.category,
            )
        except UnknownPart as err:
            raise errors.invalid_input(f"parts.{err.index}.part_number", str(err)) from None

    @activity.defn(name="record_diagnosis")
    async def record_diagnosis(self, given: DiagnosisInput) -> None:
        event, data, quote = given.event, given.diagnosis, given.quote
        async with self.recording(event) as (session, fresh):
            if not fresh:
                return
            session.add(
                DiagnosisRow(
                    case_id=event.case_id,
                    seq=given.seq,
                    actor=str(event.actor),
                    at=event.at,
                    fault_cause=data.fault_cause,
                    parts=[p.model_dump() for p in data.parts],
                    labor_hours=data.labor_hours,
                    notes=data.notes,
                    fault_code=data.fault_code,
                )
            )
            await session.execute(
                update(QuoteRow)
                .where(QuoteRow.case_id == event.case_id, QuoteRow.status == "pending")
                .values(status="superseded")
            )
            record = QuoteRow(
                case_id=event.case_id,
                version=quote.version,
                total=quote.total,
                currency=quote.currency,
                in_warranty=quote.in_warranty,
                created_at=event.at,
                expires_at=given.expires_at,
                status="auto_approved" if quote.total == 0 else "pending",
                decided_at=event.at if quote.total == 0 else None,
            )
            session.add(record)
            await session.flush()
            session.add_all(
                QuoteLineRow(quote_id=record.id, line_no=n, **line.model_dump())
                for n, line in enumerate(quote.lines, start=1)
            )

    @activity.defn(name="record_quote_decision")
    async def record_quote_decision(self, given: QuoteDecisionInput) -> None:
        event = given.event
        async with self.recording(event) as (session, fresh):
            if fresh:
                await session.execute(
                    update(QuoteRow)
                    .where(QuoteRow.case_id == event.case_id, QuoteRow.version == given.version)
                    .values(status=given.status, decided_at=event.at, decided_by=str(event.actor), note=given.note)
                )

    @activity.defn(name="record_repair")
    async def record_repair(self, given: RepairInput) -> None:
        event, data = given.event, given.repair
        async with self.recording(event) as (session, fresh):
            if fresh and given.consume:
                # a part used that the stock does not have refuses the whole repair record
                await consume(
                    session,
                    ConsumeInput(case_id=event.case_id, parts_used=data.parts_used, seq=given.seq, actor=event.actor),
                )
            if fresh:
                session.add(
                    RepairRow(
                        case_id=event.case_id,
                        seq=given.seq,
                        actor=str(event.actor),
                        at=event.at,
                        parts_used=[p.model_dump() for p in data.parts_used],
                        labor_hours=data.labor_hours,
                        notes=data.notes,
                    )
                )

    @activity.defn(name="record_qc")
    async def record_qc(self, given: QcInput) -> None:
        event, data = given.event, given.qc
        async with self.recording(event) as (session, fresh):
            if fresh:
                session.add(
                    QcRow(
                        case_id=event.case_id,
                        seq=given.seq,
                        actor=str(event.actor),
                        at=event.at,
                        passed=data.passed,
                        checklist=data.checklist,
                        notes=data.notes,
                    )
                )

    @activity.defn(name="record_handover")
    async def record_handover(self, given: HandoverInput) -> None:
        event, data = given.event, given.handover
        async with self.recording(event) as (session, fresh):
            if fresh:
                session.add(
                    HandoverRow(
                        case_id=event.case_id,
                        seq=given.seq,
                        actor=str(event.actor),
                        at=event.at,
                        accepted=data.accepted,
                        repaired=given.repaired,
                        signed_by=data.signed_by,
                        remarks=data.remarks,
                        resolution=data.resolution,
                        compensation_type=data.compensation.type if data.compensation else None,
                        compensation_amount=data.compensation.amount if data.compensation else None,
                    )
                )

    @activity.defn(name="record_callback")
    async def record_callback(self, given: CallbackInput) -> None:
        event, data = given.event, given.callback
        async with self.recording(event) as (session, fresh):
            if fresh:
                session.add(
                    CallbackRow(
                        case_id=event.case_id,
                        seq=given.seq,
                        actor=str(event.actor),
                        at=event.at,
                        outcome=given.outcome,
                        csat=data.csat if data else None,
                        nps=data.nps if data else None,
                        ces=data.ces if data else None,
                        attitude=data.attitude if data else None,
                        professionalism=data.professionalism if data else None,
                        comments=data.comments if data else None,
                    )
                )
                # an unhappy customer's follow-up, with the callback that asked for it
                await open_follow_up(session, self.settings, event.case_id, data, event.at)

    @activity.defn(name="record_escalation")
    async def record_escalation(self, given: EscalationInput) -> None:
        event, escalation = given.event, given.escalation
        async with self.recording(event) as (session, fresh):
            if given.notice is not None:
                # the rung's message in the rung's transaction; on a retry it adds no row, but
                # gives the rows still pending, whose deliveries may not have started
                session.info.setdefault(PENDING, []).extend(await queue_notice(session, given.notice, self.settings))
            if not fresh:
                return
            await session.execute(
                ESCALATION,
                {
                    "case_id": event.case_id,
                    "key": event.key,
                    "kind": escalation.kind.value,
                    "target": escalation.target,
                    "level": escalation.level,
                    "detail": escalation.detail,
                    "at": event.at,
                },
            )
            if escalation.target is not None:  # a rung of an SLA ladder
                breached = event.at if escalation.kind is EscalationKind.SLA_BREACH else None
                await reach_rung(session, event.case_id, escalation.target, escalation.level, breached)
