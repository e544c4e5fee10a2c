"""The one write path of a case event: its timeline row, keyed by (case, key), and the
case row it changes, in the caller's transaction. A retried activity finds the event
already there and writes nothing again."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, literal, select, union_all, update
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


# Core statements on the tables, built once: no ORM object is loaded or kept in step by them
_TARGETS, _CASES = cast(Table, SlaTargetRow.__table__), cast(Table, CaseRow.__table__)
_AS_ESCALATED = (_TARGETS.c.level, _TARGETS.c.met_at, _TARGETS.c.breached_at)
CLOCKS = select(*_AS_ESCALATED).where(_TARGETS.c.case_id == bindparam("clock_case"))
ESCALATE_CASE = (
    update(_CASES)
    .where(_CASES.c.case_id == bindparam("clock_case"))
    .values(escalation_level=bindparam("escalation_level"), sla_breached=bindparam("sla_breached"))
)
# a rung: its clock's new level (and breach), returned as it becomes beside the case's other
# clocks as they are, since the statement's own snapshot does not see its update
_REACHED = (
    update(_TARGETS)
    .where(_TARGETS.c.case_id == bindparam("clock_case"), _TARGETS.c.target == bindparam("clock_target"))
    .values(level=bindparam("level"), breached_at=func.coalesce(bindparam("breached_at"), _TARGETS.c.breached_at))
    .returning(*_AS_ESCALATED)
    .cte("reached")
)
REACH_RUNG = union_all(
    select(_REACHED.c.level, _REACHED.c.met_at, _REACHED.c.breached_at),
    CLOCKS.where(_TARGETS.c.target != bindparam("clock_target")),
)


async def refresh_escalation(session: AsyncSession, case_id: str) -> None:
    """Bring the case's escalation level and breach flag in line with its SLA clocks."""
    await _escalate_case(session, case_id, (await session.execute(CLOCKS, {"clock_case": case_id})).all())


async def reach_rung(
    session: AsyncSession, case_id: str, target: str, level: int, breached_at: datetime | None
) -> None:
    """One clock climbs to `level` (breached at `breached_at`, unless None), and the case's
    escalation follows: two statements."""
    params = {"clock_case": case_id, "clock_target": target, "level": level, "breached_at": breached_at}
    await _escalate_case(session, case_id, (await session.execute(REACH_RUNG, params)).all())


async def _escalate_case(session: AsyncSession, case_id: str, clocks: Sequence[Any]) -> None:
    level, breached = case_escalation(clocks)
    await session.execute(ESCALATE_CASE, {"clock_case": case_id, "escalation_level": level, "sla_breached": breached})
