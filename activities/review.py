"""The closing review: per-case metrics for the closed loop."""

from sqlalchemy import select
from temporalio import activity

from activities.base import ActivityBase
from activities.case_kpis import write_case_kpis
from models.payloads import ReviewInput
from models.review import Event, ReviewMetrics, review_metrics
from models.tables import CallbackRow, CaseRow, ReviewRow, TimelineEventRow


class ReviewActivities(ActivityBase):
    @activity.defn(name="record_review")
    async def record_review(self, given: ReviewInput) -> ReviewMetrics:
        event = given.event
        async with self.recording(event) as (session, _):
            existing = await session.get(ReviewRow, event.case_id)
            if existing is not None:
                return ReviewMetrics.model_validate(existing.metrics)
            case = await session.get(CaseRow, event.case_id)
            assert case is not None, event.case_id
            events = [
                Event(e.at, e.type, e.stage)
                for e in await session.scalars(
                    select(TimelineEventRow).where(TimelineEventRow.case_id == event.case_id)
                )
            ]
            callback = await session.scalar(
                select(CallbackRow)
                .where(CallbackRow.case_id == event.case_id, CallbackRow.outcome == "reached")
                .order_by(CallbackRow.seq.desc())
                .limit(1)
            )
            metrics = review_metrics(
                created_at=case.created_at,
                ended_at=event.at,
                events=events,
                outcome=given.outcome,
                qc_failures=given.qc_failures,
                reworks=given.reworks,
                repaired=given.repaired,
                sla_breached=case.sla_breached,
                csat=callback.csat if callback else None,
                nps=callback.nps if callback else None,
            )
            session.add(
                ReviewRow(
                    case_id=event.case_id,
                    outcome=given.outcome,
                    first_time_fix=metrics.first_time_fix,
                    sla_met=metrics.sla_met,
                    csat=metrics.csat,
                    nps=metrics.nps,
                    resolution_seconds=metrics.resolution_seconds,
                    metrics=metrics.model_dump(mode="json"),
                    at=event.at,
                )
            )
            await session.flush()  # the facts read the review's first-time fix
            await write_case_kpis(session, [event.case_id])
            return metrics
