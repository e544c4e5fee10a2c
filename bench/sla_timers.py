"""How late do SLA escalations land? The case workflows' Temporal timers against plain
asyncio timers, under the same load.

Starts its own PostgreSQL and Temporal dev server in a temporary directory (the launcher
code of `make dev`, timers shifted at most 100 ms), runs a worker in this process and
opens --cases P1 cases (a safety hazard) that nobody ever assigns. Every SLA duration is
multiplied by --scale: at the default 0.1 each case's `assigned` ladder falls due 67.5 s
(warn, 75 %), 90 s (breach, 100 %) and 135 s (raise, 150 %) after the case opens, which is
after the last of 500 cases has opened on 2 cores, so what is measured is the timers under
the load of the escalations themselves. With a smaller scale the rungs fall due while
cases are still opening, and the lateness measured is mostly the queue behind the intakes.

Temporal: each workflow records each rung as a row of `escalations`.
Baseline: as soon as a case is open, this process starts one task per rung of its
sla_targets rows, which sleeps (asyncio.sleep) until the rung's due instant and inserts a
row into the scratch table `bench_baseline` of the same database.
Both sides are measured the same way: lateness = the row's `recorded_at` (PostgreSQL
now(), the start of the inserting transaction) minus the instant the rung fell due.

When the last `assigned` rung is due (the cut-off) plus --grace seconds have passed, it
reads every rung due before the cut-off, of any target, and prints per rung kind and
overall: count, missed (an expected rung with no row), dup (extra rows for one
case/target/rung/arming), p50, p99 and max lateness in ms, for both sides, and the
Temporal/baseline ratios. A baseline timer armed only after its rung fell due (the
case took that long to open) is counted and said, since its lateness is the open's.
When no rung fell due among the opens, it also prints the CPU milliseconds a rung of the
workers (together), Temporal and PostgreSQL, above their idle, metered while only the
rungs run. Exit code 1 when a rung was missed or duplicated, 2 when the run failed.

    .venv/bin/python -m bench.sla_timers [--cases 500] [--scale 0.1] [--concurrency 20] [--grace 10]
    make bench

A few minutes on 2 cores with 500 cases. Not part of `make test`. The servers keep their
data in the system's temporary directory (TMPDIR): on a slow disk their fsyncs weigh in.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import psutil
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.case_ids import random_case_id
from api.commands import open_case
from api.errors import ApiError
from api.routes.cases import ID_ATTEMPTS
from bench import cli
from bench.cpu import cpu_seconds
from bench.rung_anatomy import Anatomy, anatomy, describe
from clients import connect_temporal, create_engine
from devstack import ROOT, processes
from devstack.migrate import upgrade
from devstack.postgres import start_postgres
from devstack.seed import seed
from devstack.temporal import free_port, start_temporal
from models.domain import Actor, Category, Channel, Customer, Fault, Intake, Product, Severity
from models.payloads import CaseStart, SlaTargetState
from models.sla import LADDER, Rung, Target
from models.tables import EscalationRow, SlaTargetRow
from settings import Settings

RungKey = tuple[str, str, str]  # case id, target, kind
KINDS = [f"sla_{rung}" for rung in LADDER]  # the escalation kinds the workflow records
ALL = "all"
QUANTILES = ("p50", "p99", "max")  # of the lateness, as Stats fields
RESULTS = ROOT / "bench" / "results"
BASELINE_POOL = 30  # connections of the baseline timers
BENCH = Actor(role="agent", id="bench")

BASELINE_TABLE = text("""CREATE TABLE bench_baseline (
    id bigserial PRIMARY KEY, case_id text NOT NULL, target text NOT NULL, kind text NOT NULL,
    due timestamptz NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())""")
BASELINE_INSERT = text(
    "INSERT INTO bench_baseline (case_id, target, kind, due) VALUES (:case_id, :target, :kind, :due)"
)
BASELINE_ROWS = text("SELECT case_id, target, kind, due, recorded_at FROM bench_baseline")


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


@dataclass(frozen=True)
class Recorded:
    """One rung as a row in the database."""

    key: RungKey
    armed: int
    due: datetime
    recorded_at: datetime

    @property
    def late_ms(self) -> float:
        return (self.recorded_at - self.due).total_seconds() * 1000


@dataclass
class Stats:
    count: int
    missed: int
    duplicated: int
    p50: float
    p99: float
    max: float


# ---- the stack ----------------------------------------------------------------------


@dataclass
class Stack:
    settings: Settings
    client: Client
    workers: list[subprocess.Popen]  # python worker.py, as deployed: each its own memory and core
    worker_log: Path
    pids: dict[str, int]  # Temporal's and PostgreSQL's, for their CPU meters


async def start_stack(stack: contextlib.AsyncExitStack, scale: float, workers: int = 1) -> Stack:
    """PostgreSQL (migrated, seeded), Temporal and `workers` worker processes, all stopped by `stack`."""
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-sla-")))
    postgres = start_postgres(tmp / "pg")
    stack.callback(postgres.stop)
    temporal = await start_temporal(tmp / "temporal.db", port=free_port(), ui_port=None)
    stack.callback(temporal.stop)
    await asyncio.to_thread(upgrade, postgres.url)
    await seed(postgres.url)
    settings = Settings(
        database_url=postgres.url,
        temporal_address=temporal.address,
        task_queue=f"bench-{uuid.uuid4().hex[:8]}",
        time_scale=scale,
    )
    env = dict(os.environ) | {
        "REPAIRFLOW_DATABASE_URL": settings.database_url,
        "REPAIRFLOW_TEMPORAL_ADDRESS": settings.temporal_address,
        "REPAIRFLOW_TASK_QUEUE": settings.task_queue,
        "REPAIRFLOW_TIME_SCALE": str(scale),
        "REPAIRFLOW_REVIEW_SCHEDULES": "false",
    }
    log = tmp / "worker.log"
    started = [spawn_worker(env, log.with_name(f"worker-{n}.log")) for n in range(workers)]
    for worker in started:
        stack.callback(processes.stop, worker)
    pids = {"temporal": temporal.process.pid, "postgres": postgres.server.get_pid() or 0}  # 0: no such process
    return Stack(settings, await connect_temporal(settings), started, log.with_name("worker-0.log"), pids)


def cpu(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of the workers (together), Temporal and PostgreSQL."""
    workers = sum(cpu_seconds(worker.pid) for worker in stack.workers)
    return {"workers": workers} | {name: cpu_seconds(pid) for name, pid in stack.pids.items()}


