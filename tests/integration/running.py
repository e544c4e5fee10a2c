"""Helpers that run the system's parts for the integration tests: the API served on a free
port, a worker beside it, a worker as its own process, and waiting for what a worker
records a moment after a timer fires."""

import asyncio
import os
import subprocess
import sys
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from sqlalchemy import text

from api.app import create_app
from devstack.temporal import free_port
from worker import build_worker

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def serving(app):
    """Serves `app` on a free local port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def system(client, settings, engine):
    """A worker and the API for `settings`; yields the API's base URL."""
    async with build_worker(client, settings, engine), serving(create_app(settings)) as url:
        yield url


def own_queue(settings, **changes):
    """`settings` with `changes` on a task queue of its own, so its worker reads them."""
    return settings.model_copy(update={"task_queue": f"own-{uuid.uuid4().hex[:8]}", **changes})


def start_worker(settings, **env: str) -> subprocess.Popen:
    """`python worker.py` as its own process, for `settings` and any REPAIRFLOW_* in `env`;
    its output goes where pytest captures the test's."""
    env = (
        os.environ
        | env
        | {
            "REPAIRFLOW_DATABASE_URL": settings.database_url,
            "REPAIRFLOW_TEMPORAL_ADDRESS": settings.temporal_address,
            "REPAIRFLOW_TASK_QUEUE": settings.task_queue,
        }
    )
    return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


async def eventually(check, seconds: float = 20.0):
    """Timers fire on the server; the worker records them a moment later."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


async def blocked_behind(engine, holder_pid: int, table: str) -> None:
    """Waits until another session (a worker's write to `table`) waits for the holder's
    lock; a write to another table (a message of the step before, still being recorded)
    does not count."""
    for _ in range(200):
        async with engine.connect() as conn:
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE :holder = ANY(pg_blocking_pids(pid)) AND query ILIKE :table"
                ),
                {"holder": holder_pid, "table": f"%{table}%"},
            )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no write blocked behind the test's lock")


def attempts_of(history, activity: str) -> list[int]:
    """The attempt each start of `activity` in `history` was (only the last start of a
    scheduled activity is kept in a history)."""
    scheduled = {
        e.event_id: e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    }
    return [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
        and scheduled[e.activity_task_started_event_attributes.scheduled_event_id] == activity
    ]
