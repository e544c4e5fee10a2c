"""The work on the device, as updates: the technician's diagnosis (which prices the
quote), the customer's decision on it, the repair, the quality check and the handover.
The case's other actions and its life from intake to review are in repair_case.py."""

from datetime import timedelta

from temporalio import workflow

from workflows.action_checks import ActionChecks
from workflows.stage_timers import StageTimers

with workflow.unsafe.imports_passed_through():
    from activities import CaseRecordActivities
    from models import stages
    from models.domain import SYSTEM, Actor, Diagnosis, Handover, QcCheck, QuoteDecision, Repair
    from models.events import EscalationKind, EventType
    from models.messages import Audience, Template
    from models.payloads import (
        CaseState,
        DiagnosisInput,
        HandoverInput,
        QcInput,
        QuoteDecisionInput,
        QuoteRequest,
        RepairInput,
    )
    from models.sla import met_by
    from models.stages import Action, Stage


class RepairWork(StageTimers, ActionChecks):
    @workflow.update
    async def record_diagnosis(self, actor: Actor, data: Diagnosis) -> CaseState:
        async with self._acting(Action.DIAGNOSIS, actor):
            s = self._state
            version = (s.quote.version + 1) if s.quote else 1
            quote = await self._run(
                CaseRecordActivities.price_quote,
                QuoteRequest(
                    case_id=s.case_id,
                    version=version,
                    parts=data.parts,
                    labor_hours=data.labor_hours,
                    in_warranty=s.warranty == "in_warranty",
                    on_site=s.service_mode == "on_site",
                    category=self._start.intake.product.category.value,
                ),
            )
            free = quote.total == 0
            expires = None if free else workflow.now() + timedelta(seconds=self.policy.quote_expiry_seconds)
            short = free and await self._reserve(quote)
            event = self._event(
                EventType.DIAGNOSED,
                actor,
                stages.after_diagnosis(free, short),
                {"version": version, "total": str(quote.total), "auto_approved": free},
                sla_met=met_by(EventType.DIAGNOSED),
            )
            await self._commit(
                CaseRecordActivities.record_diagnosis,
                DiagnosisInput(
                    event=event, seq=self._seq("diagnosis"), diagnosis=data, quote=quote, expires_at=expires
                ),
            )
            s.quote, s.quote_expires_at = quote, expires
            if short:
                self._enter_waiting_parts()
            elif free:
                self._enter_repair()
            else:
                self._notify(
                    Audience.CUSTOMER,
                    Template.QUOTE_READY,
                    total=str(quote.total),
                    currency=quote.currency,
                    version=version,
                )
        return self._state

    @workflow.update
    async def decide_quote(self, actor: Actor, data: QuoteDecision) -> CaseState:
        async with self._acting(Action.QUOTE_DECISION, actor):
            quote = self._state.quote
            assert quote is not None
            self._check_quote_version(data)
            status = "approved" if data.approved else "declined"
            short = data.approved and await self._reserve(quote)
            event = self._event(
                EventType.QUOTE_APPROVED if data.approved else EventType.QUOTE_DECLINED,
                actor,
                stages.after_quote_decision(data.approved, short),
                {"version": quote.version, "note": data.note},
            )
            await self._commit(
                CaseRecordActivities.record_quote_decision,
                QuoteDecisionInput(event=event, version=quote.version, status=status, note=data.note),
            )
            self._state.quote_expires_at = None
            if short:
                self._enter_waiting_parts()
            elif data.approved:
                self._enter_repair()
            else:
                self._notify(Audience.CUSTOMER, Template.RETURNED_UNREPAIRED)
        return self._state

    @workflow.update
    async def record_repair(self, actor: Actor, data: Repair) -> CaseState:
        async with self._acting(Action.REPAIR, actor):
            event = self._event(EventType.REPAIRED, actor, stages.after_repair())
            # the parts used come off the stock with the record, or the repair is refused whole
            given = RepairInput(event=event, seq=self._seq("repair"), repair=data, consume=self._parts)
            await self._commit(CaseRecordActivities.record_repair, given)
            self._state.repaired = True
        return self._state

    @workflow.update
    async def record_qc(self, actor: Actor, data: QcCheck) -> CaseState:
        async with self._acting(Action.QC, actor):
            s = self._state
            event = self._event(
                EventType.QC_PASSED if data.passed else EventType.QC_FAILED, actor, stages.after_qc(data.passed)
            )
            await self._commit(CaseRecordActivities.record_qc, QcInput(event=event, seq=self._seq("qc"), qc=data))
            if data.passed:
                self._notify(Audience.CUSTOMER, Template.READY_FOR_HANDOVER)
            else:
                s.qc_failures += 1
                if s.qc_failures == self.policy.max_qc_failures:
                    await self._escalate_to_supervisor(
                        EscalationKind.QC_REWORK_LIMIT, SYSTEM, {"qc_failures": s.qc_failures}
                    )
                    self._notify(Audience.SUPERVISOR, Template.QC_REWORK_LIMIT, qc_failures=s.qc_failures)
        return self._state

    @workflow.update
    async def record_handover(self, actor: Actor, data: Handover) -> CaseState:
        async with self._acting(Action.HANDOVER, actor):
            s = self._state
            self._check_rework(data)
            to = stages.after_handover(data.accepted, data.resolution)
            if data.accepted:
                kind = EventType.HANDOVER_ACCEPTED if s.repaired else EventType.RETURNED_UNREPAIRED
            elif data.resolution == "compensation":
                kind = EventType.COMPENSATION_AGREED
            else:
                kind = EventType.HANDOVER_REFUSED
            event = self._event(kind, actor, to, sla_met=met_by(kind))
            await self._commit(
                CaseRecordActivities.record_handover,
                HandoverInput(event=event, seq=self._seq("handover"), handover=data, repaired=s.repaired),
            )
            if to is Stage.CALLBACK:
                self._enter_callback()
            else:
                s.reworks += 1
        return self._state

    # ---- validators: the same checks as the handlers, before the update is accepted

    @record_diagnosis.validator
    def _may_diagnose(self, actor: Actor, data: Diagnosis) -> None:
        self._check(Action.DIAGNOSIS, actor)

    @decide_quote.validator
    def _may_decide_quote(self, actor: Actor, data: QuoteDecision) -> None:
        self._check(Action.QUOTE_DECISION, actor)
        self._check_quote_version(data)

    @record_repair.validator
    def _may_repair(self, actor: Actor, data: Repair) -> None:
        self._check(Action.REPAIR, actor)

    @record_qc.validator
    def _may_check_quality(self, actor: Actor, data: QcCheck) -> None:
        self._check(Action.QC, actor)

    @record_handover.validator
    def _may_hand_over(self, actor: Actor, data: Handover) -> None:
        self._check(Action.HANDOVER, actor)
        self._check_rework(data)

    def _enter_repair(self) -> None:
        self._notify(Audience.CUSTOMER, Template.REPAIR_STARTED)