def spawn_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return processes.spawn(
            [sys.executable, "worker.py"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )


class Memory:
    """The workers' resident memory, the largest of them, sampled every second while the run lasts."""

    def __init__(self, pids: list[int]) -> None:
        self.processes = [psutil.Process(pid) for pid in pids]
        self.idle = self.rss()
        self.peak = self.idle
        self._task = asyncio.create_task(self._sample())

    def rss(self) -> float:
        """MiB."""
        return max(process.memory_info().rss for process in self.processes) / 2**20

    async def _sample(self) -> None:
        with contextlib.suppress(psutil.Error):
            while True:
                self.peak = max(self.peak, self.rss())
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


# ---- rungs --------------------------------------------------------------------------


def rungs_of(row: SlaTargetRow) -> dict[RungKey, datetime]:
    """The rungs of one SLA clock, named as the workflow records them, and their due times."""
    clock = SlaTargetState(deadline=row.deadline, warn_at=row.warn_at, escalate_at=row.escalate_at)
    due = {rung: clock.due(rung) for rung in LADDER}
    return {(row.case_id, row.target, f"sla_{rung}"): at for rung, at in due.items() if at is not None}


async def expected_rungs(engine: AsyncEngine, case_ids: list[str]) -> dict[RungKey, datetime]:
    # an ORM session: a Core connection's scalars() would give the first column, not the row
    async with AsyncSession(engine) as session:
        rows = await session.scalars(select(SlaTargetRow).where(SlaTargetRow.case_id.in_(case_ids)))
        return {key: due for row in rows for key, due in rungs_of(row).items()}


async def temporal_rows(engine: AsyncEngine, case_ids: list[str]) -> list[Recorded]:
    e = EscalationRow
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(e.case_id, e.target, e.kind, e.detail, e.recorded_at).where(
                e.case_id.in_(case_ids), e.kind.in_(KINDS)
            )
        )
        return [
            Recorded(
                (r.case_id, r.target, r.kind), r.detail["armed"], datetime.fromisoformat(r.detail["due"]), r.recorded_at
            )
            for r in rows
        ]


