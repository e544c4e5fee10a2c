"""The floor bench/intake.py measures intake against: a workflow that runs one activity,
which inserts one row into the scratch table `bench_intake` of the same PostgreSQL, and
ends. The least a durable write through Temporal costs on these servers.

Its worker runs as its own process, as the case worker does:

    python -m bench.intake_bare <task queue>    (REPAIRFLOW_DATABASE_URL, REPAIRFLOW_TEMPORAL_ADDRESS)
"""

import asyncio
import signal
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncEngine

SCRATCH_TABLE = text("""CREATE TABLE IF NOT EXISTS bench_intake (
    workflow_id text PRIMARY KEY, recorded_at timestamptz NOT NULL DEFAULT now())""")
# keyed on the workflow id, as the activities' writes are keyed: a retry writes nothing twice
INSERT = text("INSERT INTO bench_intake (workflow_id) VALUES (:workflow_id) ON CONFLICT DO NOTHING")
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


class BareInput(BaseModel):
    workflow_id: str


class BareActivities:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @activity.defn(name="bench_insert_one")
    async def insert_one(self, given: BareInput) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(INSERT, {"workflow_id": given.workflow_id})


@workflow.defn(name="BenchBareWorkflow")
class BareWorkflow:
    @workflow.run
    async def run(self, given: BareInput) -> None:
        await workflow.execute_activity_method(
            BareActivities.insert_one, given, start_to_close_timeout=timedelta(seconds=10), retry_policy=RETRY
        )


async def serve(task_queue: str) -> None:
    """Polls `task_queue` until SIGTERM or SIGINT."""
    from temporalio.worker import Worker

    from clients import connect_temporal, create_engine
    from settings import Settings

    settings = Settings(task_queue=task_queue)
    client = await connect_temporal(settings)
    engine = create_engine(settings)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    worker = Worker(
        client, task_queue=task_queue, workflows=[BareWorkflow], activities=[BareActivities(engine).insert_one]
    )
    async with worker:
        await stop.wait()
    await engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bench.intake_bare <task queue>")
    # the workflow's module must be bench.intake_bare, not __main__: the sandbox imports it by name
    from bench import intake_bare

    asyncio.run(intake_bare.serve(sys.argv[1]))
