"""Automatic dispatch: the best technician for a case, chosen and recorded in one
transaction, so two cases choosing at once can never both take a technician's last free
place. The technicians of the region are locked in id order while the choice is made."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from activities.base import ActivityBase
from activities.events import record_event
from activities.webhooks import PENDING
from models.dispatch import Candidate, choose
from models.domain import SYSTEM, Actor
from models.events import EventType
from models.payloads import AutoAssignInput, AutoAssignment, CaseEvent, CaseFields
from models.sla import met_by
from models.stages import ACTION_STAGES, Action, Stage, after_assignment
from models.tables import CaseRow, DeviceRow, TechnicianRow, TimelineEventRow

AUTO = Actor(role=SYSTEM.role, id="auto-dispatch")
# the stages in which a case is a technician's work: from dispatch until the device is back
HELD = [s.value for s in ACTION_STAGES[Action.REASSIGNMENT]]


class AutoDispatchActivities(ActivityBase):
    @activity.defn(name="auto_assign")
    async def auto_assign(self, given: AutoAssignInput) -> AutoAssignment:
        async with self.sessions.begin() as session:
            # the case row first: an earlier attempt still running commits before this looks
            case = await session.get(CaseRow, given.case_id, with_for_update=True)
            done = await session.scalar(
                select(TimelineEventRow).where(
                    TimelineEventRow.case_id == given.case_id, TimelineEventRow.key == given.key
                )
            )
            if done is not None:  # a retry: the assignment an earlier attempt recorded
                return AutoAssignment(event=_assignment(given, done.data["technician_id"], done.data["reasons"]))
            if case is None or case.stage != Stage.DISPATCH.value or case.technician_id:
                return AutoAssignment(reasons=["the case no longer waits for dispatch"])
            people = list(
                await session.scalars(
                    select(TechnicianRow)
                    .where(TechnicianRow.active.is_(True), TechnicianRow.region == given.region)
                    .order_by(TechnicianRow.technician_id)
                    .with_for_update()
                )
            )
            loads = await _loads(session, [p.technician_id for p in people])
            candidates = [
                Candidate(p.technician_id, p.name, frozenset(p.skills), p.capacity, loads.get(p.technician_id, 0))
                for p in people
            ]
            ahead = await _ahead(session, case, given)
            choice = choose(candidates, given.category, given.region, ahead)
            if choice.technician_id is None:
                return AutoAssignment(reasons=choice.reasons)
            event = _assignment(given, choice.technician_id, choice.reasons)
            await record_event(session, event)
            pending = session.info.pop(PENDING, [])
        await self.start_pending(pending)
        return AutoAssignment(event=event)


def _assignment(given: AutoAssignInput, technician_id: str, reasons: list[str]) -> CaseEvent:
    return CaseEvent(
        case_id=given.case_id,
        key=given.key,
        type=EventType.TECHNICIAN_ASSIGNED,
        at=given.at,
        actor=AUTO,
        stage=after_assignment(),
        data={"technician_id": technician_id, "reasons": reasons, "automatic": True},
        fields=CaseFields(technician_id=technician_id),
        sla_met=list(met_by(EventType.TECHNICIAN_ASSIGNED)),
    )


async def _loads(session: AsyncSession, technician_ids: list[str]) -> dict[str, int]:
    rows = await session.execute(
        select(CaseRow.technician_id, func.count())
        .where(CaseRow.technician_id.in_(technician_ids), CaseRow.stage.in_(HELD))
        .group_by(CaseRow.technician_id)
    )
    return {technician: n for technician, n in rows.all() if technician}


async def _ahead(session: AsyncSession, case: CaseRow, given: AutoAssignInput) -> dict[str, int]:
    """The cases of the region waiting for dispatch that go before this one (a higher
    priority, or the same and older), by product category."""
    mine = int(given.priority.value[1])
    rank = func.cast(func.substr(CaseRow.priority, 2, 1), type_=CaseRow.escalation_level.type)
    rows = await session.execute(
        select(DeviceRow.category, func.count())
        .select_from(CaseRow)
        .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
        .where(
            CaseRow.stage == Stage.DISPATCH.value,
            CaseRow.region == given.region,
            CaseRow.technician_id.is_(None),
            CaseRow.case_id != case.case_id,
            (rank < mine) | ((rank == mine) & (CaseRow.created_at < case.created_at)),
        )
        .group_by(DeviceRow.category)
    )
    return {category: n for category, n in rows.all()}
