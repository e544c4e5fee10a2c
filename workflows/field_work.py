"""The case in the field: automatic dispatch, the visit (appointment, arrival, a missed
window), spare parts (reserved on approval, waited for when short) and a person's
correction of the triage. Cases begun before these steps never take them: each new step
is behind `workflow.patched`, and their policy turns automatic dispatch off."""

from datetime import datetime, timedelta

from temporalio import workflow

from workflows.action_checks import ActionChecks

with workflow.unsafe.imports_passed_through():
    from activities import AutoDispatchActivities, StockActivities
    from models import errors, stages
    from models.domain import SYSTEM, Actor, Appointment, Arrival, PartQty, TriageOverride
    from models.events import EscalationKind, EventType
    from models.messages import Audience, Template
    from models.payloads import (
        AutoAssignInput,
        CaseFields,
        CaseState,
        PartsReadyInput,
        ReleaseInput,
        ReserveInput,
    )
    from models.pricing import Quote
    from models.sla import Target, met_by
    from models.stages import Action, Stage
    from models.stock import PARTS_ARRIVED

DISPATCH_PATCH = "auto-dispatch"
PARTS_PATCH = "parts-stock"
DISPATCHER = Actor(role=SYSTEM.role, id="auto-dispatch")
BACKOFF_CAP = 16


