"""The review schedules on the real Temporal server, a scheduled run, and the committed
histories of the review workflow replayed against today's code."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from models.periodic_review import ReviewKind, review_id, weekly_period
from models.tables import ReviewReportRow
from schedules import REVIEW_SCHEDULES, ensure_review_schedules
from tests.integration.running import eventually
from tests.integration.workflow_histories import HISTORIES, keep_history
from worker import WORKFLOW_RUNNER
from workflows import PeriodicReviewWorkflow


async def test_the_schedules_are_made_once_and_a_triggered_run_stores_the_week_before(
    temporal_client, settings, worker, sessions
):
    try:
        await ensure_review_schedules(temporal_client, settings)
        await ensure_review_schedules(temporal_client, settings)

        async def listed():
            found = [s.id async for s in await temporal_client.list_schedules()]
            return found if len(found) >= 2 else None

        assert sorted(await eventually(listed, 20)) == ["repairflow-review-monthly", "repairflow-review-weekly"]
        weekly = await temporal_client.get_schedule_handle("repairflow-review-weekly").describe()
        spec = weekly.schedule.spec
        assert spec.time_zone_name == "Asia/Shanghai"
        (calendar,) = spec.calendars
        assert ([r.start for r in calendar.day_of_week], [r.start for r in calendar.hour]) == ([1], [1])
        assert [r.start for r in calendar.minute] == [0]
        monthly = (await temporal_client.get_schedule_handle("repairflow-review-monthly").describe()).schedule
        (calendar,) = monthly.spec.calendars
        assert ([r.start for r in calendar.day_of_month], [r.start for r in calendar.hour]) == ([1], [2])
        assert monthly.spec.time_zone_name == "Asia/Shanghai"
        action = weekly.schedule.action
        assert (action.workflow, action.task_queue, action.id) == (
            "PeriodicReview",
            settings.task_queue,
            "repairflow-review-weekly",
        )

        expected = review_id(ReviewKind.WEEKLY, weekly_period(datetime.now(UTC)))
        await temporal_client.get_schedule_handle("repairflow-review-weekly").trigger()

        async def stored():
            async with sessions() as session:
                return await session.get(ReviewReportRow, expected)

        row = await eventually(stored, 30)
        assert row is not None and row.kind == "weekly" and row.requested_by == "system:schedule"
        assert row.report["kind"] == "weekly" and row.period_to - row.period_from == timedelta(days=7)
        (run,) = (await temporal_client.get_schedule_handle("repairflow-review-weekly").describe()).info.recent_actions
        assert run.action.workflow_id.startswith("repairflow-review-weekly-")
        await keep_history(temporal_client, run.action.workflow_id, "a_scheduled_review_covers_the_week_before")
    finally:
        for made in REVIEW_SCHEDULES:
            await temporal_client.get_schedule_handle(made.schedule_id).delete()


async def test_a_schedule_that_exists_takes_the_new_spec_and_keeps_its_pause(temporal_client, settings):
    weekly = temporal_client.get_schedule_handle("repairflow-review-weekly")
    try:
        await ensure_review_schedules(temporal_client, settings)
        await weekly.pause(note="by an operator")
        await ensure_review_schedules(temporal_client, settings.model_copy(update={"review_timezone": "Asia/Tokyo"}))
        described = (await weekly.describe()).schedule
        assert described.spec.time_zone_name == "Asia/Tokyo"
        assert (described.state.paused, described.state.note) == (True, "by an operator")
        off = settings.model_copy(update={"review_schedules": False, "review_timezone": "UTC"})
        await ensure_review_schedules(temporal_client, off)
        assert (await weekly.describe()).schedule.spec.time_zone_name == "Asia/Tokyo"
    finally:
        for made in REVIEW_SCHEDULES:
            await temporal_client.get_schedule_handle(made.schedule_id).delete()


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*/*.json")), ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_a_committed_review_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    replayer = Replayer(
        workflows=[PeriodicReviewWorkflow], data_converter=pydantic_data_converter, workflow_runner=WORKFLOW_RUNNER
    )
    await replayer.replay_workflow(history)


def test_both_paths_of_the_review_workflow_have_a_committed_history():
    recorded = {p.stem for p in HISTORIES.glob("*/*.json")}
    assert recorded >= {"a_requested_review_is_stored_and_told", "a_scheduled_review_covers_the_week_before"}
