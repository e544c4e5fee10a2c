"""SLA clocks: their plans on the service calendar, pauses, resumptions and extensions.

Calendar arithmetic lives here rather than in the workflow, so the workflow stays
deterministic whatever the configuration says about business hours and holidays.
"""

from datetime import datetime

from sqlalchemy import select
from temporalio import activity

from activities.base import ActivityBase
from activities.events import refresh_escalation
from models import errors
from models.payloads import SlaClockChange, SlaPlan
from models.sla import LADDER, Rung, budget_seconds, rung_times
from models.tables import SlaTargetRow
from settings import Settings


def new_target(settings: Settings, case_id: str, target: str, priority: str, at: datetime) -> dict:
    """The row of a clock that starts at `at` on the policy of `priority`."""
    calendar = settings.sla_calendar(priority)
    budget = budget_seconds(priority, target, settings.sla_table(), settings.time_scale)
    times = rung_times(calendar, at, budget, 0)
    return {
        "case_id": case_id,
        "target": target,
        "policy": priority,
        "calendar": calendar.label,
        "started_at": at,
        "budget_seconds": budget,
        "deadline": times[Rung.BREACH],
        "warn_at": times[Rung.WARN],
        "escalate_at": times[Rung.RAISE],
    }


def plan_of(row: SlaTargetRow) -> SlaPlan:
    return SlaPlan(
        deadline=row.deadline,
        warn_at=row.warn_at,
        escalate_at=row.escalate_at,
        level=row.level,
        paused=row.paused_at is not None,
        breached_at=row.breached_at,
    )


class SlaActivities(ActivityBase):
    @activity.defn(name="change_sla_clock")
    async def change_sla_clock(self, change: SlaClockChange) -> SlaPlan:
        event = change.event
        async with self.recording(event) as (session, fresh):
            row = await session.scalar(
                select(SlaTargetRow)
                .where(SlaTargetRow.case_id == event.case_id, SlaTargetRow.target == change.target)
                .with_for_update()
            )
            assert row is not None, (event.case_id, change.target)
            if fresh:
                try:
                    self._apply(row, change, event.at)
                except ValueError as err:  # the calendar has no open hours that far ahead
                    raise errors.invalid_input("minutes", str(err)) from None
                await session.flush()
                await refresh_escalation(session, event.case_id)
            return plan_of(row)

    def _apply(self, row: SlaTargetRow, change: SlaClockChange, at: datetime) -> None:
        # only clocks on the ladder change, and triage gave each its policy and budget
        assert row.policy and row.started_at and row.budget_seconds is not None, (row.case_id, row.target)
        calendar = self.settings.sla_calendar(row.policy)
        if change.kind == "pause":
            row.paused_at = row.paused_at or at
            return
        if change.kind == "resume" and row.paused_at is not None:
            row.paused_seconds += (at - row.paused_at).total_seconds()
            row.paused_service_seconds += calendar.between(row.paused_at, at)
            row.paused_at = None
        if change.kind == "extend":
            extra = change.minutes * 60 * self.settings.time_scale
            row.budget_seconds += extra
            row.extended_seconds += extra
        if change.kind == "reprioritize" and change.priority is not None:
            # the new priority's budget and calendar, from the clock's start; extensions stay
            row.policy = change.priority.value
            calendar = self.settings.sla_calendar(row.policy)
            row.calendar = calendar.label
            budget = budget_seconds(row.policy, row.target, self.settings.sla_table(), self.settings.time_scale)
            row.budget_seconds = budget + row.extended_seconds
        times = rung_times(calendar, row.started_at, row.budget_seconds, row.paused_service_seconds)
        row.deadline, row.warn_at, row.escalate_at = times[Rung.BREACH], times[Rung.WARN], times[Rung.RAISE]
        # an extension (or a lower priority) re-arms the rungs that now fall due later
        now = row.paused_at or at
        row.level = min(row.level, sum(1 for rung in LADDER if times[rung] <= now))
        if row.level < LADDER.index(Rung.BREACH) + 1:
            row.breached_at = None
