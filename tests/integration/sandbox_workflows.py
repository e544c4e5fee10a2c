"""Two workflows for test_workflow_sandbox.py, in a module of their own: the sandbox imports
a workflow's module afresh, and this one imports nothing it would refuse."""

from datetime import UTC, datetime

from temporalio import workflow


@workflow.defn(name="ReadsTheWallClock")
class ReadsTheWallClock:
    @workflow.run
    async def run(self) -> str:
        return datetime.now(UTC).isoformat()


@workflow.defn(name="ReadsWorkflowTime")
class ReadsWorkflowTime:
    @workflow.run
    async def run(self) -> str:
        return workflow.now().isoformat()
