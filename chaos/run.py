"""A chaos run from start to end: the servers and the processes up, the drive and the
faults at the same time, the checks, the report. Everything it started is stopped
whatever happens: at the end, on a failure, on Ctrl-C or SIGTERM."""

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import httpx
from temporalio.client import Client

import chaos
from chaos.apps import Apps, environment
from chaos.checks import check
from chaos.client import Tally
from chaos.driver import START_WINDOW, Driver
from chaos.faults import Faults, schedule
from chaos.outcome import Outcome
from chaos.plan import Plan
from chaos.probes import api_healthy, running_workflows, workers_polling
from chaos.servers import Database, Temporal
from devstack.temporal import free_port

# above the API's own answer timeout (REPAIRFLOW_ANSWER_TIMEOUT, 30 s), which answers 503 first
REQUEST_TIMEOUT = httpx.Timeout(45.0, connect=5.0)
STARTUP_SECONDS = 60.0
PROGRESS_EVERY = 15.0


def say(message: str) -> None:
    print(f"[chaos] {message}", flush=True)


async def _cancel(*tasks: asyncio.Task) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _progress(driver: Driver, faults: Faults, started: float, tell: Callable[[str], None]) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        p, t = driver.progress, driver.client.tally
        closed = sum(c.closed for c in driver.cases)
        tell(
            f"{time.monotonic() - started:.0f} s: {p.done}/{p.total} requests answered ({p.fraction:.0%}), "
            f"{closed} cases closed, {t.retries} retries, {faults.log.kills} kills, {faults.log.restarts} restarts"
        )


async def run(plan: Plan, workdir: Path, tell: Callable[[str], None] = say) -> Outcome:
    """The whole run in `workdir` (the servers' data and every process's log)."""
    run_id = uuid.uuid4().hex[:8]
    task_queue = f"chaos-{run_id}"
    started = time.monotonic()
    async with contextlib.AsyncExitStack() as stack:
        database, temporal = Database(workdir / "pg"), Temporal(workdir / "temporal.db", free_port())
        stack.callback(database.stop)
        stack.callback(temporal.stop)
        await asyncio.gather(database.start(), temporal.start())
        apps = Apps(environment(database.url, temporal.address, task_queue), workdir, free_port())
        stack.callback(apps.stop)
        apps.start()
        watch = asyncio.create_task(apps.watch())
        stack.push_async_callback(_cancel, watch)  # before the processes stop: their stop is no crash
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=apps.api_url,
                timeout=REQUEST_TIMEOUT,
                limits=httpx.Limits(max_connections=plan.clients + 4, max_keepalive_connections=plan.clients + 4),
            )
        )
        client = await Client.connect(temporal.address, namespace="default")
        servers = time.monotonic() - started
        healthy, polling = await asyncio.gather(
            api_healthy(http, STARTUP_SECONDS), workers_polling(client, task_queue, apps.worker_pids, STARTUP_SECONDS)
        )
        if healthy is None:
            raise RuntimeError(f"the API did not become healthy in {STARTUP_SECONDS:.0f} s; see {apps.api.log}")
        if polling is None:
            raise RuntimeError(f"the workers did not poll in {STARTUP_SECONDS:.0f} s; see {workdir}/worker-*.log")
        tell(
            f"PostgreSQL {database.postgres.socket_dir}, Temporal {temporal.address} up in {servers:.1f} s; "
            f"API {apps.api_url} healthy {healthy:.1f} s and workers {apps.worker_pids()} polling {task_queue} "
            f"{polling:.1f} s later"
        )

        tally = Tally()
        driver = Driver(http, tally, plan, run_id)
        faults = Faults(
            plan, database, temporal, apps, http, task_queue, driver.progress, lambda: driver.in_flight, tell
        )
        tell(
            f"driving {plan.total_cases} cases ({plan.cases} full lifecycles) with {plan.clients} clients; "
            f"{plan.worker_kills} worker kills, {plan.temporal_restarts} Temporal and "
            f"{plan.postgres_restarts} PostgreSQL restarts on the way"
        )
        driving = time.monotonic()
        drive = asyncio.create_task(driver.drive(plan.clients, plan.time_limit))
        progress = asyncio.create_task(_progress(driver, faults, driving, tell))
        try:
            await faults.inject(schedule(plan), drive, START_WINDOW * plan.time_limit)
            await drive
        finally:
            await _cancel(drive, progress)
        tell(f"drive over in {time.monotonic() - driving:.1f} s; checking PostgreSQL")

        client = await Client.connect(temporal.address, namespace="default")
        verdict, waited = await check(
            database.url, run_id, driver.cases, lambda: running_workflows(client, task_queue), plan.settle_seconds
        )
        tell(f"checked after {waited:.1f} s for the workflows of the closed cases to finish")
        outcome = Outcome(plan, verdict, tally, faults.log, list(apps.crashes))
        for line in outcome.report():
            tell(line)
        stopping = time.monotonic()
    tell(f"every process stopped in {time.monotonic() - stopping:.1f} s")
    return outcome


async def _main(plan: Plan, workdir: Path) -> Outcome:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await run(plan, workdir)


def parse_args(argv: list[str] | None) -> tuple[Plan, bool]:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=(chaos.__doc__ or "").split("\n\n")[0])
    defaults = Plan()
    flags = {
        "cases": "cases",
        "other_cases": "other-cases",
        "clients": "clients",
        "worker_kills": "kills",
        "temporal_restarts": "temporal-restarts",
        "postgres_restarts": "postgres-restarts",
        "impatient_share": "impatient",
        "outage_seconds": "outage",
        "time_limit": "time-limit",
    }
    for f in fields(Plan):
        if f.name in flags:
            default = getattr(defaults, f.name)
            parser.add_argument(
                f"--{flags[f.name]}", dest=f.name, type=type(default), default=default, help=f"default {default}"
            )
    parser.add_argument("--keep", action="store_true", help="keep the data and logs of a run that passed too")
    args = vars(parser.parse_args(argv))
    keep = args.pop("keep")
    return Plan(**args), keep


def main(argv: list[str] | None = None) -> int:
    plan, keep = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="chaos-"))
    started = time.monotonic()
    try:
        outcome = asyncio.run(_main(plan, workdir))
    except (KeyboardInterrupt, asyncio.CancelledError):
        say(f"interrupted after {time.monotonic() - started:.0f} s; every process stopped; data and logs in {workdir}")
        return 130
    except Exception:
        traceback.print_exc()
        say(f"failed after {time.monotonic() - started:.0f} s; every process stopped; data and logs in {workdir}")
        return 2
    say(f"run took {time.monotonic() - started:.1f} s")
    if outcome.ok and not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        say(f"data and logs kept in {workdir}")
    print(outcome.last_line(), flush=True)
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
