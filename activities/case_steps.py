"""The steps people take on a case. Each writes its record with its timeline event."""
from datetime import datetime

from sqlalchemy import select, update
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.base import ActivityBase
from activities.steps import refresh_escalation
from models.domain import Callback, Diagnosis, Handover, QcCheck, Repair
from models.payloads import Escalation, QuoteRequest, Step
from models.pricing import PartPrice, Quote, Rates, UnknownPart, price_quote
from models.tables import (CallbackRecord, DiagnosisRecord, EscalationRecord, HandoverRecord, Part,
                           QcResult, QuoteLineRecord, QuoteRecord, RepairRecord, SlaTarget)


class CaseStepActivities(ActivityBase):
    @activity.defn(name="record_step")
    async def record_step(self, step: Step) -> None:
        async with self.step(step):
            pass

    @activity.defn(name="price_quote")
    async def price_quote(self, request: QuoteRequest) -> Quote:
        numbers = [p.part_number for p in request.parts]
        async with self.sessions() as session:
            rows = await session.scalars(select(Part).where(Part.part_number.in_(numbers)))
            catalog = {p.part_number: PartPrice(p.part_number, p.name, p.category, p.unit_price) for p in rows}
        s = self.settings
        try:
            return price_quote(request.version, request.parts, request.labor_hours, catalog,
                               Rates(s.labor_rate, s.on_site_fee, s.currency),
                               in_warranty=request.in_warranty, on_site=request.on_site)
        except UnknownPart as err:
            field = f"parts.{err.index}.part_number"
            raise ApplicationError(str(err), [{"field": field, "message": str(err)}],
                                   type="InvalidInput", non_retryable=True) from None

    @activity.defn(name="record_diagnosis")
    async def record_diagnosis(self, step: Step, seq: int, data: Diagnosis, quote: Quote,
                               expires_at: datetime | None) -> None:
        async with self.step(step) as (session, fresh):
            if not fresh:
                return
            session.add(DiagnosisRecord(
                case_id=step.case_id, seq=seq, actor=str(step.actor), at=step.at,
                fault_cause=data.fault_cause, parts=[p.model_dump() for p in data.parts],
                labor_hours=data.labor_hours, notes=data.notes))
            await session.execute(
                update(QuoteRecord).where(QuoteRecord.case_id == step.case_id, QuoteRecord.status == "pending")
                .values(status="superseded"))
            record = QuoteRecord(
                case_id=step.case_id, version=quote.version, total=quote.total, currency=quote.currency,
                in_warranty=quote.in_warranty, created_at=step.at, expires_at=expires_at,
                status="auto_approved" if quote.total == 0 else "pending",
                decided_at=step.at if quote.total == 0 else None)
            session.add(record)
            await session.flush()
            session.add_all(QuoteLineRecord(quote_id=record.id, line_no=n, **line.model_dump())
                            for n, line in enumerate(quote.lines, start=1))

    @activity.defn(name="record_quote_decision")
    async def record_quote_decision(self, step: Step, version: int, status: str, note: str | None) -> None:
        async with self.step(step) as (session, fresh):
            if fresh:
                await session.execute(
                    update(QuoteRecord).where(QuoteRecord.case_id == step.case_id, QuoteRecord.version == version)
                    .values(status=status, decided_at=step.at, decided_by=str(step.actor), note=note))

    @activity.defn(name="record_repair")
    async def record_repair(self, step: Step, seq: int, data: Repair) -> None:
        async with self.step(step) as (session, fresh):
            if fresh:
                session.add(RepairRecord(
                    case_id=step.case_id, seq=seq, actor=str(step.actor), at=step.at,
                    parts_used=[p.model_dump() for p in data.parts_used],
                    labor_hours=data.labor_hours, notes=data.notes))

    @activity.defn(name="record_qc")
    async def record_qc(self, step: Step, seq: int, data: QcCheck) -> None:
        async with self.step(step) as (session, fresh):
            if fresh:
                session.add(QcResult(case_id=step.case_id, seq=seq, actor=str(step.actor), at=step.at,
                                     passed=data.passed, checklist=data.checklist, notes=data.notes))

    @activity.defn(name="record_handover")
    async def record_handover(self, step: Step, seq: int, data: Handover, repaired: bool) -> None:
        async with self.step(step) as (session, fresh):
            if fresh:
                session.add(HandoverRecord(
                    case_id=step.case_id, seq=seq, actor=str(step.actor), at=step.at, accepted=data.accepted,
                    repaired=repaired, signed_by=data.signed_by, remarks=data.remarks,
                    resolution=data.resolution))

    @activity.defn(name="record_callback")
    async def record_callback(self, step: Step, seq: int, outcome: str, data: Callback | None) -> None:
        async with self.step(step) as (session, fresh):
            if fresh:
                session.add(CallbackRecord(
                    case_id=step.case_id, seq=seq, actor=str(step.actor), at=step.at, outcome=outcome,
                    csat=data.csat if data else None, nps=data.nps if data else None,
                    comments=data.comments if data else None))

    @activity.defn(name="record_escalation")
    async def record_escalation(self, step: Step, escalation: Escalation) -> None:
        async with self.step(step) as (session, fresh):
            if not fresh:
                return
            session.add(EscalationRecord(case_id=step.case_id, key=step.key, kind=escalation.kind,
                                         target=escalation.target, level=escalation.level,
                                         detail=escalation.detail, at=step.at))
            if escalation.target is not None:  # a rung of an SLA ladder
                reached = {"level": escalation.level}
                if escalation.kind == "sla_breach":
                    reached["breached_at"] = step.at
                await session.execute(
                    update(SlaTarget).where(SlaTarget.case_id == step.case_id,
                                            SlaTarget.target == escalation.target).values(**reached))
                await refresh_escalation(session, step.case_id)
