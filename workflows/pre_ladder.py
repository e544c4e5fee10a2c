"""The compatibility path for cases begun before the escalation ladder (workflow.patched
("sla-ladder") false, or a triage run by a worker of that time): each SLA target keeps
one breach timer at its deadline, as those cases were promised. Nothing new starts here."""

from temporalio import workflow

from workflows.case_base import CaseWorkflowBase

with workflow.unsafe.imports_passed_through():
    from activities import CaseRecordActivities
    from models.domain import SYSTEM
    from models.events import EscalationKind
    from models.messages import Audience, Template
    from models.payloads import CaseFields, Escalation, EscalationInput
    from models.sla import PRE_LADDER_BREACH, Target
    from models.stages import Stage

BREACH_LEVEL = 2


class PreLadderSla(CaseWorkflowBase):
    async def _watch_deadline(self, target: str) -> None:
        """One breach at the deadline, unless the target is met or the case reviewed first."""
        sla = self._state.sla[target]
        timeout = max(0.0, (sla.deadline - workflow.now()).total_seconds())
        try:
            await workflow.wait_condition(
                lambda: sla.met_at is not None or self._reviewed or self._state.stage is Stage.REVIEW,
                timeout=timeout,
            )
            return
        except TimeoutError:
            pass
        sla.breached_at = workflow.now()
        s = self._state
        s.escalation_level = max(s.escalation_level, BREACH_LEVEL)
        deadline = sla.deadline.isoformat()
        event = self._event(
            PRE_LADDER_BREACH[Target(target)],
            SYSTEM,
            data={"target": target, "deadline": deadline},
            fields=CaseFields(sla_breached=True, escalation_level=s.escalation_level),
        )
        escalation = Escalation(
            kind=EscalationKind.SLA_BREACH, level=BREACH_LEVEL, target=target, detail={"deadline": deadline}
        )
        await self._run(CaseRecordActivities.record_escalation, EscalationInput(event=event, escalation=escalation))
        self._notify(
            Audience.SUPERVISOR, Template.SLA_BREACH, target=target, deadline=deadline, key=f"sla_breach-{target}"
        )
        self._publish()