class FieldWork(ActionChecks):
    # when automatic dispatch tries next; None: at once
    _dispatch_due: datetime | None
    _dispatching: bool
    _parts: bool
    _parts_check_at: datetime | None
    # parts_arrived signals received, and how many a look at the stock has answered
    _parts_signals: int
    _parts_seen: int
    # tries of each kind so far: the waits between them double, up to BACKOFF_CAP times the first
    _tries: dict[str, int]

    def _init_field_work(self) -> None:
        self._dispatch_due, self._dispatching = None, False
        self._parts, self._parts_check_at, self._parts_signals, self._parts_seen = False, None, 0, 0
        self._tries = {"dispatch": 0, "parts": 0}

    def _next_try(self, kind: str, first: float) -> datetime:
        """A doubling wait, so a case that waits for weeks keeps its history short."""
        wait = first * min(2 ** self._tries[kind], BACKOFF_CAP)
        self._tries[kind] += 1
        return workflow.now() + timedelta(seconds=wait)

    # ---- automatic dispatch -------------------------------------------------------

    def _start_field_work(self) -> None:
        """Once the triage set the policy. A case with a region is dispatched by itself; and
        a case keeps stock from its intake on, so one begun before never reserves."""
        region = self._start.intake.customer.region
        self._dispatching = bool(region) and self.policy.auto_dispatch and self._patched(DISPATCH_PATCH)
        self._parts = self._patched(PARTS_PATCH)

    def _dispatch_now(self) -> bool:
        s = self._state
        return (
            self._dispatching and s.stage is Stage.DISPATCH and s.technician_id is None and self._dispatch_due is None
        )

    def _dispatch_timer(self) -> datetime | None:
        s = self._state
        return self._dispatch_due if self._dispatching and s.stage is Stage.DISPATCH else None

    async def _try_dispatch(self) -> None:
        """The best free technician of the case's region, or, with nobody free, a word to the
        dispatch desk (once) and another try after a while."""
        s, intake = self._state, self._start.intake
        assert s.priority is not None and intake.customer.region
        key = f"{EventType.TECHNICIAN_ASSIGNED}-{self._keys[EventType.TECHNICIAN_ASSIGNED] + 1}"
        found = await self._run(
            AutoDispatchActivities.auto_assign,
            AutoAssignInput(
                case_id=s.case_id,
                key=key,
                at=workflow.now(),
                category=intake.product.category.value,
                region=intake.customer.region,
                priority=s.priority,
            ),
            summary=f"find a technician in {intake.customer.region}",
        )
        if found.event is not None:
            self._keys[EventType.TECHNICIAN_ASSIGNED] += 1
            self._apply(found.event)
            self._dispatch_due = None
            self._notify(Audience.CUSTOMER, Template.TECHNICIAN_ASSIGNED, technician_id=s.technician_id)
            return
        if s.dispatch_waiting_since is None:
            await self._record(self._event(EventType.DISPATCH_WAITING, DISPATCHER, data={"reasons": found.reasons}))
            s.dispatch_waiting_since = workflow.now()
            self._notify(Audience.DISPATCHER, Template.DISPATCH_WAITING, reasons="; ".join(found.reasons))
        self._dispatch_due = self._next_try("dispatch", self.policy.dispatch_retry_seconds)

    # ---- the visit ------------------------------------------------------------------

    def _check_visit(self, arriving: bool) -> None:
        s = self._state
        if s.service_mode != "on_site":
            raise errors.invalid_input("service_mode", f"the case is {s.service_mode}: there is no visit")
        if s.arrived_at is not None:
            raise errors.invalid_input("arrived_at", "the technician has already arrived")

    def _visit_timer(self) -> datetime | None:
        s = self._state
        if s.stage is Stage.DIAGNOSIS and s.visit_by and s.arrived_at is None and not s.visit_missed:
            return s.visit_by
        return None

    async def _visit_missed(self) -> None:
        s = self._state
        s.visit_missed = True
        assert s.visit_by is not None and s.visit_from is not None
        window = {"visit_from": s.visit_from.isoformat(), "visit_by": s.visit_by.isoformat()}
        detail = window | {"technician_id": s.technician_id}
        await self._escalate_to_supervisor(EscalationKind.VISIT_MISSED, SYSTEM, detail)
        self._notify(Audience.SUPERVISOR, Template.VISIT_MISSED, technician_id=s.technician_id, **window)
        self._notify(Audience.DISPATCHER, Template.VISIT_MISSED, technician_id=s.technician_id, **window)

    def _check_window(self, data: Appointment) -> None:
        if data.visit_by <= workflow.now():
            raise errors.invalid_input("visit_by", "the window has already ended")

    @workflow.update
    async def set_appointment(self, actor: Actor, data: Appointment) -> CaseState:
        async with self._acting(Action.APPOINTMENT, actor):
            self._check_visit(arriving=False)
            self._check_window(data)
            s = self._state
            window = {"visit_from": data.visit_from.isoformat(), "visit_by": data.visit_by.isoformat()}
            await self._record(
                self._event(
                    EventType.APPOINTMENT_SET,
                    actor,
                    data=window | {"note": data.note},
                    fields=CaseFields(visit_from=data.visit_from, visit_by=data.visit_by),
                )
            )
            s.visit_from, s.visit_by, s.visit_missed = data.visit_from, data.visit_by, False
            self._notify(Audience.CUSTOMER, Template.VISIT_BOOKED, **window)
        return self._state

    @workflow.update
    async def record_arrival(self, actor: Actor, data: Arrival) -> CaseState:
        async with self._acting(Action.ARRIVAL, actor):
            self._check_visit(arriving=True)
            event = self._event(
                EventType.ARRIVED,
                actor,
                data={"note": data.note, "visit_by": self._state.visit_by and self._state.visit_by.isoformat()},
                fields=CaseFields(arrived_at=workflow.now()),
                sla_met=met_by(EventType.ARRIVED),
            )
            await self._record(event)
            self._state.arrived_at = event.at
        return self._state

    # ---- spare parts ------------------------------------------------------------------

    async def _reserve(self, quote: Quote) -> bool:
        """Reserves the quote's parts; True when one is short and the case must wait."""
        s = self._state
        parts = [
            PartQty(part_number=line.code, quantity=int(line.quantity)) for line in quote.lines if line.kind == "part"
        ]
        if not self._parts or not parts:
            return False
        assert s.priority is not None
        reservation = await self._run(
            StockActivities.reserve_parts,
            ReserveInput(
                case_id=s.case_id,
                quote_version=quote.version,
                parts=parts,
                priority=s.priority,
                deadline=s.sla[Target.RESOLVED].deadline,
            ),
            summary=f"reserve the parts of quote v{quote.version}",
        )
        s.parts_requested = True
        await self._tell_served(reservation.served)
        return not reservation.complete

    async def _tell_served(self, case_ids: list[str]) -> None:
        """Cases that stock this one gave back completed: each looks at its parts at once."""
        for case_id in case_ids:
            if case_id != self._state.case_id:
                try:
                    await workflow.get_external_workflow_handle(case_id).signal(PARTS_ARRIVED)
                except Exception:  # noqa: BLE001 - a case gone meanwhile; the others still look on their timers
                    workflow.logger.info("could not tell %s its parts arrived", case_id)

    def _enter_waiting_parts(self) -> None:
        self._parts_check_at = self._next_try("parts", self.policy.parts_recheck_seconds)
        self._notify(Audience.CUSTOMER, Template.WAITING_PARTS)

    def _parts_timer(self) -> datetime | None:
        return self._parts_check_at if self._state.stage is Stage.WAITING_PARTS else None

    def _parts_news(self) -> bool:
        return self._state.stage is Stage.WAITING_PARTS and self._parts_signals != self._parts_seen

    async def _check_parts(self) -> None:
        s = self._state
        self._parts_seen = self._parts_signals
        ready = await self._run(
            StockActivities.parts_ready, PartsReadyInput(case_id=s.case_id), summary="are the parts in stock now?"
        )
        if not ready.complete:
            self._parts_check_at = self._next_try("parts", self.policy.parts_recheck_seconds)
            return
        await self._record(self._event(EventType.PARTS_RESERVED, SYSTEM, stages.after_parts_reserved()))
        self._parts_check_at = None
        self._notify(Audience.CUSTOMER, Template.REPAIR_STARTED)

    async def _release_parts(self) -> None:
        """At the review: whatever the case still holds or waits for goes back (a cancel, a
        declined or expired quote, parts reserved but not used)."""
        if self._state.parts_requested:
            served = await self._run(
                StockActivities.release_parts,
                ReleaseInput(case_id=self._state.case_id),
                summary="release the case's reserved parts",
            )
            await self._tell_served(served.case_ids)

    @workflow.signal
    def parts_arrived(self) -> None:
        """Stock came in for this case (the warehouse's receipt); it looks at once."""
        self._parts_signals += 1

    def _clock_stops(self) -> bool:
        # waiting for a part stops the clock only where the policy says so
        return super()._clock_stops() or (self._state.stage is Stage.WAITING_PARTS and self.policy.pause_for_parts)

    # ---- a person's correction of the triage ---------------------------------------------

    def _check_override(self, data: TriageOverride) -> None:
        s = self._state
        if data.service_mode is not None and s.stage not in (Stage.REMOTE_GUIDANCE, Stage.DISPATCH):
            raise errors.invalid_input("service_mode", f"the service mode is settled once the case is in {s.stage}")
        same = [
            name
            for name, new, old in (
                ("priority", data.priority, s.priority),
                ("warranty", data.warranty, s.warranty),
                ("service_mode", data.service_mode, s.service_mode),
            )
            if new is not None and new == old
        ]
        if same:
            raise errors.invalid_input(same[0], f"the case's {same[0]} is already {getattr(s, same[0])}")

    @workflow.update
    async def override_triage(self, actor: Actor, data: TriageOverride) -> CaseState:
        async with self._acting(Action.TRIAGE_OVERRIDE, actor):
            self._check_override(data)
            s = self._state
            changes = {
                name: {"from": str(getattr(s, name)), "to": str(new)}
                for name, new in (
                    ("priority", data.priority),
                    ("warranty", data.warranty),
                    ("service_mode", data.service_mode),
                )
                if new is not None
            }
            to = stages.after_triage_override(data.service_mode, s.stage)
            await self._record(
                self._event(
                    EventType.TRIAGE_OVERRIDDEN,
                    actor,
                    to,
                    {"changes": changes, "reason": data.reason},
                    fields=CaseFields(priority=data.priority, warranty=data.warranty, service_mode=data.service_mode),
                )
            )
            s.priority = data.priority or s.priority
            s.warranty = data.warranty or s.warranty
            s.service_mode = data.service_mode or s.service_mode
            if data.priority is not None and self._ladder:
                # the clocks take the new priority's targets and calendar from where they started
                for target, sla in s.sla.items():
                    if sla.met_at is None:
                        await self._change_clock(target, "reprioritize", actor, priority=data.priority)
            if s.stage is Stage.DISPATCH:
                self._dispatch_due = None
        return self._state

    @override_triage.validator
    def _may_override_triage(self, actor: Actor, data: TriageOverride) -> None:
        self._check(Action.TRIAGE_OVERRIDE, actor)
        self._check_override(data)

    @set_appointment.validator
    def _may_set_appointment(self, actor: Actor, data: Appointment) -> None:
        self._check(Action.APPOINTMENT, actor)
        self._check_visit(arriving=False)
        self._check_window(data)

    @record_arrival.validator
    def _may_arrive(self, actor: Actor, data: Arrival) -> None:
        self._check(Action.ARRIVAL, actor)
        self._check_visit(arriving=True)
