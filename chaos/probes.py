"""Did the system come back by itself? After each outage: the API answers /healthz 200
(it reaches PostgreSQL and Temporal again), and Temporal lists every current worker
process among the pollers of the task queue (workflow and activity tasks), by the
identity the SDK gives a worker, `<pid>@<host>`. A restarted Temporal server forgets its
pollers, so the list shows who reconnected.

A task queue has several partitions and the plain description lists the pollers of the
first only, where a worker's long poll may not come for a minute; the enhanced one
covers every partition but lags a few seconds. A worker listed by either polls."""

import asyncio
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

import httpx
from temporalio.api.enums.v1 import DescribeTaskQueueMode, TaskQueueKind, TaskQueueType
from temporalio.api.taskqueue.v1 import PollerInfo, TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

POLL_INTERVAL = 0.25
CALL_TIMEOUT = timedelta(seconds=2)
TYPES = [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]


async def api_healthy(http: httpx.AsyncClient, within: float) -> float | None:
    """Seconds until /healthz answered 200, or None if it did not within `within`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            if (await http.get("/healthz", timeout=5)).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        await asyncio.sleep(POLL_INTERVAL)
    return None


def _pids(pollers: Iterable[PollerInfo]) -> set[int]:
    return {int(pid) for pid in (p.identity.partition("@")[0] for p in pollers) if pid.isdigit()}


async def pollers(client: Client, task_queue: str) -> set[int]:
    """The pids of the processes polling both kinds of task of `task_queue`."""
    queue = TaskQueue(name=task_queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL)
    describe = client.workflow_service.describe_task_queue
    enhanced = await describe(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=queue,
            api_mode=DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED,
            task_queue_types=TYPES,
            report_pollers=True,
        ),
        timeout=CALL_TIMEOUT,
    )
    found: list[set[int]] = []
    for kind in TYPES:
        plain = await describe(
            DescribeTaskQueueRequest(namespace=client.namespace, task_queue=queue, task_queue_type=kind),
            timeout=CALL_TIMEOUT,
        )
        everywhere = [
            p
            for info in enhanced.versions_info.values()
            if kind in info.types_info
            for p in info.types_info[kind].pollers
        ]
        found.append(_pids(plain.pollers) | _pids(everywhere))
    return set.intersection(*found)


async def workers_polling(
    client: Client, task_queue: str, pids: Callable[[], list[int]], within: float
) -> float | None:
    """Seconds until every worker process running (`pids`, asked each time: a crashed
    one may be started again meanwhile) polled the task queue, or None if one did not
    within `within`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            if set(pids()) <= await pollers(client, task_queue):
                return time.monotonic() - started
        except Exception:  # the server not back yet: any failure means "not yet" here
            pass
        await asyncio.sleep(POLL_INTERVAL)
    return None


async def running_workflows(client: Client, task_queue: str) -> set[str]:
    """The ids of the workflows of `task_queue` still running."""
    query = f'TaskQueue="{task_queue}" AND ExecutionStatus="Running"'
    return {execution.id async for execution in client.list_workflows(query)}
