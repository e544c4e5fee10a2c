"""One durable workflow per repair case: it walks the stage machine (docs/lifecycle.md),
records every event through activities and arms the case's timers (quote expiry, the
callback, and an SLA ladder per target, see sla_ladder.py)."""

import asyncio

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.case_base import BASELINE_PATCH, LOCAL_PATCH
from workflows.pre_ladder import PreLadderSla
from workflows.repair_work import RepairWork

with workflow.unsafe.imports_passed_through():
    from activities import CaseRecordActivities, IntakeActivities, ReviewActivities
    from models import stages
    from models.domain import (
        SYSTEM,
        Actor,
        Assignment,
        Callback,
        Cancel,
        Reassignment,
        RemoteResolution,
        SlaExtension,
    )
    from models.events import EscalationKind, EventType
    from models.messages import Audience, Template
    from models.payloads import (
        CallbackInput,
        CaseFields,
        CaseStart,
        CaseState,
        IntakeInput,
        OpenCaseInput,
        ReviewInput,
        SlaTargetState,
        TriageInput,
        TriageResult,
    )
    from models.review import needs_follow_up
    from models.sla import met_by
    from models.stages import Action, Stage, status_of
    from models.triage import dispatch_mode

# cases begun before this marker keep one breach timer per target (pre_ladder.py)
LADDER_PATCH = "sla-ladder"
# cases begun from this marker record the intake, its acknowledgement and the triage in one
# local activity (open_case); older cases ran record_intake, notify and triage_case
ONE_STEP_PATCH = "one-step-intake"


