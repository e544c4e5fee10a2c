"""The periodic review: one run compiles and stores the report of one period, then tells
the managers. The schedules of schedules.py start it weekly and monthly; the API starts it
for a period a supervisor names (docs/reviews.md)."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.periodic_review import PeriodicReviewActivities
    from models import errors
    from models.periodic_review import (
        CompileInput,
        Period,
        ReviewKind,
        ReviewNoticeInput,
        ReviewOutcome,
        ReviewRun,
        review_id,
        scheduled_period,
    )

# set by Temporal on every run a schedule starts: the instant it was due, which a run that
# waited out an outage still reviews by
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
# a month of KPI queries; an outage longer than the give-up leaves the period to a re-run
COMPILE_TIMEOUT = timedelta(minutes=5)
COMPILE_GIVE_UP = timedelta(hours=6)
NOTIFY_TIMEOUT = timedelta(minutes=1)
NOTIFY_GIVE_UP = timedelta(hours=1)


@workflow.defn(name="PeriodicReview")
class PeriodicReviewWorkflow:
    @workflow.run
    async def run(self, run: ReviewRun) -> ReviewOutcome:
        period = self._period(run)
        compiled = CompileInput(
            review_id=review_id(run.kind, period, run.timezone),
            kind=run.kind,
            period_from=period.start,
            period_to=period.end,
            timezone=run.timezone,
            requested_by=run.requested_by,
            at=workflow.now(),
        )
        made = await workflow.execute_activity_method(
            PeriodicReviewActivities.compile_review,
            compiled,
            start_to_close_timeout=COMPILE_TIMEOUT,
            schedule_to_close_timeout=COMPILE_GIVE_UP,
            retry_policy=RETRY,
            summary=f"compile review {compiled.review_id}",
        )
        # also when the report was there before: a run that stopped between the two steps
        # tells the managers now, and the notice's key keeps it to one message
        try:
            await workflow.execute_activity_method(
                PeriodicReviewActivities.notify_review,
                ReviewNoticeInput(
                    review_id=made.review_id,
                    kind=made.kind,
                    period=made.period,
                    score=made.score,
                    missed=made.missed,
                    at=compiled.at,
                ),
                start_to_close_timeout=NOTIFY_TIMEOUT,
                schedule_to_close_timeout=NOTIFY_GIVE_UP,
                retry_policy=RETRY,
                summary=f"tell the managers of review {made.review_id}",
            )
        except ActivityError as err:
            # the report is stored and readable: a message that could not be queued does not undo it
            workflow.logger.warning("review %s: managers not told: %s", made.review_id, err.cause or err)
        return made

    @staticmethod
    def _period(run: ReviewRun) -> Period:
        if run.period_from is not None and run.period_to is not None:
            return Period(run.period_from, run.period_to)
        if run.kind is ReviewKind.REQUESTED:
            raise errors.invalid_input("from", "a requested review names its period")
        fired = workflow.info().typed_search_attributes.get(SCHEDULED_START) or workflow.now()
        return scheduled_period(run.kind, fired, run.timezone)
