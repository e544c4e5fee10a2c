"""The RepairFlow worker: runs case workflows and their activities.

Configured by REPAIRFLOW_* environment variables (see settings.py); start as many as
the load needs, against one Temporal namespace and one PostgreSQL.
"""

import asyncio
import logging
import signal
from datetime import timedelta

import uvloop
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import activities
from activities.refusals import RefusedDataIsFinal
from clients import connect_temporal, create_engine, session_factory
from observability import logs
from observability.worker_metrics import metrics_runtime, serve_app_metrics
from schedules import ensure_review_schedules
from settings import Settings, get_settings
from workflows import ComplaintWorkflow, DeliveryWorkflow, PeriodicReviewWorkflow, RepairCaseWorkflow

# on SIGTERM, running activities get this long to finish before they are cancelled (and
# retried elsewhere); docker-compose gives the worker 30 s before it kills it
SHUTDOWN_GRACE = timedelta(seconds=20)

# The workflow modules hold only classes and constants, so the sandbox need not import them
# afresh for each workflow run, as it does by default: that re-import was a third of the
# worker's CPU per intake, and a copy of each module per cached workflow. The sandbox still
# refuses non-deterministic calls (datetime.now, random, I/O) made from workflow code.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("workflows")
)


def build_worker(client, settings: Settings, engine) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[RepairCaseWorkflow, DeliveryWorkflow, ComplaintWorkflow, PeriodicReviewWorkflow],
        activities=activities.build(session_factory(engine), settings),
        interceptors=[RefusedDataIsFinal()],
        workflow_runner=WORKFLOW_RUNNER,
        max_cached_workflows=settings.worker_cached_workflows,
        graceful_shutdown_timeout=SHUTDOWN_GRACE,
    )


async def main() -> None:
    settings = get_settings()
    logs.configure(settings.log_format)
    # apprise names each recipient's address when it sends: personal data stays out of the logs
    logging.getLogger("apprise").setLevel(logging.WARNING)
    client = await connect_temporal(settings, runtime=metrics_runtime(settings))
    serve_app_metrics(settings)
    engine = create_engine(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await ensure_review_schedules(client, settings)
    worker = build_worker(client, settings, engine)
    logging.getLogger("repairflow").info("worker polling task queue %s", settings.task_queue)
    async with worker:
        await stop.wait()
    await engine.dispose()


if __name__ == "__main__":
    # uvloop: the worker's socket writes (to Temporal and PostgreSQL) cost less CPU than on asyncio's own loop
    uvloop.run(main())
