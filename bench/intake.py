"""How many cases a second can be opened, and driven from intake to closed, through the
REST API, against the Temporal client making the same calls, and against a bare workflow
with one activity?

Starts its own PostgreSQL and Temporal dev server in a temporary directory (the launcher
code of `make dev`), migrated and seeded with the dev API keys and enough stock that no
case waits for parts. The case worker (`python worker.py`), the bare workflow's worker
(`python -m bench.intake_bare`) and the API (`uvicorn api.app:app`) each run as their own
process, as they are deployed: this process only makes the load (HTTP requests for the API
runs, Temporal calls for the others), so its CPU is not the worker's or the API's. On a
2-core machine they all still share the cores with PostgreSQL and Temporal: the CPU
seconds each process spent in each run are printed beside the figures.

Each run calls one operation from --concurrency tasks, over and over: the intake runs for
--seconds (or until --count operations have started), after --concurrency operations that
warm the caches and connections; the lifecycle runs until --cases cases have started, after
two cases that warm the actions' code paths (a case takes many seconds: a run of seconds
would hold few). Warm-up operations are not counted; a rate counts the operations still in
flight at the deadline until they end. Between runs the bench waits for the workers to go
quiet (the messages a case sends trail its answer). In order:

  bare workflow    client.execute_workflow of a workflow whose one activity inserts one
                   row into the scratch table bench_intake (bench/intake_bare.py)
  intake, raw      the API's own call, api.commands.open_case: execute_update_with_start_workflow
                   of the case workflow with the API's random case id, search attributes
                   and `intake_recorded` update, for the same intake
  intake, API      POST /api/v1/cases with that intake as JSON (201)
  lifecycle, raw   an out-of-warranty washer from intake to closed (assignment, diagnosis
                   with a part, quote approved, repair, QC, handover, callback): the intake
                   as above, then each action's workflow update as api/routes/actions.py
                   calls it (api.commands.act), with the models the API builds from the JSON
  lifecycle, API   the same case through the REST API, as tests/integration/cases.py does

The database grows from run to run: the API runs, last of each pair, bear the bigger one.
With --rounds N the five runs are made N times in turn and each figure counts all its
rounds together: the raw and API runs alternate, so a drift of the machine (load from
elsewhere on a shared one, the growing database) weighs on both sides alike.
Baselines and targets: API / raw client at least 0.9 for intakes and for whole cases a
second, API intake / bare workflow at least 0.5; raw client / bare workflow is printed to
tell the case workflow's own cost from the API's. Payloads travel in clear (no
REPAIRFLOW_PAYLOAD_KEY), as in the tests.

    .venv/bin/python -m bench.intake [--concurrency 10] [--seconds 20 | --count N] [--cases 40] [--rounds 1]
    make bench-intake

Prints the figures and the ratios, and writes them to bench/results/intake.json (replaced
by each run). Exit code 1 when an operation failed, 2 when the run failed. About 4 minutes
a round with the defaults on 2 cores; not part of `make test`.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio.client import Client

from bench import cli
from bench.cpu import Meter, cpu_seconds, own_cpu_seconds
from bench.intake_bare import SCRATCH_TABLE
from bench.intake_cases import Api, Bare, Raw
from bench.intake_load import Run, drive
from clients import connect_temporal
from devstack import ROOT, processes
from devstack.migrate import upgrade
from devstack.postgres import start_postgres
from devstack.seed import seed
from devstack.temporal import free_port, start_temporal
from settings import Settings

RESULTS = ROOT / "bench" / "results" / "intake.json"
STOCK = 10_000_000  # parts on hand: no case of the run waits for stock
QUIET = 0.1  # CPU seconds a second above the idle stack's, under which the stack counts as quiet
SETTLE_LIMIT = 60.0
LIFECYCLE_WARM = 2  # cases


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


@dataclass(frozen=True)
class Ratio:
    figure: str
    value: str  # the run measured
    baseline: str  # the run it is measured against
    target: float | None  # at least this, where one is set
    quantile: int | None = None  # of the seconds a case takes (baseline / value: higher is better too); None: rate

    def of(self, runs: dict[str, Run]) -> tuple[float, float, float]:
        """The value, the baseline and their ratio."""
        value, base = runs[self.value], runs[self.baseline]
        if self.quantile is None:
            return value.rate, base.rate, value.rate / base.rate if base.rate else math.nan
        seconds, base_seconds = value.quantile(self.quantile), base.quantile(self.quantile)
        return seconds, base_seconds, base_seconds / seconds if seconds else math.nan


RATIOS = [
    Ratio("intake/s: API / raw client", "intake, API", "intake, raw", 0.9),
    Ratio("intake/s: API / bare workflow", "intake, API", "bare workflow", 0.5),
    Ratio("intake/s: raw client / bare workflow", "intake, raw", "bare workflow", None),
    Ratio("cases/s: API / raw client", "lifecycle, API", "lifecycle, raw", 0.9),
    Ratio("case p50 s: raw client / API", "lifecycle, API", "lifecycle, raw", None, quantile=50),
    Ratio("case p99 s: raw client / API", "lifecycle, API", "lifecycle, raw", None, quantile=99),
]


# ---- the stack ----------------------------------------------------------------------


@dataclass
class Stack:
    settings: Settings
    client: Client
    api_url: str
    bare_queue: str
    meters: dict[str, Meter]  # the CPU of each process of the stack
    children: dict[str, tuple[subprocess.Popen, Path]]  # with their log files
    idle: float = 0.0  # CPU seconds a second the servers and workers spend doing nothing


def spawn(
    stack: contextlib.AsyncExitStack, tmp: Path, name: str, args: list[str], env: dict[str, str]
) -> tuple[subprocess.Popen, Path]:
    log = tmp / f"{name}.log"
    with open(log, "wb") as out:
        proc = processes.spawn(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    stack.callback(processes.stop, proc)
    return proc, log


def check_children(stack: Stack) -> None:
    for name, (proc, log) in stack.children.items():
        if proc.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"the {name} exited with code {proc.returncode}; its log ends:\n{tail}")


async def wait_for_api(url: str, stack: Stack, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        while True:
            check_children(stack)
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/healthz")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the API at {url} did not answer /healthz within {within:.0f} s")
            await asyncio.sleep(0.2)


async def start_stack(stack: contextlib.AsyncExitStack, workers: int = 1) -> Stack:
    """PostgreSQL (migrated, seeded), Temporal, `workers` processes of each worker and the
    API, all stopped by `stack`."""
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-intake-")))
    postgres = start_postgres(tmp / "pg")
    stack.callback(postgres.stop)
    temporal = await start_temporal(tmp / "temporal.db", port=free_port(), ui_port=None)
    stack.callback(temporal.stop)
    await asyncio.to_thread(upgrade, postgres.url)
    await seed(postgres.url, dev_keys=True, stock=STOCK)
    engine = create_async_engine(postgres.url)
    async with engine.begin() as conn:
        await conn.execute(SCRATCH_TABLE)
    await engine.dispose()

    settings = Settings(
        database_url=postgres.url,
        temporal_address=temporal.address,
        task_queue=f"bench-{uuid.uuid4().hex[:8]}",
        rate_limit="1000000/minute",  # one key makes every request of the run
    )
    env = dict(os.environ) | {
        "REPAIRFLOW_DATABASE_URL": settings.database_url,
        "REPAIRFLOW_TEMPORAL_ADDRESS": settings.temporal_address,
        "REPAIRFLOW_TASK_QUEUE": settings.task_queue,
        "REPAIRFLOW_RATE_LIMIT": settings.rate_limit,
    }
    bare_queue = f"bench-bare-{uuid.uuid4().hex[:8]}"
    port = free_port()
    suffix = [""] + [f" {n}" for n in range(2, workers + 1)]
    children = {
        **{f"case worker{n}": spawn(stack, tmp, f"worker{n}", [sys.executable, "worker.py"], env) for n in suffix},
        **{
            f"bare worker{n}": spawn(
                stack, tmp, f"bare-worker{n}", [sys.executable, "-m", "bench.intake_bare", bare_queue], env
            )
            for n in suffix
        },
        "API": spawn(
            stack,
            tmp,
            "api",
            [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port)]
            + ["--log-level", "warning", "--no-access-log"],
            env,
        ),
    }
    pids = {name: proc.pid for name, (proc, _) in children.items()}
    pids |= {"temporal": temporal.process.pid, "postgres": postgres.server.get_pid() or 0}  # 0: no such process
    meters: dict[str, Meter] = {"bench": own_cpu_seconds}
    meters |= {name: partial(cpu_seconds, pid) for name, pid in pids.items()}
    client = await connect_temporal(settings)
    up = Stack(settings, client, f"http://127.0.0.1:{port}", bare_queue, meters, children)
    await wait_for_api(up.api_url, up)
    await asyncio.sleep(2.0)  # the processes' start-up done
    before = servers(up)
    await asyncio.sleep(3.0)
    up.idle = (servers(up) - before) / 3.0
    return up


def servers(stack: Stack) -> float:
    """CPU seconds so far of the workers, Temporal and PostgreSQL."""
    return sum(meter() for name, meter in stack.meters.items() if name not in ("bench", "API"))


async def settle(stack: Stack) -> float:
    """Waits until the workers, Temporal and PostgreSQL are back to idle; returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < SETTLE_LIMIT:
        before = servers(stack)
        await asyncio.sleep(1.0)
        if not servers(stack) - before > stack.idle + QUIET:  # NaN (no /proc): quiet
            break
    return time.monotonic() - started