class Baseline:
    """Plain asyncio timers: each inserts its rung into bench_baseline when it wakes."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.tasks: set[asyncio.Task] = set()
        self.armed_late = 0  # timers armed when their rung was already due: they measure the open

    async def create_table(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(BASELINE_TABLE)

    def arm(self, rungs: dict[RungKey, datetime]) -> None:
        now = datetime.now(UTC)
        self.armed_late += sum(due <= now for due in rungs.values())
        self.tasks.update(asyncio.create_task(self._fire(key, due)) for key, due in rungs.items())

    async def _fire(self, key: RungKey, due: datetime) -> None:
        await asyncio.sleep((due - datetime.now(UTC)).total_seconds())
        case_id, target, kind = key
        async with self.engine.begin() as conn:  # a transaction, as record_escalation's
            await conn.execute(BASELINE_INSERT, dict(case_id=case_id, target=target, kind=kind, due=due))

    async def stop(self) -> None:
        """Cancels the timers still asleep; says how many failed."""
        for task in self.tasks:
            task.cancel()
        results = await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        if failed := [r for r in results if isinstance(r, Exception)]:
            say(f"{len(failed)} baseline timers failed, the first with {failed[0]!r}")

    async def rows(self) -> list[Recorded]:
        async with self.engine.connect() as conn:
            return [
                Recorded((r.case_id, r.target, r.kind), 1, r.due, r.recorded_at)
                for r in await conn.execute(BASELINE_ROWS)
            ]


# ---- load ---------------------------------------------------------------------------


def bench_intake(run: str, n: int, p1: bool) -> Intake:
    """A washer with a safety hazard (P1), or with a scratch (P4, its first rung a day away
    unscaled); its own serial number and customer phone."""
    fault = (
        Fault(description="Sparks from the control panel", safety_hazard=True, severity=Severity.TOTAL_FAILURE)
        if p1
        else Fault(description="A scratch on the lid", severity=Severity.COSMETIC)
    )
    return Intake(
        channel=Channel.PHONE,
        customer=Customer(name=f"Bench Customer {n}", phone=f"139{n:08d}"),
        product=Product(
            category=Category.WASHER,
            model="XQG100-B14",
            serial_number=f"BENCH-{run}-{n:06d}",
            purchase_date=date(2024, 1, 15),
        ),
        fault=fault,
    )


async def open_bench_case(client: Client, settings: Settings, intake: Intake) -> str:
    """Starts the case workflow as the API does, a fresh random id per clash."""
    for _ in range(ID_ATTEMPTS):
        start = CaseStart(case_id=random_case_id(datetime.now(UTC).date()), intake=intake, actor=BENCH)
        try:
            await open_case(client, settings.task_queue, start, reuse_running=False, within=settings.answer_timeout)
            return start.case_id
        except WorkflowAlreadyStartedError:
            continue
        except Exception:
            task = asyncio.current_task()
            if task is not None and task.cancelling():  # the SDK reports a cancelled wait as a failure
                raise asyncio.CancelledError from None
            raise
    raise RuntimeError(f"no free case id after {ID_ATTEMPTS} attempts")


@dataclass
class Opened:
    rungs: dict[RungKey, datetime]  # of the P1 cases
    took: list[float]  # seconds each open took, sorted
    failed: int  # opens that did not answer in time, or failed
    first_error: str | None


async def open_cases(
    client: Client,
    settings: Settings,
    engine: AsyncEngine,
    baseline: Baseline,
    count: int,
    concurrency: int,
    p1_every: int = 1,
) -> Opened:
    """Opens `count` cases, every `p1_every`th a P1 and the others P4, arming the baseline
    timers of each P1 as soon as it is open. A failed open is counted and the run goes on."""
    run, gate = uuid.uuid4().hex[:8], asyncio.Semaphore(concurrency)
    opened = Opened({}, [], 0, None)

    async def one(n: int) -> None:
        p1 = n % p1_every == 0
        async with gate:
            started = time.monotonic()
            try:
                case_id = await open_bench_case(client, settings, bench_intake(run, n, p1))
            except (ApiError, RuntimeError) as err:
                opened.failed += 1
                opened.first_error = opened.first_error or repr(err)
                return
            opened.took.append(time.monotonic() - started)
            rungs = await expected_rungs(engine, [case_id]) if p1 else {}
        baseline.arm(rungs)
        opened.rungs.update(rungs)

    async with asyncio.TaskGroup() as group:
        for n in range(count):
            group.create_task(one(n))
    opened.took.sort()
    return opened


# ---- report -------------------------------------------------------------------------


def percentile(ordered: list[float], p: float) -> float:
    """Nearest rank."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else math.nan


