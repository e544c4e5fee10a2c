"""One durable workflow per repair case: it walks the stage machine, records every
step through activities and arms the case's timers (SLA ladders, quote expiry, callback)."""
import asyncio
from collections import Counter
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, AsyncIterator

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from models import search_attributes as sa
    from models.domain import (SYSTEM, Actor, Assignment, Callback, Cancel, Diagnosis, Handover, Priority,
                               QcCheck, QuoteDecision, Reassignment, RemoteResolution, Repair, ServiceMode,
                               SlaExtension)
    from models.payloads import (CaseFields, CasePolicy, CaseStart, CaseState, Escalation, Notice,
                                 QuoteRequest, SlaClockChange, SlaPlan, SlaTargetState, Step, TriageResult)
    from models.pricing import Quote
    from models.sla import (AUDIENCE, LADDER, PAUSABLE, WAITING_ON_CUSTOMER, Rung, case_escalation, met_by,
                            raised)
    from models import stages
    from models.stages import Action, Stage, allowed, status_of
    from models.triage import CARRY_IN_CATEGORIES

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                    maximum_interval=timedelta(seconds=30))
STEP_TIMEOUT = timedelta(seconds=10)
NOTIFY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1),
                           maximum_attempts=5)
BUSINESS_ERRORS = ("InvalidInput", "DuplicateOpenCase", "InvalidStage")
CLOCK_EVENTS = {"pause": "sla_paused", "resume": "sla_resumed", "extend": "sla_extended"}


def invalid_stage(action: str, stage: Stage) -> ApplicationError:
    return ApplicationError(f"{action} is not allowed while the case is in stage {stage}",
                            stage.value, type="InvalidStage", non_retryable=True)


def invalid_input(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, [{"field": field, "message": message}],
                            type="InvalidInput", non_retryable=True)