# ---- the runs -----------------------------------------------------------------------


async def measure(stack: Stack, args: argparse.Namespace) -> dict[str, Run]:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=120, limits=limits) as http:
        api, raw = Api(http), Raw(stack.client, stack.settings)
        bare = Bare(stack.client, stack.bare_queue)
        plan: list[tuple[str, str, Callable[[str, int], Awaitable[object]]]] = [
            ("bare workflow", "workflow", bare.run),
            ("intake, raw", "intake", raw.intake),
            ("intake, API", "intake", api.intake),
            ("lifecycle, raw", "case", raw.lifecycle),
            ("lifecycle, API", "case", api.lifecycle),
        ]
        runs: dict[str, Run] = {}
        for round_, (label, unit, make) in itertools.product(range(1, args.rounds + 1), plan):
            whole = unit == "case"
            run = await drive(
                Run(label, unit, args.concurrency),
                partial(make, uuid.uuid4().hex[:8]),  # each run its own tag, so its serial numbers are its own
                seconds=None if whole or args.count else args.seconds,
                count=args.cases if whole else args.count,
                meters=stack.meters,
                # the connections are warm by then: a case or two readies the actions' code paths
                warm=LIFECYCLE_WARM if whole else args.concurrency,
            )
            check_children(stack)
            runs[label] = runs[label].merged(run) if label in runs else run
            waited = await settle(stack)
            say(
                f"round {round_}, {label}: {run.done} in {run.seconds:.1f} s = {run.rate:.2f} {unit}/s, "
                f"{run.failed} failed; quiet again after {waited:.0f} s"
            )
            if run.first_error:
                say(f"  first failure: {run.first_error}")
    return runs


