"""The one write path of a case event: its timeline row, keyed by (case, key), and the
case row it changes, in the caller's transaction. A retried activity finds the event
already there and writes nothing again."""

from sqlalchemy import bindparam, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from activities.webhooks import queue_webhooks
from models.events import EventType
from models.payloads import CaseEvent
from models.sla import case_escalation
from models.stages import status_of
from models.tables import CaseRow, SlaTargetRow, TimelineEventRow
from observability.metrics import ESCALATIONS, STAGE_TRANSITIONS, on_commit

# the SLA ladder's rungs: each one's event passes here once, whichever activity records it
ESCALATION_RUNGS = frozenset({EventType.SLA_WARN.value, EventType.SLA_BREACH.value, EventType.SLA_RAISE.value})
# the stage a case's update leaves, read in its RETURNING: that subquery reads the
# statement's snapshot, which has not seen the update yet
_BEFORE = aliased(CaseRow)
STAGE_BEFORE = select(_BEFORE.stage).where(_BEFORE.case_id == bindparam("before_id")).scalar_subquery()


async def record_event(session: AsyncSession, event: CaseEvent) -> bool:
    """Record the event; False when an earlier attempt already did."""
    inserted = await session.scalar(
        insert(TimelineEventRow)
        .values(
            case_id=event.case_id,
            key=event.key,
            at=event.at,
            type=event.type.value,
            stage=event.stage.value,
            actor=str(event.actor),
            data=event.data,
        )
        .on_conflict_do_nothing(index_elements=["case_id", "key"])
        .returning(TimelineEventRow.id)
    )
    if inserted is None:
        await queue_webhooks(session, event, fresh=False)
        return False
    await queue_webhooks(session, event, fresh=True)
    values = {"updated_at": event.at, **event.fields.model_dump(exclude_none=True)}
    if event.type.value in ESCALATION_RUNGS:
        on_commit(session, ESCALATIONS, rung=event.type.value)
    change = update(CaseRow).where(CaseRow.case_id == event.case_id)
    if event.moves_stage:
        status = status_of(event.stage)
        values |= {"stage": event.stage.value, "status": status}
        if status != "open":
            values["closed_at"] = event.at
        previous = await session.scalar(change.values(**values).returning(STAGE_BEFORE), {"before_id": event.case_id})
        if previous != event.stage.value:  # an event may restate the stage the case is in
            on_commit(session, STAGE_TRANSITIONS, from_stage=str(previous), to_stage=event.stage.value)
    else:
        await session.execute(change.values(**values))
    if event.sla_met:
        await session.execute(
            update(SlaTargetRow)
            # a late finish is recorded too; the breach stays on record beside it
            .where(
                SlaTargetRow.case_id == event.case_id,
                SlaTargetRow.target.in_(event.sla_met),
                SlaTargetRow.met_at.is_(None),
            )
            # met while waiting on the customer (at handover): the wait ends here
            .values(
                met_at=event.at,
                paused_at=None,
                paused_seconds=SlaTargetRow.paused_seconds
                + func.coalesce(func.extract("epoch", literal(event.at) - SlaTargetRow.paused_at), 0),
            )
        )
        await refresh_escalation(session, event.case_id)
    return True


async def refresh_escalation(session: AsyncSession, case_id: str) -> None:
    """Bring the case's escalation level and breach flag in line with its SLA clocks."""
    targets = await session.scalars(select(SlaTargetRow).where(SlaTargetRow.case_id == case_id))
    level, breached = case_escalation(targets)
    await session.execute(
        update(CaseRow).where(CaseRow.case_id == case_id).values(escalation_level=level, sla_breached=breached)
    )
