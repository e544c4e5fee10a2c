"""The closing review: per-case metrics for the closed loop."""
from sqlalchemy import select
from temporalio import activity

from activities.base import ActivityBase
from models.payloads import Step
from models.review import Event, review_metrics
from models.tables import CallbackRecord, Case, Review, TimelineEvent


class ReviewActivities(ActivityBase):
    @activity.defn(name="record_review")
    async def record_review(self, step: Step, outcome: str, qc_failures: int, reworks: int,
                            repaired: bool) -> dict:
        async with self.step(step) as (session, _):
            existing = await session.get(Review, step.case_id)
            if existing is not None:
                return existing.metrics
            case = await session.get(Case, step.case_id)
            events = [Event(e.at, e.type, e.stage) for e in await session.scalars(
                select(TimelineEvent).where(TimelineEvent.case_id == step.case_id))]
            callback = await session.scalar(
                select(CallbackRecord).where(CallbackRecord.case_id == step.case_id,
                                             CallbackRecord.outcome == "reached")
                .order_by(CallbackRecord.seq.desc()).limit(1))
            metrics = review_metrics(
                created_at=case.created_at, ended_at=step.at, events=events, outcome=outcome.lower(),
                qc_failures=qc_failures, reworks=reworks, repaired=repaired,
                sla_breached=case.sla_breached, csat=callback.csat if callback else None,
                nps=callback.nps if callback else None)
            session.add(Review(case_id=step.case_id, outcome=outcome.lower(),
                               first_time_fix=metrics["first_time_fix"], sla_met=metrics["sla_met"],
                               csat=metrics["csat"], nps=metrics["nps"],
                               resolution_seconds=metrics["resolution_seconds"], metrics=metrics, at=step.at))
            return metrics