@workflow.defn
class RepairCaseWorkflow:
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._start = start
        self._state = CaseState(case_id=start.case_id, stage=Stage.INTAKE, status="open")
        self._policy: CasePolicy | None = None
        # serialises human actions and timer transitions: each sees the stage it acts on
        self._lock = asyncio.Lock()
        self._revision = 0
        self._keys: Counter[str] = Counter()
        self._intake_error: ApplicationError | None = None
        self._cancelled = False
        self._callback_due_notified = False
        self._reviewed = False
        self._notices: list[Any] = []
        # False for cases begun before the escalation ladder: they keep one breach timer per target
        self._ladder = False
        # each change of an SLA clock wakes its ladder to re-plan
        self._clock_changes: Counter[str] = Counter()

    # ---- main loop ---------------------------------------------------------------

    @workflow.run
    async def run(self, start: CaseStart) -> CaseState:
        self._ladder = workflow.patched("sla-ladder")
        async with self._lock:
            if not await self._intake():
                await workflow.wait_condition(workflow.all_handlers_finished)
                return self._state
        watch = self._climb_ladder if self._ladder else self._watch_sla
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
        intake = self._start.intake
        try:
            await self._activity("record_intake", self._start, workflow.now(), summary="record the intake")
        except ActivityError as err:
            self._intake_error = business_error(err)
            self._state.error = str(self._intake_error)
            return False
        self._state.stage = Stage.TRIAGE
        self._notify("customer", "accepted", name=intake.customer.name)
        result: TriageResult = await self._activity(
            "triage_case", self._start.case_id, workflow.now(), result_type=TriageResult,
            summary="triage: warranty, priority, service mode, SLA clocks")
        self._policy = result.policy
        s = self._state
        s.warranty, s.priority, s.service_mode = result.warranty, result.priority, result.service_mode
        # a worker still on the code before the ladder may have run the triage: no plans then,
        # and the case keeps one breach timer per target like the cases of that code
        self._ladder = self._ladder and bool(result.plans)
        if self._ladder:
            s.sla = {t: SlaTargetState(deadline=p.deadline, warn_at=p.warn_at, escalate_at=p.escalate_at)
                     for t, p in result.plans.items()}
        else:
            s.sla = {t: SlaTargetState(deadline=d) for t, d in result.deadlines.items()}
        s.stage = stages.after_triage(result.service_mode)
        self._published()
        return True

    async def _wait_in_stage(self) -> None:
        stage, revision = self._state.stage, self._revision
        due = self._stage_timer()
        timeout = None if due is None else max(0.0, (due - workflow.now()).total_seconds())
        try:
            await workflow.wait_condition(lambda: self._revision != revision, timeout=timeout)
        except asyncio.TimeoutError:
            async with self._lock:
                if self._revision == revision:
                    await self._on_stage_timer(stage)
                    await self._follow_customer_wait()
                    self._revision += 1
                    self._published()

    def _stage_timer(self) -> datetime | None:
        s = self._state
        if s.stage is Stage.QUOTE_APPROVAL:
            return s.quote_expires_at
        if s.stage is Stage.CALLBACK and s.callback_due_at:
            if not self._callback_due_notified:
                return s.callback_due_at
            return s.callback_due_at + timedelta(seconds=self.policy.callback_unreachable_seconds)
        return None

    async def _on_stage_timer(self, stage: Stage) -> None:
        if stage is Stage.QUOTE_APPROVAL:
            quote = self._state.quote
            assert quote is not None
            await self._step("quote_expired", SYSTEM, Stage.HANDOVER, {"version": quote.version},
                             activity="record_quote_decision", extra=[quote.version, "expired", None])
            self._notify("customer", "returned_unrepaired")
        elif not self._callback_due_notified:
            self._callback_due_notified = True
            await self._step("callback_due", SYSTEM, Stage.CALLBACK)
            self._notify("customer", "callback_survey")
        else:
            await self._step("callback_unreachable", SYSTEM, Stage.REVIEW,
                             activity="record_callback", extra=[self._seq("callback"), "unreachable", None])

    async def _review(self) -> None:
        outcome = Stage.CANCELLED if self._cancelled else Stage.CLOSED
        s = self._state
        await self._step("reviewed", SYSTEM, outcome, activity="record_review",
                         extra=[outcome.value, s.qc_failures, s.reworks, s.repaired])
        s.status = status_of(outcome)
        self._reviewed = True
        self._notify("customer", "closed", outcome=outcome.value.lower())
        self._published()

    # ---- SLA ---------------------------------------------------------------------

    def _settled(self, sla: SlaTargetState) -> bool:
        return sla.met_at is not None or self._reviewed or self._state.stage is Stage.REVIEW

    async def _climb_ladder(self, target: str) -> None:
        """Walks one target's ladder (warn, breach, raise), each rung once at its time; a
        target met ends it, a pause holds it, an extension re-plans it (and may re-arm
        rungs already climbed, so the top of the ladder waits too)."""
        sla = self._state.sla[target]
        while not self._settled(sla):
            rung, changes = sla.next_rung(), self._clock_changes[target]
            due = sla.due(rung) if rung else None
            timeout = None if due is None else max(0.0, (due - workflow.now()).total_seconds())
            try:
                await workflow.wait_condition(
                    lambda: self._settled(sla) or self._clock_changes[target] != changes,
                    timeout=timeout, timeout_summary=f"SLA {target}: {rung} at {due:%Y-%m-%d %H:%M:%S} UTC"
                    if due else None)
                continue  # met, closing or re-planned: look again
            except asyncio.TimeoutError:
                pass
            # an action holding the lock may be the one that meets the target just in time
            async with self._lock:
                if rung and not self._settled(sla) and self._clock_changes[target] == changes:
                    await self._escalate(target, rung)

    async def _escalate(self, target: str, rung: Rung) -> None:
        s, sla = self._state, self._state.sla[target]
        level = LADDER.index(rung) + 1
        due = sla.due(rung)
        assert due is not None and s.priority is not None
        priority = Priority(raised(s.priority)) if rung is Rung.RAISE else s.priority
        detail = {"target": target, "due": due.isoformat(), "deadline": sla.deadline.isoformat(),
                  "armed": sla.armed}
        if priority != s.priority:
            detail["priority"] = {"from": s.priority.value, "to": priority.value}
        step = self._make_step(f"sla_{rung}", SYSTEM, s.stage, detail,
                               CaseFields(priority=priority if priority != s.priority else None),
                               moves_stage=False)
        await self._activity("record_escalation", step,
                             Escalation(kind=f"sla_{rung}", level=level, target=target, detail=detail),
                             summary=f"SLA {rung} on {target}: level {level}")
        sla.level = level
        if rung is Rung.BREACH:
            sla.breached_at = step.at
        s.priority = priority
        # before anyone is assigned, the case's assignee is the dispatch desk
        audience = AUDIENCE[rung] if rung is not Rung.WARN or s.technician_id else "dispatcher"
        self._notify(audience, f"sla_{rung}", key=f"sla_{rung}-{target}-{sla.armed}", target=target,
                     deadline=sla.deadline.isoformat(), technician_id=s.technician_id)
        self._published()

    async def _change_clock(self, target: str, kind: str, actor: Actor, **change: Any) -> None:
        step = self._make_step(CLOCK_EVENTS[kind], actor, self._state.stage,
                               {"target": target, "stage": self._state.stage.value, **change},
                               moves_stage=False)
        plan: SlaPlan = await self._activity(
            "change_sla_clock", SlaClockChange(step=step, target=target, kind=kind, **change),
            result_type=SlaPlan, summary=f"SLA {target}: {kind}")
        self._state.sla[target].follow(plan)
        self._clock_changes[target] += 1

    async def _follow_customer_wait(self) -> None:
        """The resolution clock stops while the case waits on the customer."""
        sla = self._state.sla.get(PAUSABLE)
        if not self._ladder or sla is None or self._settled(sla):
            return
        waiting = self._state.stage in WAITING_ON_CUSTOMER
        if waiting != sla.paused:
            await self._change_clock(PAUSABLE, "pause" if waiting else "resume", SYSTEM)

    async def _watch_sla(self, target: str) -> None:
        """Cases begun before the escalation ladder: one breach at the deadline."""
        sla = self._state.sla[target]
        timeout = max(0.0, (sla.deadline - workflow.now()).total_seconds())
        try:
            await workflow.wait_condition(lambda: sla.met_at is not None or self._reviewed
                                          or self._state.stage is Stage.REVIEW, timeout=timeout)
            return
        except asyncio.TimeoutError:
            pass
        sla.breached_at = workflow.now()
        s = self._state
        s.escalation_level = max(s.escalation_level, 2)
        await self._activity("record_escalation", self._make_step(
            f"sla_breach_{target}", SYSTEM, s.stage, {"target": target, "deadline": sla.deadline.isoformat()},
            CaseFields(sla_breached=True, escalation_level=s.escalation_level), moves_stage=False),
            Escalation(kind="sla_breach", level=2, target=target, detail={"deadline": sla.deadline.isoformat()}))
        self._notify("supervisor", "sla_breach", target=target, deadline=sla.deadline.isoformat(),
                     key=f"sla_breach-{target}")
        self._published()

    # ---- human actions -----------------------------------------------------------

    @workflow.update
    async def intake_recorded(self) -> CaseState:
        await workflow.wait_condition(lambda: self._policy is not None or self._intake_error is not None)
        if self._intake_error is not None:
            raise self._intake_error
        return self._state

    @workflow.update
    async def record_remote_resolution(self, actor: Actor, data: RemoteResolution) -> CaseState:
        async with self._acting(Action.REMOTE_RESOLUTION):
            to = stages.after_remote_guidance(data.resolved)
            if data.resolved:
                await self._step("remote_resolved", actor, to, data.model_dump(mode="json"),
                                 sla_met=met_by("remote_resolved"))
                self._enter_callback()
            else:
                mode = dispatch_mode(self._start.intake.product.category)
                await self._step("remote_guidance", actor, to, data.model_dump(mode="json"),
                                 fields=CaseFields(service_mode=mode))
                self._state.service_mode = mode
        return self._state

    @workflow.update
    async def assign_technician(self, actor: Actor, data: Assignment) -> CaseState:
        async with self._acting(Action.ASSIGNMENT):
            await self._step("technician_assigned", actor, Stage.DIAGNOSIS, data.model_dump(),
                             fields=CaseFields(technician_id=data.technician_id),
                             sla_met=met_by("assignment"))
            self._notify("customer", "technician_assigned", technician_id=data.technician_id)
        return self._state

    @workflow.update
    async def record_diagnosis(self, actor: Actor, data: Diagnosis) -> CaseState:
        async with self._acting(Action.DIAGNOSIS):
            s = self._state
            version = (s.quote.version + 1) if s.quote else 1
            quote: Quote = await self._activity("price_quote", QuoteRequest(
                case_id=s.case_id, version=version, parts=data.parts, labor_hours=data.labor_hours,
                in_warranty=s.warranty == "in_warranty", on_site=s.service_mode == "on_site"),
                result_type=Quote)
            free = quote.total == 0
            to = stages.after_diagnosis(free)
            expires = None if free else workflow.now() + timedelta(seconds=self.policy.quote_expiry_seconds)
            await self._step("diagnosed", actor, to,
                             {"version": version, "total": str(quote.total), "auto_approved": free},
                             activity="record_diagnosis", extra=[self._seq("diagnosis"), data, quote, expires],
                             sla_met=met_by("diagnosis"))
            s.quote, s.quote_expires_at = quote, expires
            if free:
                self._enter_repair()
            else:
                self._notify("customer", "quote_ready", total=str(quote.total), currency=quote.currency,
                             version=version)
        return self._state

    @workflow.update
    async def decide_quote(self, actor: Actor, data: QuoteDecision) -> CaseState:
        async with self._acting(Action.QUOTE_DECISION):
            quote = self._state.quote
            assert quote is not None
            if data.quote_version is not None and data.quote_version != quote.version:
                raise invalid_input("quote_version",
                                    f"the quote changed: version {quote.version} needs a decision")
            status = "approved" if data.approved else "declined"
            to = stages.after_quote_decision(data.approved)
            await self._step(f"quote_{status}", actor, to, {"version": quote.version, "note": data.note},
                             activity="record_quote_decision", extra=[quote.version, status, data.note])
            self._state.quote_expires_at = None
            if data.approved:
                self._enter_repair()
            else:
                self._notify("customer", "returned_unrepaired")
        return self._state

    @workflow.update
    async def record_repair(self, actor: Actor, data: Repair) -> CaseState:
        async with self._acting(Action.REPAIR):
            await self._step("repaired", actor, Stage.QC, activity="record_repair",
                             extra=[self._seq("repair"), data])
            self._state.repaired = True
        return self._state

    @workflow.update
    async def record_qc(self, actor: Actor, data: QcCheck) -> CaseState:
        async with self._acting(Action.QC):
            s = self._state
            to = stages.after_qc(data.passed)
            await self._step("qc_passed" if data.passed else "qc_failed", actor, to,
                             activity="record_qc", extra=[self._seq("qc"), data])
            if data.passed:
                self._notify("customer", "ready_for_handover")
            else:
                s.qc_failures += 1
                if s.qc_failures == self.policy.max_qc_failures:
                    await self._activity("record_escalation", self._make_step(
                        "qc_rework_limit", SYSTEM, s.stage, {"qc_failures": s.qc_failures}, moves_stage=False),
                        Escalation(kind="qc_rework_limit", level=s.escalation_level,
                                   detail={"qc_failures": s.qc_failures}))
                    self._notify("supervisor", "qc_rework_limit", qc_failures=s.qc_failures)
        return self._state

    @workflow.update
    async def record_handover(self, actor: Actor, data: Handover) -> CaseState:
        async with self._acting(Action.HANDOVER):
            s = self._state
            if data.resolution == "rework" and not s.repaired:
                raise invalid_input("resolution", "rework needs a repaired device; offer compensation")
            to = stages.after_handover(data.accepted, data.resolution)
            if data.accepted:
                kind = "handover_accepted" if s.repaired else "returned_unrepaired"
            else:
                kind = "compensation_agreed" if data.resolution == "compensation" else "handover_refused"
            await self._step(kind, actor, to, activity="record_handover",
                             extra=[self._seq("handover"), data, s.repaired],
                             sla_met=met_by("handover") if to is Stage.CALLBACK else ())
            if to is Stage.CALLBACK:
                self._enter_callback()
            else:
                s.reworks += 1
        return self._state

    @workflow.update
    async def record_callback(self, actor: Actor, data: Callback) -> CaseState:
        async with self._acting(Action.CALLBACK):
            to = stages.after_callback(data.reached)
            outcome = "reached" if data.reached else "not_reached"
            await self._step(f"callback_{outcome}", actor, to, activity="record_callback",
                             extra=[self._seq("callback"), outcome, data])
            if data.reached and ((data.csat or 5) <= 2 or (data.nps if data.nps is not None else 10) <= 6):
                s = self._state
                await self._activity("record_escalation", self._make_step(
                    "follow_up", actor, s.stage, {"csat": data.csat, "nps": data.nps}, moves_stage=False),
                    Escalation(kind="follow_up", level=s.escalation_level,
                               detail={"csat": data.csat, "nps": data.nps, "comments": data.comments}))
                self._notify("supervisor", "follow_up", csat=data.csat, nps=data.nps,
                             comments=data.comments or "")
        return await self._closed_if(to is Stage.REVIEW)

    @workflow.update
    async def cancel(self, actor: Actor, data: Cancel) -> CaseState:
        async with self._acting(Action.CANCEL):
            await self._step("cancelled", actor, Stage.REVIEW, data.model_dump())
            self._cancelled = True
        return await self._closed_if(True)

    @workflow.update
    async def reassign_technician(self, actor: Actor, data: Reassignment) -> CaseState:
        async with self._acting(Action.REASSIGNMENT):
            self._check_reassignment(data)
            s = self._state
            await self._step("technician_reassigned", actor, s.stage,
                             {"technician_id": data.technician_id, "previous": s.technician_id,
                              "reason": data.reason},
                             fields=CaseFields(technician_id=data.technician_id))
            self._notify("customer", "technician_assigned", technician_id=data.technician_id)
        return self._state

    @workflow.update
    async def extend_sla(self, actor: Actor, data: SlaExtension) -> CaseState:
        async with self._acting(Action.SLA_EXTENSION):
            self._check_extension(data)
            await self._change_clock(data.target, "extend", actor, minutes=data.minutes, reason=data.reason)
        return self._state

    @record_remote_resolution.validator
    def _check_remote(self, actor: Actor, data: RemoteResolution) -> None:
        self._check(Action.REMOTE_RESOLUTION)

    @assign_technician.validator
    def _check_assign(self, actor: Actor, data: Assignment) -> None:
        self._check(Action.ASSIGNMENT)

    @record_diagnosis.validator
    def _check_diagnosis(self, actor: Actor, data: Diagnosis) -> None:
        self._check(Action.DIAGNOSIS)

    @decide_quote.validator
    def _check_quote(self, actor: Actor, data: QuoteDecision) -> None:
        self._check(Action.QUOTE_DECISION)

    @record_repair.validator
    def _check_repair(self, actor: Actor, data: Repair) -> None:
        self._check(Action.REPAIR)

    @record_qc.validator
    def _check_qc(self, actor: Actor, data: QcCheck) -> None:
        self._check(Action.QC)

    @record_handover.validator
    def _check_handover(self, actor: Actor, data: Handover) -> None:
        self._check(Action.HANDOVER)
        if data.resolution == "rework" and not self._state.repaired:
            raise invalid_input("resolution", "rework needs a repaired device; offer compensation")

    @record_callback.validator
    def _check_callback(self, actor: Actor, data: Callback) -> None:
        self._check(Action.CALLBACK)

    @cancel.validator
    def _check_cancel(self, actor: Actor, data: Cancel) -> None:
        self._check(Action.CANCEL)

    @reassign_technician.validator
    def _check_reassign(self, actor: Actor, data: Reassignment) -> None:
        self._check(Action.REASSIGNMENT)
        self._check_reassignment(data)

    def _check_reassignment(self, data: Reassignment) -> None:
        if data.technician_id == self._state.technician_id:
            raise invalid_input("technician_id", f"the case is already with {data.technician_id}")

    @extend_sla.validator
    def _check_extend(self, actor: Actor, data: SlaExtension) -> None:
        self._check(Action.SLA_EXTENSION)
        self._check_extension(data)

    def _check_extension(self, data: SlaExtension) -> None:
        sla = self._state.sla.get(data.target)
        if not self._ladder or sla is None:
            raise invalid_input("target", "this case's SLA policy has no extensions")
        if sla.met_at is not None:
            raise invalid_input("target", f"the {data.target} target is already met")

    @workflow.query
    def state(self) -> CaseState:
        return self._state

    # ---- helpers -----------------------------------------------------------------

    @property
    def policy(self) -> CasePolicy:
        assert self._policy is not None
        return self._policy

    def _check(self, action: Action) -> None:
        # the validator runs before anything is written; it refuses until triage is done
        if self._policy is None or not allowed(action, self._state.stage):
            raise invalid_stage(action.value, self._state.stage)

    @asynccontextmanager
    async def _acting(self, action: Action) -> AsyncIterator[None]:
        async with self._lock:
            # another action may have moved the case while this one waited for the lock
            self._check(action)
            yield
            await self._follow_customer_wait()
            self._revision += 1
            self._published()

    async def _closed_if(self, reviewing: bool) -> CaseState:
        # answer with the closed case rather than the instant before the review
        if reviewing:
            await workflow.wait_condition(lambda: self._reviewed)
        return self._state

    def _seq(self, kind: str) -> int:
        self._keys[f"seq:{kind}"] += 1
        return self._keys[f"seq:{kind}"]

    def _make_step(self, type_: str, actor: Actor, to: Stage, data: dict | None = None,
                   fields: CaseFields | None = None, sla_met: tuple[str, ...] = (),
                   moves_stage: bool = True) -> Step:
        self._keys[type_] += 1
        return Step(case_id=self._state.case_id, key=f"{type_}-{self._keys[type_]}", type=type_,
                    at=workflow.now(), actor=actor, stage=to, data=data or {},
                    fields=fields or CaseFields(), sla_met=list(sla_met), moves_stage=moves_stage)

    async def _step(self, type_: str, actor: Actor, to: Stage, data: dict | None = None, *,
                    activity: str = "record_step", extra: list | None = None,
                    fields: CaseFields | None = None, sla_met: tuple[str, ...] = ()) -> None:
        step = self._make_step(type_, actor, to, data, fields, sla_met)
        await self._activity(activity, step, *(extra or []), summary=f"{type_} by {actor} → {to.value}")
        self._state.stage = to
        if fields and fields.technician_id:
            self._state.technician_id = fields.technician_id
        for target in sla_met:
            if target in self._state.sla and self._state.sla[target].met_at is None:
                self._state.sla[target].met_at = step.at
                self._state.sla[target].paused = False  # a met clock waits on nobody

    async def _activity(self, name: str, *args: Any, result_type: type | None = None,
                        summary: str | None = None) -> Any:
        try:
            return await workflow.execute_activity(
                name, args=list(args), result_type=result_type, summary=summary,
                start_to_close_timeout=STEP_TIMEOUT, retry_policy=RETRY)
        except ActivityError as err:
            raise business_error(err) from None

    def _notify(self, audience: str, template: str, key: str | None = None, **params: Any) -> None:
        s, intake = self._state, self._start.intake
        self._keys[f"notice:{key or template}"] += 1
        notice = Notice(
            case_id=s.case_id, key=f"{s.case_id}:{key or template}-{self._keys[f'notice:{key or template}']}",
            audience=audience, template=template, at=workflow.now(),
            params={"case_id": s.case_id, "category": intake.product.category.value,
                    "priority": s.priority, "locale": intake.customer.locale, **params})
        # messages go out beside the case, so a slow channel never holds up an action
        self._notices.append(workflow.start_activity(
            "notify", notice, start_to_close_timeout=timedelta(minutes=1), retry_policy=NOTIFY_RETRY,
            summary=f"tell the {audience}: {template}"))

    def _enter_repair(self) -> None:
        self._notify("customer", "repair_started")

    def _enter_callback(self) -> None:
        self._state.callback_due_at = workflow.now() + timedelta(seconds=self.policy.callback_delay_seconds)
        self._callback_due_notified = False

    def _published(self) -> None:
        """Keep search attributes and the UI's case card in step with the state."""
        s, intake = self._state, self._start.intake
        if self._ladder:
            s.escalation_level = case_escalation(s.sla.values())[0]
        running = {name: t.deadline for name, t in s.sla.items()
                   if t.met_at is None and t.breached_at is None and not t.paused}
        following = min(running, key=running.__getitem__) if running else None
        updates = [
            sa.CASE_STAGE.value_set(s.stage.value),
            sa.CASE_CHANNEL.value_set(intake.channel.value),
            sa.PRODUCT_CATEGORY.value_set(intake.product.category.value),
            sa.SLA_BREACHED.value_set(any(t.breached_at for t in s.sla.values())),
            sa.ESCALATION_LEVEL.value_set(s.escalation_level),
        ]
        if s.priority:
            updates.append(sa.CASE_PRIORITY.value_set(s.priority.value))
        if s.warranty:
            updates.append(sa.WARRANTY_STATUS.value_set(s.warranty.value))
        if s.technician_id:
            updates.append(sa.ASSIGNED_TECHNICIAN.value_set(s.technician_id))
        updates.append(sa.SLA_DEADLINE.value_set(running[following]) if following else sa.SLA_DEADLINE.value_unset())
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(case_card(s, intake.product.category.value, intake.product.serial_number,
                                               following))