@workflow.defn
class RepairCaseWorkflow(RepairWork, PreLadderSla):
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._init_base(start)
        self._init_field_work()
        self._intake_error: ApplicationError | None = None
        self._cancelled = False
        self._callback_due_notified = False

    # ---- main loop ---------------------------------------------------------------

    @workflow.run
    async def run(self, start: CaseStart) -> CaseState:
        self._baseline = workflow.patched(BASELINE_PATCH)
        self._ladder = self._patched(LADDER_PATCH)
        self._local = self._patched(LOCAL_PATCH)
        self._one_step = self._local and self._patched(ONE_STEP_PATCH)
        async with self._lock:
            if not await self._intake():
                await workflow.wait_condition(workflow.all_handlers_finished)
                return self._state
        watch = self._climb_ladder if self._ladder else self._watch_deadline
        watchers = [asyncio.create_task(watch(t)) for t in self._state.sla]
        while self._state.stage is not Stage.REVIEW:
            await self._wait_in_stage()
        await self._review()
        await asyncio.gather(*watchers)
        # a message that could not be sent is recorded as failed; it never fails the case
        await asyncio.gather(*self._notices, return_exceptions=True)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    async def _intake(self) -> bool:
        s = self._state
        try:
            result = await (self._open_in_one_step() if self._one_step else self._open_in_steps())
        except ApplicationError as err:
            self._intake_error, s.error = err, str(err)
            return False
        self._policy = result.policy
        s.warranty, s.priority, s.service_mode = result.warranty, result.priority, result.service_mode
        # a worker still on the code before the ladder may have run the triage: no plans then
        self._ladder = self._ladder and bool(result.plans)
        if self._ladder:
            s.sla = {
                t: SlaTargetState(deadline=p.deadline, warn_at=p.warn_at, escalate_at=p.escalate_at)
                for t, p in result.plans.items()
            }
        else:
            s.sla = {t: SlaTargetState(deadline=d) for t, d in result.deadlines.items()}
        s.stage = stages.move(s.stage, stages.after_triage(result.service_mode))
        self._start_field_work()
        self._publish()
        return True

    async def _open_in_one_step(self) -> TriageResult:
        notice = self._notice(Audience.CUSTOMER, Template.ACCEPTED, name=self._start.intake.customer.name)
        result = await self._run(
            IntakeActivities.open_case,
            OpenCaseInput(start=self._start, at=workflow.now(), notice=notice),
            summary="record the intake and triage it: warranty, priority, service mode, SLA clocks",
        )
        self._state.stage = stages.move(self._state.stage, stages.after_intake())
        return result

    async def _open_in_steps(self) -> TriageResult:
        await self._run(
            IntakeActivities.record_intake,
            IntakeInput(start=self._start, at=workflow.now()),
            summary="record the intake",
        )
        self._state.stage = stages.move(self._state.stage, stages.after_intake())
        self._notify(Audience.CUSTOMER, Template.ACCEPTED, name=self._start.intake.customer.name)
        return await self._run(
            IntakeActivities.triage_case,
            TriageInput(case_id=self._state.case_id, at=workflow.now()),
            summary="triage: warranty, priority, service mode, SLA clocks",
        )

    async def _review(self) -> None:
        s = self._state
        # the system's own work, retried until it lands: a case never ends holding stock
        await self._release_parts()
        outcome = stages.after_review(self._cancelled)
        event = self._event(EventType.REVIEWED, SYSTEM, outcome)
        await self._run(
            ReviewActivities.record_review,
            ReviewInput(
                event=event,
                outcome="cancelled" if self._cancelled else "closed",
                qc_failures=s.qc_failures,
                reworks=s.reworks,
                repaired=s.repaired,
            ),
            summary=f"{event.type} by {event.actor} → {event.stage.value}",
        )
        self._apply(event)
        s.status = status_of(outcome)
        self._reviewed = True
        self._notify(Audience.CUSTOMER, Template.CLOSED, outcome=outcome.value.lower())
        self._publish()

    # ---- human actions: each an update whose validator refuses before anything is written

    @workflow.update
    async def intake_recorded(self) -> CaseState:
        await workflow.wait_condition(lambda: self._policy is not None or self._intake_error is not None)
        if self._intake_error is not None:
            raise self._intake_error
        return self._state

    @workflow.update
    async def record_remote_resolution(self, actor: Actor, data: RemoteResolution) -> CaseState:
        async with self._acting(Action.REMOTE_RESOLUTION, actor):
            to = stages.after_remote_guidance(data.resolved)
            if data.resolved:
                await self._record(
                    self._event(
                        EventType.REMOTE_RESOLVED,
                        actor,
                        to,
                        data.model_dump(mode="json"),
                        sla_met=met_by(EventType.REMOTE_RESOLVED),
                    )
                )
                self._enter_callback()
            else:
                mode = dispatch_mode(self._start.intake.product.category)
                await self._record(
                    self._event(
                        EventType.REMOTE_GUIDANCE,
                        actor,
                        to,
                        data.model_dump(mode="json"),
                        fields=CaseFields(service_mode=mode),
                    )
                )
                self._state.service_mode = mode
        return self._state

    @workflow.update
    async def assign_technician(self, actor: Actor, data: Assignment) -> CaseState:
        async with self._acting(Action.ASSIGNMENT, actor):
            await self._record(
                self._event(
                    EventType.TECHNICIAN_ASSIGNED,
                    actor,
                    stages.after_assignment(),
                    data.model_dump(),
                    fields=CaseFields(technician_id=data.technician_id),
                    sla_met=met_by(EventType.TECHNICIAN_ASSIGNED),
                )
            )
            self._notify(Audience.CUSTOMER, Template.TECHNICIAN_ASSIGNED, technician_id=data.technician_id)
        return self._state

    @workflow.update
    async def record_callback(self, actor: Actor, data: Callback) -> CaseState:
        async with self._acting(Action.CALLBACK, actor):
            to = stages.after_callback(data.reached)
            outcome = "reached" if data.reached else "not_reached"
            event = self._event(
                EventType.CALLBACK_REACHED if data.reached else EventType.CALLBACK_NOT_REACHED, actor, to
            )
            await self._commit(
                CaseRecordActivities.record_callback,
                CallbackInput(event=event, seq=self._seq("callback"), outcome=outcome, callback=data),
            )
            if data.reached and needs_follow_up(data.csat, data.nps):
                await self._escalate_to_supervisor(
                    EscalationKind.FOLLOW_UP, actor, {"csat": data.csat, "nps": data.nps}, comments=data.comments
                )
                self._notify(
                    Audience.SUPERVISOR, Template.FOLLOW_UP, csat=data.csat, nps=data.nps, comments=data.comments or ""
                )
        return await self._closed_if(to is Stage.REVIEW)

    @workflow.update
    async def cancel(self, actor: Actor, data: Cancel) -> CaseState:
        async with self._acting(Action.CANCEL, actor):
            await self._record(self._event(EventType.CANCELLED, actor, stages.after_cancel(), data.model_dump()))
            self._cancelled = True
        return await self._closed_if(True)

    @workflow.update
    async def reassign_technician(self, actor: Actor, data: Reassignment) -> CaseState:
        async with self._acting(Action.REASSIGNMENT, actor):
            self._check_reassignment(data)
            s = self._state
            await self._record(
                self._event(
                    EventType.TECHNICIAN_REASSIGNED,
                    actor,
                    data={"technician_id": data.technician_id, "previous": s.technician_id, "reason": data.reason},
                    fields=CaseFields(technician_id=data.technician_id),
                )
            )
            self._notify(Audience.CUSTOMER, Template.TECHNICIAN_ASSIGNED, technician_id=data.technician_id)
        return self._state

    @workflow.update
    async def extend_sla(self, actor: Actor, data: SlaExtension) -> CaseState:
        async with self._acting(Action.SLA_EXTENSION, actor):
            self._check_extension(data)
            await self._change_clock(data.target, "extend", actor, minutes=data.minutes, reason=data.reason)
        return self._state

    @workflow.query
    def state(self) -> CaseState:
        return self._state

    # ---- validators: the same checks as the handlers, before the update is accepted

    @record_remote_resolution.validator
    def _may_resolve_remotely(self, actor: Actor, data: RemoteResolution) -> None:
        self._check(Action.REMOTE_RESOLUTION, actor)

    @assign_technician.validator
    def _may_assign(self, actor: Actor, data: Assignment) -> None:
        self._check(Action.ASSIGNMENT, actor)

    @record_callback.validator
    def _may_call_back(self, actor: Actor, data: Callback) -> None:
        self._check(Action.CALLBACK, actor)

    @cancel.validator
    def _may_cancel(self, actor: Actor, data: Cancel) -> None:
        self._check(Action.CANCEL, actor)

    @reassign_technician.validator
    def _may_reassign(self, actor: Actor, data: Reassignment) -> None:
        self._check(Action.REASSIGNMENT, actor)
        self._check_reassignment(data)

    @extend_sla.validator
    def _may_extend(self, actor: Actor, data: SlaExtension) -> None:
        self._check(Action.SLA_EXTENSION, actor)
        self._check_extension(data)

    # ---- helpers -----------------------------------------------------------------
