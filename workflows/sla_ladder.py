"""The escalation ladder of each SLA target of a case (docs/sla.md): warn at 75 %,
breach at 100 %, raise the priority at 150 %, each rung once at its time. A met target
ends its ladder, a pause holds it, an extension re-plans it."""

from typing import Any

from temporalio import workflow

from workflows.case_base import CaseWorkflowBase

with workflow.unsafe.imports_passed_through():
    from activities import CaseRecordActivities, SlaActivities
    from models.domain import SYSTEM, Actor, Priority
    from models.messages import Audience
    from models.payloads import CaseFields, Escalation, EscalationInput, SlaClockChange, SlaTargetState
    from models.sla import (
        AUDIENCE,
        CLOCK_EVENTS,
        ESCALATION,
        EVENT,
        LADDER,
        NOTICE,
        PAUSABLE,
        WAITING_ON_CUSTOMER,
        Rung,
        raised,
    )
    from models.stages import Stage


class SlaLadder(CaseWorkflowBase):
    def _settled(self, sla: SlaTargetState) -> bool:
        return sla.met_at is not None or self._reviewed or self._state.stage is Stage.REVIEW

    async def _climb_ladder(self, target: str) -> None:
        """Walks one target's ladder; an extension may re-arm rungs already climbed, so
        the top of the ladder waits too."""
        sla = self._state.sla[target]
        while not self._settled(sla):
            rung, changes = sla.next_rung(), self._clock_changes[target]
            due = sla.due(rung) if rung else None
            timeout = None if due is None else max(0.0, (due - workflow.now()).total_seconds())
            try:
                await workflow.wait_condition(
                    lambda: self._settled(sla) or self._clock_changes[target] != changes,  # noqa: B023
                    timeout=timeout,
                    timeout_summary=f"SLA {target}: {rung} at {due:%Y-%m-%d %H:%M:%S} UTC" if due else None,
                )
                continue  # met, closing or re-planned: look again
            except TimeoutError:
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
        detail: dict[str, Any] = {
            "target": target,
            "due": due.isoformat(),
            "deadline": sla.deadline.isoformat(),
            "armed": sla.armed,
        }
        if priority != s.priority:
            detail["priority"] = {"from": s.priority.value, "to": priority.value}
        event = self._event(
            EVENT[rung], SYSTEM, data=detail, fields=CaseFields(priority=priority if priority != s.priority else None)
        )
        escalation = Escalation(kind=ESCALATION[rung], level=level, target=target, detail=detail)
        # before anyone is assigned, the case's assignee is the dispatch desk
        audience = AUDIENCE[rung] if rung is not Rung.WARN or s.technician_id else Audience.DISPATCHER
        told: dict[str, Any] = {
            "key": f"sla_{rung}-{target}-{sla.armed}",
            "target": target,
            "deadline": sla.deadline.isoformat(),
            "technician_id": s.technician_id,
        }
        # with local writes the rung's message is queued in the rung's own transaction
        notice = self._notice(audience, NOTICE[rung], priority=priority, **told) if self._local else None
        await self._run(
            CaseRecordActivities.record_escalation,
            EscalationInput(event=event, escalation=escalation, notice=notice),
            summary=f"SLA {rung} on {target}: level {level}",
        )
        sla.level = level
        if rung is Rung.BREACH:
            sla.breached_at = event.at
        s.priority = priority
        if notice is None:
            self._notify(audience, NOTICE[rung], **told)
        self._publish()

    async def _change_clock(self, target: str, kind: str, actor: Actor, **change: Any) -> None:
        event = self._event(
            CLOCK_EVENTS[kind], actor, data={"target": target, "stage": self._state.stage.value, **change}
        )
        plan = await self._run(
            SlaActivities.change_sla_clock,
            SlaClockChange(event=event, target=target, kind=kind, **change),
            summary=f"SLA {target}: {kind}",
        )
        self._state.sla[target].follow(plan)
        self._clock_changes[target] += 1

    def _clock_stops(self) -> bool:
        """Whether the resolution clock stands still in the case's stage."""
        return self._state.stage in WAITING_ON_CUSTOMER

    async def _follow_customer_wait(self) -> None:
        """The resolution clock stops while the case waits on the customer."""
        sla = self._state.sla.get(PAUSABLE)
        if not self._ladder or sla is None or self._settled(sla):
            return
        waiting = self._clock_stops()
        if waiting != sla.paused:
            await self._change_clock(PAUSABLE, "pause" if waiting else "resume", SYSTEM)
