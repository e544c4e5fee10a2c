"""The one write path of a case step: its timeline event, keyed by (case, key), and the
case row it changes, in the caller's transaction. A retried activity finds the event
already there and writes nothing again."""
from sqlalchemy import func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.payloads import Step
from models.sla import case_escalation
from models.stages import status_of
from models.tables import Case, SlaTarget, TimelineEvent


async def apply_step(session: AsyncSession, step: Step) -> bool:
    """Record the step; False when an earlier attempt already did."""
    inserted = await session.scalar(
        insert(TimelineEvent)
        .values(case_id=step.case_id, key=step.key, at=step.at, type=step.type,
                stage=step.stage.value, actor=str(step.actor), data=step.data)
        .on_conflict_do_nothing(index_elements=["case_id", "key"])
        .returning(TimelineEvent.id)
    )
    if inserted is None:
        return False
    values = {"updated_at": step.at, **step.fields.model_dump(exclude_none=True, mode="json")}
    if step.moves_stage:
        status = status_of(step.stage)
        values |= {"stage": step.stage.value, "status": status}
        if status != "open":
            values["closed_at"] = step.at
    await session.execute(update(Case).where(Case.case_id == step.case_id).values(**values))
    if step.sla_met:
        await session.execute(
            update(SlaTarget)
            # a late finish is recorded too; the breach stays on record beside it
            .where(SlaTarget.case_id == step.case_id, SlaTarget.target.in_(step.sla_met),
                   SlaTarget.met_at.is_(None))
            # met while waiting on the customer (at handover): the wait ends here
            .values(met_at=step.at, paused_at=None, paused_seconds=SlaTarget.paused_seconds + func.coalesce(
                func.extract("epoch", literal(step.at) - SlaTarget.paused_at), 0))
        )
        await refresh_escalation(session, step.case_id)
    return True


async def refresh_escalation(session: AsyncSession, case_id: str) -> None:
    """Bring the case's escalation level and breach flag in line with its SLA clocks."""
    targets = await session.scalars(select(SlaTarget).where(SlaTarget.case_id == case_id))
    level, breached = case_escalation(targets)
    await session.execute(update(Case).where(Case.case_id == case_id)
                          .values(escalation_level=level, sla_breached=breached))
