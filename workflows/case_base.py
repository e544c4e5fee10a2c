"""What every part of the case workflow shares: its live state, recording events through
activities, and telling people. The lifecycle (repair_case.py) and the SLA ladders
(sla_ladder.py, pre_ladder.py) build on it."""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities import CaseRecordActivities, NotifyActivities
    from models import errors, stages
    from models.domain import Actor
    from models.events import EscalationKind, EventType
    from models.messages import DELIVERY_ATTEMPTS, Audience, Template
    from models.payloads import (
        CaseEvent,
        CaseFields,
        CasePolicy,
        CaseStart,
        CaseState,
        Escalation,
        EscalationInput,
        Notice,
    )
    from models.sla import Target
    from models.stages import Stage
    from workflows import case_card

I = TypeVar("I")  # noqa: E741 - an activity's input model
R = TypeVar("R")

RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(seconds=30)
)
STEP_TIMEOUT = timedelta(seconds=10)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1), maximum_attempts=DELIVERY_ATTEMPTS
)
NOTIFY_TIMEOUT = timedelta(minutes=1)
# Cases begun from this marker on run the system's own writes (intake, triage, timers, SLA
# rungs, review) and their notices as local activities: in the workflow task that asks for
# them, with no activity task through the server and no workflow task for each result. They
# are short database writes (a notice also starts its deliveries), and the server's round
# trips were most of an intake's and an escalation's cost.
LOCAL_PATCH = "local-writes"
# Cases begun from this marker on have every change guarded by an earlier marker (the SLA
# ladder, local writes, the one-step intake, automatic dispatch, parts, the holder check)
# and record this one marker instead of each: a marker costs the case an event and a search
# attribute upsert in Temporal. Older cases still ask for each marker on its own.
BASELINE_PATCH = "baseline-2026-12"