def summarize(expected: dict[RungKey, datetime], rows: list[Recorded]) -> dict[str, Stats]:
    """Per rung kind and overall; `expected` and `rows` already cut off."""
    stats = {}
    for kind in KINDS + [ALL]:
        mine = [r for r in rows if kind in (ALL, r.key[2])]
        wanted = {key for key in expected if kind in (ALL, key[2])}
        late = sorted(r.late_ms for r in mine)
        copies = Counter((r.key, r.armed) for r in mine)
        stats[kind] = Stats(
            count=len(mine),
            missed=len(wanted - {r.key for r in mine}),
            duplicated=sum(n - 1 for n in copies.values()),
            p50=percentile(late, 50),
            p99=percentile(late, 99),
            max=percentile(late, 100),
        )
    return stats


def table(sides: dict[str, dict[str, Stats]]) -> str:
    """Both sides' statistics, then the Temporal/baseline ratios of their lateness."""
    lines = [f"{'':10}{'rung':12}{'count':>7}{'missed':>8}{'dup':>6}" + "".join(f"{q + ' ms':>10}" for q in QUANTILES)]
    for side, stats in sides.items():
        lines += [
            f"{side:10}{kind:12}{s.count:7d}{s.missed:8d}{s.duplicated:6d}"
            + "".join(f"{getattr(s, q):10.1f}" for q in QUANTILES)
            for kind, s in stats.items()
        ]
    temporal, baseline = sides.values()
    lines += [
        f"{'ratio':10}{kind:12}{'temporal / baseline':>21}"
        + "".join(f"{getattr(temporal[kind], q) / getattr(baseline[kind], q):9.1f}x" for q in QUANTILES)
        for kind in temporal
    ]
    return "\n".join(lines)