# ---- the report ---------------------------------------------------------------------


def report(runs: dict[str, Run], args: argparse.Namespace) -> dict:
    cpu_names = list(next(iter(runs.values())).cpu)
    lines = [
        f"{'run':16}{'done':>7}{'failed':>7}{'per s':>9}{'p50 s':>8}{'p99 s':>8}   CPU s: "
        + " ".join(f"{n:>11}" for n in cpu_names)
    ]
    for run in runs.values():
        lines.append(
            f"{run.label:16}{run.done:7d}{run.failed:7d}{run.rate:9.2f}{run.quantile(50):8.3f}{run.quantile(99):8.3f}"
            + "          "
            + " ".join(f"{run.cpu[n]:11.1f}" for n in cpu_names)
        )
    lines += ["", f"{'figure':38}{'value':>9}{'baseline':>10}{'ratio':>8}{'target':>9}"]
    ratios = []
    for r in RATIOS:
        value, base, ratio = r.of(runs)
        met = None if r.target is None else bool(ratio >= r.target)
        verdict = "" if met is None else ("  met" if met else "  MISSED")
        target = f">= {r.target:g}x" if r.target is not None else "-"
        lines.append(f"{r.figure:38}{value:9.3f}{base:10.3f}{ratio:7.2f}x{target:>9}{verdict}")
        ratios.append(dict(figure=r.figure, value=value, baseline=base, ratio=ratio, target=r.target, met=met))
    print(
        f"\nIntake and lifecycle, concurrency {args.concurrency}, "
        + (f"{args.count} operations an intake run" if args.count else f"{args.seconds:g} s an intake run")
        + f", {args.cases} cases a lifecycle run, {args.rounds} round(s)"
        + f", {os.cpu_count()} CPUs\n"
        + "\n".join(lines)
        + "\n",
        flush=True,
    )
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "args": {
            "concurrency": args.concurrency,
            "seconds": None if args.count else args.seconds,
            "count": args.count,
            "cases": args.cases,
            "rounds": args.rounds,
            "workers": args.workers,
        },
        "runs": {label: run.summary() for label, run in runs.items()},
        "ratios": ratios,
    }


def finite(value: object) -> object:
    """NaN (a run with nothing done, no /proc) as null: JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


async def bench(args: argparse.Namespace) -> bool:
    """Runs the benchmark, prints and saves its figures; False when an operation failed."""
    async with contextlib.AsyncExitStack() as exits:
        started = time.monotonic()
        stack = await start_stack(exits, args.workers)
        say(
            f"PostgreSQL, Temporal {stack.settings.temporal_address}, the workers and the API "
            f"{stack.api_url} up in {time.monotonic() - started:.1f} s; idle they spend {stack.idle:.2f} CPU s a second"
        )
        runs = await measure(stack, args)
    saved = report(runs, args)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(finite(saved), indent=2) + "\n")
    say(f"written to {RESULTS.relative_to(ROOT)}")
    return not any(run.failed for run in runs.values())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=10, help="operations at once (default 10)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each intake run (default 20)")
    parser.add_argument("--count", type=int, help="operations of each intake run, instead of --seconds")
    parser.add_argument("--cases", type=int, default=40, help="cases of each lifecycle run (default 40)")
    parser.add_argument("--rounds", type=int, default=1, help="times the five runs are made in turn (default 1)")
    parser.add_argument("--workers", type=int, default=1, help="processes of each worker, one per core (default 1)")
    args = parser.parse_args()
    if args.concurrency < 1:
        parser.error("--concurrency: at least 1")
    if args.count is not None and args.count < 1:
        parser.error("--count: at least 1")
    if args.cases < 1 or args.rounds < 1:
        parser.error("--cases, --rounds: at least 1")
    if args.seconds <= 0:
        parser.error("--seconds: more than 0")
    return args


def main() -> int:
    return cli.run(bench(parse_args()))


if __name__ == "__main__":
    sys.exit(main())
