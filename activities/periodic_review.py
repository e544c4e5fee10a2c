"""Periodic reviews: compile a period's report and store it once per review id, then tell
the managers (docs/reviews.md)."""

from sqlalchemy.dialects.postgresql import insert
from temporalio import activity

from activities.base import ActivityBase
from activities.dispatch import start_deliveries
from activities.review_report import compile_report
from activities.staff_notice import queue_staff_notice
from models.messages import Audience, Template
from models.periodic_review import CompileInput, ReviewKind, ReviewNoticeInput, ReviewOutcome
from models.tables import ReviewReportRow


def outcome(report: dict, created: bool) -> ReviewOutcome:
    return ReviewOutcome(
        review_id=report["review_id"],
        created=created,
        kind=ReviewKind(report["kind"]),
        score=report["score"],
        missed=[t["label"] for t in report["targets"] if t["standing"] == "missed"],
        period=report["period"],
    )


class PeriodicReviewActivities(ActivityBase):
    @activity.defn(name="compile_review")
    async def compile_review(self, given: CompileInput) -> ReviewOutcome:
        """Idempotent on the review id: a period's report, once stored, is the report."""
        async with self.sessions.begin() as session:
            stored = await session.get(ReviewReportRow, given.review_id)
            if stored is not None:
                return outcome(stored.report, created=False)
            made = (await compile_report(session, given)).model_dump(mode="json", by_alias=True)
            inserted = await session.scalar(
                insert(ReviewReportRow)
                .values(
                    review_id=given.review_id,
                    kind=given.kind.value,
                    period_from=given.period_from,
                    period_to=given.period_to,
                    requested_by=given.requested_by,
                    report=made,
                    created_at=given.at,
                )
                .on_conflict_do_nothing(index_elements=[ReviewReportRow.review_id])
                .returning(ReviewReportRow.review_id)
            )
            if inserted is None:  # another run of the same period stored it first
                stored = await session.get(ReviewReportRow, given.review_id, populate_existing=True)
                assert stored is not None, given.review_id
                return outcome(stored.report, created=False)
        return outcome(made, created=True)

    @activity.defn(name="notify_review")
    async def notify_review(self, given: ReviewNoticeInput) -> None:
        """The managers hear of the report once: its rows are keyed by the review id."""
        async with self.sessions.begin() as session:
            ids = await queue_staff_notice(
                session,
                self.settings,
                audience=Audience.MANAGER,
                template=Template.REVIEW_READY,
                key=f"review:{given.review_id}:ready",
                params={
                    "review_id": given.review_id,
                    "kind": given.kind.value,
                    "period": given.period,
                    "score": None if given.score is None else f"{given.score:.1f}",
                    "missed": given.missed,
                },
                at=given.at,
                review_id=given.review_id,
            )
        await start_deliveries(activity.client(), self.settings, ids)