# ---- the run ------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> bool:
    """Runs the benchmark, prints its table and writes its figures; False when a rung was
    missed or duplicated."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    async with contextlib.AsyncExitStack() as stack:
        started = time.monotonic()
        up = await start_stack(stack, args.scale, args.workers)
        settings, client = up.settings, up.client
        engine = create_engine(settings)
        stack.push_async_callback(engine.dispose)
        # the baseline's timers get a pool of their own: waiting behind the opens' queries for a
        # connection would count as their lateness
        baseline_engine = create_async_engine(settings.database_url, pool_size=BASELINE_POOL)
        stack.push_async_callback(baseline_engine.dispose)
        baseline = Baseline(baseline_engine)
        stack.push_async_callback(baseline.stop)
        await baseline.create_table()
        await asyncio.sleep(2.0)  # the worker's start-up done: its memory before any case
        before, idle_started = cpu(up), time.monotonic()
        await asyncio.sleep(3.0)
        idle = {k: (v - before[k]) / (time.monotonic() - idle_started) for k, v in cpu(up).items()}
        memory = Memory([worker.pid for worker in up.workers])
        stack.push_async_callback(memory.stop)
        say(
            f"PostgreSQL, Temporal {settings.temporal_address} and the worker up in "
            f"{time.monotonic() - started:.1f} s (worker {memory.idle:.0f} MiB); time scale {args.scale}"
        )

        started = time.monotonic()
        opened = await open_cases(
            client, settings, engine, baseline, args.cases, args.concurrency, p1_every=args.p1_every
        )
        armed, opens = opened.rungs, opened.took
        took = time.monotonic() - started
        opened_rss = memory.rss()
        p1 = len({case_id for case_id, _, _ in armed})
        say(
            f"opened {len(opens)} cases ({p1} P1) in {took:.1f} s ({len(opens) / took:.1f}/s), concurrency "
            f"{args.concurrency}; one open took p50 {percentile(opens, 50):.1f} s, max {opens[-1]:.1f} s; "
            f"worker {opened_rss:.0f} MiB"
        )
        if opened.failed:
            say(f"{opened.failed} opens failed, the first with {opened.first_error}")

        if early := sum(due < datetime.now(UTC) for due in armed.values()):
            say(
                f"{early} rungs fell due while cases were still opening: their lateness includes the "
                "queue behind the intakes (a larger --scale keeps the two apart)"
            )
        cutoff = max(
            due for (_, target, kind), due in armed.items() if target == Target.ASSIGNED and kind == f"sla_{Rung.RAISE}"
        )
        wait = (cutoff - datetime.now(UTC)).total_seconds() + args.grace
        say(f"waiting {wait:.1f} s: the last assigned rung, then {args.grace:g} s of grace")
        before, waited = cpu(up), time.monotonic()
        await asyncio.sleep(wait)
        spent = {k: v - before[k] - idle[k] * (time.monotonic() - waited) for k, v in cpu(up).items()}
        await baseline.stop()
        if any(worker.poll() is not None for worker in up.workers):
            raise RuntimeError(f"a worker exited: see {up.worker_log.parent}/worker-*.log")
        rss = {"idle": memory.idle, "opened": opened_rss, "end": memory.rss(), "peak": memory.peak}
        await memory.stop()

        case_ids = sorted({case_id for case_id, _, _ in armed})
        expected = {key: due for key, due in (await expected_rungs(engine, case_ids)).items() if due <= cutoff}
        sides = {
            side: [r for r in rows if r.due <= cutoff]
            for side, rows in (("temporal", await temporal_rows(engine, case_ids)), ("baseline", await baseline.rows()))
        }
        for side, rows in sides.items():
            if moved := sum(expected.get(r.key) != r.due for r in rows):
                say(f"odd: {moved} {side} rows fell due at another time than their sla_targets row says")
        stats = {side: summarize(expected, rows) for side, rows in sides.items()}
        print(
            f"\nSLA rung lateness = recorded_at - due: {len(case_ids)} P1 cases, time scale {args.scale}, "
            f"{len(expected)} rungs due by the cut-off\n{table(stats)}\n"
            f"worker resident memory, MiB: {', '.join(f'{k} {v:.0f}' for k, v in rss.items())}\n",
            flush=True,
        )
        parts = await anatomy(client, case_ids)
        print(describe(parts) + "\n", flush=True)
        # only rungs ran while it waited when none fell due among the opens
        per_rung = None if early else {k: v * 1000 / max(1, len(sides["temporal"])) for k, v in spent.items()}
        if per_rung:
            print(
                "  CPU ms a rung, above idle: " + ", ".join(f"{k} {v:.1f}" for k, v in per_rung.items()) + "\n",
                flush=True,
            )
        if baseline.armed_late:
            say(
                f"{baseline.armed_late} baseline timers were armed only after their rung fell due "
                "(the case took that long to open): their lateness is the open's, not the timer's"
            )
        figures = {"cases": len(opens), "p1": p1, "failed": opened.failed, "seconds": took, "per_s": len(opens) / took}
        write_results(args, stats, rss, opened=figures | {"early_rungs": early}, anatomy=parts, cpu_ms=per_rung)
        return not opened.failed and not any(s[ALL].missed or s[ALL].duplicated for s in stats.values())


def write_results(
    args: argparse.Namespace,
    stats: dict[str, dict[str, Stats]],
    rss: dict,
    opened: dict,
    anatomy: Anatomy,
    cpu_ms: dict[str, float] | None,
) -> None:
    path = RESULTS / f"{args.results}.json"
    path.parent.mkdir(exist_ok=True)
    figures = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "args": vars(args),
        "opened": opened,
        "lateness_ms": {side: {kind: asdict(s) for kind, s in kinds.items()} for side, kinds in stats.items()},
        "worker_rss_mib": rss,
        "anatomy": anatomy.as_dict(),
        "cpu_ms_a_rung": cpu_ms,  # None when rungs fell due among the opens
    }
    path.write_text(json.dumps(figures, indent=2) + "\n")
    say(f"written to {path.relative_to(ROOT)}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sla_timers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=500, help="P1 cases to open (default 500)")
    parser.add_argument(
        "--scale",
        type=float,
        default=0.1,
        help="REPAIRFLOW_TIME_SCALE (default 0.1: assigned rungs at 67.5, 90, 135 s)",
    )
    parser.add_argument("--concurrency", type=int, default=20, help="cases opening at once (default 20)")
    parser.add_argument(
        "--grace", type=float, default=10.0, help="seconds to wait after the last rung falls due (default 10)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (default 1); the memory is the largest one's"
    )
    parser.add_argument(
        "--p1-every",
        type=int,
        default=1,
        help="every Nth case a P1, the others P4, whose rungs fall due long after the run (default 1: all P1)",
    )
    parser.add_argument(
        "--results", default="escalation", help="its figures go to bench/results/<this>.json (default escalation)"
    )
    return parser.parse_args()


def main() -> int:
    return cli.run(bench(parse_args()))


if __name__ == "__main__":
    sys.exit(main())