def dispatch_mode(category: str) -> ServiceMode:
    return ServiceMode.CARRY_IN if category in CARRY_IN_CATEGORIES else ServiceMode.ON_SITE


def case_card(s: CaseState, category: str, serial: str, next_target: str | None) -> str:
    """The Temporal UI's current details: what a supervisor reads first."""
    lines = [f"**{s.case_id}** · {s.priority or '-'} · {category} {serial} · {s.warranty or '-'}",
             f"Stage: **{s.stage.value}** · technician: {s.technician_id or 'unassigned'}"]
    if s.quote:
        lines.append(f"Quote v{s.quote.version}: {s.quote.total} {s.quote.currency}")
    if s.qc_failures or s.reworks:
        lines.append(f"QC failures: {s.qc_failures} · reworks: {s.reworks}")
    deadline = (f"{next_target} by {s.sla[next_target].deadline:%Y-%m-%d %H:%M:%S} UTC" if next_target
                else "none running")
    breached = [t for t, v in s.sla.items() if v.breached_at]
    paused = [t for t, v in s.sla.items() if v.paused]
    lines.append(f"Next SLA deadline: {deadline} · escalation level {s.escalation_level}"
                 + (f" · breached: {', '.join(breached)}" if breached else "")
                 + (f" · paused (waiting on the customer): {', '.join(paused)}" if paused else ""))
    return "\n\n".join(lines)


def business_error(err: ActivityError) -> ApplicationError:
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type in BUSINESS_ERRORS:
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    raise err
