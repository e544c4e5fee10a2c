"""The Temporal Schedules of the periodic reviews, kept by every worker at start
(docs/reviews.md): `repairflow-review-weekly`, Mondays 01:00, and
`repairflow-review-monthly`, the 1st of each month 02:00, both in the review time zone."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from models.periodic_review import ReviewKind, ReviewRun
from settings import Settings
from workflows import PeriodicReviewWorkflow

log = logging.getLogger("repairflow")

# a run missed while Temporal was down is still made within this long of its time
CATCHUP = timedelta(days=1)
MONDAY = 1  # Temporal counts the days of the week from Sunday, 0


@dataclass(frozen=True)
class ReviewSchedule:
    schedule_id: str
    kind: ReviewKind
    calendar: ScheduleCalendarSpec


REVIEW_SCHEDULES = (
    ReviewSchedule(
        "repairflow-review-weekly",
        ReviewKind.WEEKLY,
        ScheduleCalendarSpec(day_of_week=[ScheduleRange(MONDAY)], hour=[ScheduleRange(1)], comment="Mondays 01:00"),
    ),
    ReviewSchedule(
        "repairflow-review-monthly",
        ReviewKind.MONTHLY,
        ScheduleCalendarSpec(day_of_month=[ScheduleRange(1)], hour=[ScheduleRange(2)], comment="the 1st, 02:00"),
    ),
)


def schedule(made: ReviewSchedule, settings: Settings) -> Schedule:
    return Schedule(
        # Temporal appends each run's time to this id: one workflow id per run
        action=ScheduleActionStartWorkflow(
            PeriodicReviewWorkflow.run,
            ReviewRun(kind=made.kind, timezone=settings.review_timezone),
            id=made.schedule_id,
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(calendars=[made.calendar], time_zone_name=settings.review_timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP),
    )


async def ensure_review_schedules(client: Client, settings: Settings) -> None:
    """Creates the schedules, or brings an existing one to this release's spec and action
    (zone, task queue), keeping its state: a schedule an operator paused stays paused."""
    if not settings.review_schedules:
        return
    for made in REVIEW_SCHEDULES:
        wanted = schedule(made, settings)
        try:
            await client.create_schedule(made.schedule_id, wanted)
            log.info("created schedule %s", made.schedule_id)
        except ScheduleAlreadyRunningError:

            def keep_state(given: ScheduleUpdateInput, wanted: Schedule = wanted) -> ScheduleUpdate:
                wanted.state = given.description.schedule.state
                return ScheduleUpdate(schedule=wanted)

            await client.get_schedule_handle(made.schedule_id).update(keep_state)