class CaseWorkflowBase:
    _start: CaseStart
    _state: CaseState
    _policy: CasePolicy | None
    # serialises human actions and timer transitions: each sees the stage it acts on
    _lock: asyncio.Lock
    # bumped by every action and stage timer, so a stage's wait knows it was left
    _revision: int
    # counts events and records per kind: their keys stay unique across retries and replays
    _keys: Counter[str]
    _notices: list[Any]
    # False for cases begun before the escalation ladder (see pre_ladder.py)
    _ladder: bool
    _reviewed: bool
    # each change of an SLA clock wakes its ladder to re-plan
    _clock_changes: Counter[str]
    # Idempotency-Key scope -> digest of the request it first came with
    _idempotency: dict[str, str]
    # a person's action is under way (its writes retry for a bounded time), not the system
    _in_action: bool
    # activities that succeeded: an action that wrote nothing can give its keys back
    _writes: int
    # writes and notices run as local activities (see LOCAL_PATCH); False for older cases
    _local: bool
    # begun from BASELINE_PATCH: every earlier marker holds without being recorded
    _baseline: bool

    def _init_base(self, start: CaseStart) -> None:
        self._start = start
        self._state = CaseState(case_id=start.case_id, stage=Stage.INTAKE, status="open")
        self._policy = None
        self._lock = asyncio.Lock()
        self._revision = 0
        self._keys = Counter()
        self._notices = []
        self._ladder = False
        self._reviewed = False
        self._clock_changes = Counter()
        self._idempotency = {}
        self._in_action = False
        self._writes = 0
        self._local = False
        self._baseline = False

    @property
    def policy(self) -> CasePolicy:
        assert self._policy is not None
        return self._policy

    def _seq(self, kind: str) -> int:
        """The number of this record of `kind` (the nth diagnosis, QC result...)."""
        self._keys[f"seq:{kind}"] += 1
        return self._keys[f"seq:{kind}"]

    def _event(
        self,
        type_: EventType,
        actor: Actor,
        to: Stage | None = None,
        data: dict[str, Any] | None = None,
        fields: CaseFields | None = None,
        sla_met: tuple[Target, ...] = (),
    ) -> CaseEvent:
        """The next event of `type_`; `to` None: it leaves the stage as it is."""
        self._keys[type_] += 1
        return CaseEvent(
            case_id=self._state.case_id,
            key=f"{type_}-{self._keys[type_]}",
            type=type_,
            at=workflow.now(),
            actor=actor,
            stage=to or self._state.stage,
            data=data or {},
            fields=fields or CaseFields(),
            sla_met=list(sla_met),
            moves_stage=to is not None,
        )

    async def _run(self, activity: Callable[[Any, I], Awaitable[R]], given: I, summary: str | None = None) -> R:
        """Runs an activity. A person's action retries for the case's bounded time, then
        answers not_recorded; the system's own writes (triage, timers, ladders, review)
        carry no input of anyone's and retry until the database takes them."""
        within = self.policy.action_retry_seconds if self._in_action else None
        # a person's write stays a scheduled activity: its bounded time (schedule-to-close) holds
        # across retries there, and the case is not held while it fails
        local = self._local and not within
        execute = workflow.execute_local_activity_method if local else workflow.execute_activity_method
        try:
            result = await execute(
                activity,
                given,
                start_to_close_timeout=STEP_TIMEOUT,
                schedule_to_close_timeout=timedelta(seconds=within) if within else None,
                retry_policy=RETRY,
                summary=summary,
            )
        except ActivityError as err:
            business = errors.passed_on(err.cause) if err.cause else None
            if business is not None and (self._in_action or self._policy is None):
                raise business from None
            if business is not None:
                # the database refusing the system's own data is a defect: this workflow task
                # fails and is tried again once the code is fixed; the case stays as it is
                raise RuntimeError(f"{business.type}: {business.message}") from err
            if within:
                raise errors.not_recorded(within) from None
            raise
        self._writes += 1
        return result

    async def _commit(self, activity: Callable[[Any, I], Awaitable[None]], given: I) -> None:
        """Records an event (with the record it carries) and applies it to the state."""
        event = given if isinstance(given, CaseEvent) else given.event  # type: ignore[attr-defined]
        await self._run(activity, given, summary=f"{event.type} by {event.actor} → {event.stage.value}")
        self._apply(event)

    async def _record(self, event: CaseEvent) -> None:
        """An event with no record of its own."""
        await self._commit(CaseRecordActivities.record_event, event)

    def _apply(self, event: CaseEvent) -> None:
        s = self._state
        if event.moves_stage:
            s.stage = stages.move(s.stage, event.stage)
        if event.fields.technician_id:
            s.technician_id = event.fields.technician_id
        for target in event.sla_met:
            if target in s.sla and s.sla[target].met_at is None:
                s.sla[target].met_at = event.at
                s.sla[target].paused = False  # a met clock waits on nobody

    async def _escalate_to_supervisor(self, kind: EscalationKind, actor: Actor, data: dict, **detail: object) -> None:
        s = self._state
        event = self._event(EventType(kind.value), actor, data=data)
        await self._run(
            CaseRecordActivities.record_escalation,
            EscalationInput(
                event=event, escalation=Escalation(kind=kind, level=s.escalation_level, detail=data | detail)
            ),
        )

    def _notice(self, audience: Audience, template: Template, key: str | None = None, **params: Any) -> Notice:
        """The next message of `template` (`key`, default the template) to `audience`."""
        s, intake = self._state, self._start.intake
        name = key or template.value
        self._keys[f"notice:{name}"] += 1
        return Notice(
            case_id=s.case_id,
            key=f"{s.case_id}:{name}-{self._keys[f'notice:{name}']}",
            audience=audience,
            template=template,
            at=workflow.now(),
            params={
                "case_id": s.case_id,
                "category": intake.product.category.value,
                "priority": s.priority,
                "locale": intake.customer.locale,
                **params,
            },
        )

    def _patched(self, patch: str) -> bool:
        """workflow.patched, which a case begun from BASELINE_PATCH need not record."""
        return self._baseline or workflow.patched(patch)

    def _notify(self, audience: Audience, template: Template, key: str | None = None, **params: Any) -> None:
        notice = self._notice(audience, template, key, **params)
        # messages go out beside the case, so a slow channel never holds up an action
        # an action's answer waits for its workflow task: a notice there stays a scheduled activity
        local = self._local and not self._in_action
        self._notices.append(
            (workflow.start_local_activity_method if local else workflow.start_activity_method)(
                NotifyActivities.notify,
                notice,
                start_to_close_timeout=NOTIFY_TIMEOUT,
                retry_policy=NOTIFY_RETRY,
                summary=f"tell the {audience}: {template}",
            )
        )

    def _publish(self) -> None:
        """Keep search attributes and the UI's case card in step with the state."""
        case_card.publish(self._state, self._start.intake, self._ladder)
