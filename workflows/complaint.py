"""ComplaintWorkflow: one per complaint, id `complaint-<complaint_id>` (docs/complaints.md).
It records the complaint, runs its two clocks (the callback and the resolution) on the
escalation ladder of the case SLA, and takes the people's actions as updates: a callback,
an owner, the closing. Closing stops the clocks and ends the workflow."""

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.complaints import ComplaintActivities
    from models import complaints, errors
    from models.complaint_payloads import (
        ComplaintChanges,
        ComplaintEvent,
        ComplaintNotice,
        ComplaintRecord,
        ComplaintStart,
        ComplaintState,
    )
    from models.complaints import Clock, ComplaintCallback, ComplaintClosing, ComplaintOwner, ComplaintStatus
    from models.domain import SYSTEM, Actor
    from models.messages import DELIVERY_ATTEMPTS, Template
    from models.sla import LADDER, Rung

I = TypeVar("I")  # noqa: E741 - an activity's input model
R = TypeVar("R")

RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(seconds=30)
)
STEP_TIMEOUT = timedelta(seconds=10)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1), maximum_attempts=DELIVERY_ATTEMPTS
)


def workflow_id(complaint_id: str) -> str:
    return f"complaint-{complaint_id}"


@workflow.defn(name="Complaint")
class ComplaintWorkflow:
    @workflow.init
    def __init__(self, start: ComplaintStart) -> None:
        self._start = start
        self._state = ComplaintState(complaint_id=start.complaint_id)
        self._recorded = False
        # rungs and actions one at a time: a callback just in time is seen by the rung
        self._lock = asyncio.Lock()
        self._keys: Counter[str] = Counter()

    @workflow.run
    async def run(self, start: ComplaintStart) -> ComplaintState:
        clocks = await self._run(
            ComplaintActivities.record_complaint, ComplaintRecord(start=start, at=workflow.now()), retry_for=None
        )
        s = self._state
        s.opened_at, s.callback_due_at, s.resolve_due_at = (
            clocks.opened_at,
            clocks.callback_due_at,
            clocks.resolve_due_at,
        )
        self._recorded = True
        await asyncio.gather(self._climb(Clock.CALLBACK), self._climb(Clock.RESOLVE))
        # past its last rung a complaint stays open until someone closes it
        await workflow.wait_condition(lambda: s.status is not ComplaintStatus.OPEN)
        # the closing update answers its caller before the workflow ends
        await workflow.wait_condition(workflow.all_handlers_finished)
        return s

    @workflow.update
    async def opened(self) -> ComplaintState:
        """Answers once the complaint is recorded: the API's call to open it."""
        await workflow.wait_condition(lambda: self._recorded)
        return self._state

    @workflow.query
    def state(self) -> ComplaintState:
        return self._state

    # the clocks

    def _stopped(self, clock: Clock) -> bool:
        closed = self._state.status is not ComplaintStatus.OPEN
        return closed or (clock is Clock.CALLBACK and self._state.called_back_at is not None)

    def _deadline(self, clock: Clock) -> datetime:
        s = self._state
        deadline = s.callback_due_at if clock is Clock.CALLBACK else s.resolve_due_at
        assert deadline is not None, "the clocks are set once the complaint is recorded"
        return deadline

    async def _climb(self, clock: Clock) -> None:
        """Each rung once, at its time, unless the clock was met or the complaint closed."""
        assert self._state.opened_at is not None
        deadline = self._deadline(clock)
        times = complaints.ladder(self._state.opened_at, deadline)
        for rung in LADDER:
            timeout = max(0.0, (times[rung] - workflow.now()).total_seconds())
            try:
                await workflow.wait_condition(
                    lambda: self._stopped(clock),  # noqa: B023
                    timeout=timeout,
                    timeout_summary=f"complaint {clock}: {rung} at {times[rung]:%Y-%m-%d %H:%M:%S} UTC",
                )
                return
            except TimeoutError:
                pass
            async with self._lock:
                if self._stopped(clock):
                    return
                key, params = await self._escalate(clock, rung, deadline)
            # outside the lock: people's actions need not wait on the staff messages
            await self._notify(key, complaints.AUDIENCE[rung], params)

    async def _escalate(self, clock: Clock, rung: Rung, deadline: datetime) -> tuple[str, dict[str, Any]]:
        """Records the rung; its key and the parameters of its message."""
        level = complaints.level(rung)
        key = complaints.rung_key(rung, clock)
        detail = {"clock": clock.value, "deadline": deadline.isoformat(), "level": level}
        await self._record(key, f"sla_{rung}", SYSTEM, detail, ComplaintChanges(escalation_level=level), retry_for=None)
        self._state.escalation_level = max(self._state.escalation_level, level)
        params = {**detail, "rung": rung.value, "severity": self._start.intake.severity.value}
        if self._state.owner:
            params["owner"] = self._state.owner
        return key, params

    # the people's actions

    def _check_open(self) -> None:
        if self._state.status is not ComplaintStatus.OPEN:
            raise errors.closed(f"complaint {self._start.complaint_id}", self._state.status.value)

    @workflow.update
    async def call_back(self, actor: Actor, data: ComplaintCallback) -> ComplaintState:
        await workflow.wait_condition(lambda: self._recorded)
        async with self._lock:
            self._check_open()
            now = workflow.now()
            first = self._state.called_back_at is None
            changes = ComplaintChanges(called_back_at=now) if first else ComplaintChanges()
            detail: dict[str, Any] = {"note": data.note}
            if first:
                detail["in_time"] = now <= self._deadline(Clock.CALLBACK)
            await self._record(self._key("called_back"), "called_back", actor, detail, changes)
            if first:
                self._state.called_back_at = now
        return self._state

    @workflow.update
    async def assign_owner(self, actor: Actor, data: ComplaintOwner) -> ComplaintState:
        await workflow.wait_condition(lambda: self._recorded)
        async with self._lock:
            self._check_open()
            detail = {"owner": data.owner, "previous": self._state.owner}
            await self._record(self._key("owner"), "owner_assigned", actor, detail, ComplaintChanges(owner=data.owner))
            self._state.owner = data.owner
        return self._state

    @workflow.update
    async def close(self, actor: Actor, data: ComplaintClosing) -> ComplaintState:
        await workflow.wait_condition(lambda: self._recorded)
        async with self._lock:
            self._check_open()
            status = ComplaintStatus(data.outcome)
            compensation = data.compensation
            changes = ComplaintChanges(
                status=status,
                outcome_reason=data.reason,
                compensation_type=compensation.type if compensation else None,
                compensation_amount=compensation.amount if compensation else None,
                closed_by=str(actor),
                closed_at=workflow.now(),
            )
            await self._record("closed", "closed", actor, data.model_dump(mode="json", exclude_none=True), changes)
            self._state.status = status
        return self._state

    @call_back.validator
    def _call_back_allowed(self, actor: Actor, data: ComplaintCallback) -> None:
        self._check_open()

    @assign_owner.validator
    def _owner_allowed(self, actor: Actor, data: ComplaintOwner) -> None:
        self._check_open()

    @close.validator
    def _close_allowed(self, actor: Actor, data: ComplaintClosing) -> None:
        self._check_open()

    # recording

    def _key(self, kind: str) -> str:
        self._keys[kind] += 1
        return f"{kind}-{self._keys[kind]}"

    async def _record(
        self,
        key: str,
        type_: str,
        actor: Actor,
        detail: dict[str, Any],
        changes: ComplaintChanges,
        retry_for: float | None = -1,
    ) -> None:
        event = ComplaintEvent(
            complaint_id=self._start.complaint_id,
            key=key,
            type=type_,
            actor=actor,
            at=workflow.now(),
            detail=detail,
            changes=changes,
        )
        await self._run(ComplaintActivities.record_complaint_event, event, retry_for=retry_for)

    async def _run(self, activity: Any, arg: I, *, retry_for: float | None = -1) -> Any:
        """A person's action retries its write for the start's bounded time (-1), then
        answers not_recorded; the system's own writes (None) retry until they land."""
        seconds = self._start.action_retry_seconds if retry_for == -1 else retry_for
        try:
            return await workflow.execute_activity_method(
                activity,
                arg,
                start_to_close_timeout=STEP_TIMEOUT,
                schedule_to_close_timeout=timedelta(seconds=seconds) if seconds else None,
                retry_policy=RETRY,
            )
        except ActivityError as err:
            own = errors.passed_on(err.cause) if err.cause else None
            if own is not None:
                raise own from None
            if seconds:
                raise errors.not_recorded(seconds) from None
            raise

    async def _notify(self, key: str, audience: Any, params: dict[str, Any]) -> None:
        """A message that cannot be queued does not hold the complaint's clocks up."""
        notice = ComplaintNotice(
            complaint_id=self._start.complaint_id,
            key=key,
            audience=audience,
            template=Template.COMPLAINT_ESCALATED,
            params=params,
            at=workflow.now(),
        )
        try:
            await workflow.execute_activity_method(
                ComplaintActivities.notify_complaint,
                notice,
                start_to_close_timeout=timedelta(minutes=1),
                retry_policy=NOTIFY_RETRY,
            )
        except ActivityError as err:
            workflow.logger.warning("complaint %s: notice %s not queued: %s", notice.complaint_id, key, err)
