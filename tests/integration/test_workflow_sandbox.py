"""The worker's sandbox passes the workflow modules through (worker.WORKFLOW_RUNNER): it
must still refuse a workflow's non-deterministic calls."""

import uuid
from datetime import datetime

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.worker import Worker

from tests.integration.sandbox_workflows import ReadsTheWallClock, ReadsWorkflowTime
from worker import WORKFLOW_RUNNER


async def run_once(client, workflow_class) -> str:
    queue = f"sandbox-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[workflow_class],
        workflow_runner=WORKFLOW_RUNNER,
        # a refused call fails the workflow at once, instead of retrying its task
        workflow_failure_exception_types=[Exception],
    ):
        return await client.execute_workflow(
            workflow_class.run, id=f"sandbox-{uuid.uuid4().hex}", task_queue=queue, execution_timeout=None
        )


async def test_the_wall_clock_is_refused_and_workflow_time_is_not(temporal_client):
    with pytest.raises(WorkflowFailureError) as failed:
        await run_once(temporal_client, ReadsTheWallClock)
    assert "datetime.datetime.now" in str(failed.value.cause)
    assert datetime.fromisoformat(await run_once(temporal_client, ReadsWorkflowTime))
