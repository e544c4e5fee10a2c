"""How do the reads of the REST API, and an intake, slow down as the case table grows from
1 000 to 10 000 to 100 000 cases?

Starts the stack as bench/intake.py does (its own PostgreSQL and Temporal dev server in a
temporary directory, `python worker.py` and `uvicorn api.app:app` as child processes), then
grows one database: loads cases up to the first size in bulk (bench/scale_load.py: most
closed over the last year, one in 25 open, one in 50 cancelled, with what the activities
write for each), measures, loads up to the next size, measures again, and so on. At each size:

  intake                      POST /api/v1/cases, one at a time (the workflow started, the
                              intake recorded), --intakes of them
  cases ?stage= ?priority= ?technician_id= ?status=
                              GET /api/v1/cases, first page of 20, filtered
  search phone / name         GET /api/v1/cases?q= a loaded customer's phone written another
                              way, a given name's fragment
  sla at-risk                 GET /api/v1/sla/at-risk (50 cases)
  kpis 30 days                GET /api/v1/metrics/kpis for the last 30 days; beside it, how
                              many cases closed in those 30 days (the rows it aggregates)

The reads take turns, --repeat rounds after three to warm up, so that a burst of load from
elsewhere weighs on all of them alike; the figures are the median and the 90th percentile
in milliseconds. The workers are left to go quiet after the intakes before
the reads are timed. Baseline: the same request at the smallest size, in the same run.
Target: every read at the largest size within 1.3 times its latency at the smallest.

    .venv/bin/python -m bench.scale [--sizes 1000,10000,100000] [--repeat 30] [--intakes 20]

Prints the table and writes the figures to bench/results/scale.json (replaced by each run);
`run()` returns them for a driver that starts its own stack. About two and a half minutes
on 2 cores; not part of `make test`.
"""

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.intake import settle, start_stack
from bench.intake_cases import intake_json
from bench.scale_load import ID_BASE, load_statements
from bench.search import MOBILE_BASE
from devstack import ROOT

RESULTS = ROOT / "bench" / "results" / "scale.json"
TARGET = 1.3  # largest size / smallest, at most
WARM = 3
AGENT, SUPERVISOR = "dev-agent-key", "dev-supervisor-key"  # seeded by devstack.seed (dev_keys=True)


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def reads(size: int) -> dict[str, tuple[str, str]]:
    """(path, key) of each read: the search finds a customer loaded in the first thousand."""
    mobile = str(MOBILE_BASE + ID_BASE + min(size, 1000) // 3)
    today = datetime.now(UTC).date()
    return {
        "cases ?stage=DIAGNOSIS": ("/api/v1/cases?stage=DIAGNOSIS", AGENT),
        "cases ?priority=P1": ("/api/v1/cases?priority=P1", AGENT),
        "cases ?technician_id=": ("/api/v1/cases?technician_id=T-003", AGENT),
        "cases ?status=open": ("/api/v1/cases?status=open", AGENT),
        "search phone": (f"/api/v1/cases?q={mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", AGENT),
        "search name fragment": ("/api/v1/cases?q=jianhong", AGENT),
        "sla at-risk": ("/api/v1/sla/at-risk", SUPERVISOR),
        "kpis 30 days": (f"/api/v1/metrics/kpis?from={today - timedelta(days=30)}&to={today}", SUPERVISOR),
    }


def figures(times: list[float]) -> dict[str, float]:
    return {"median_ms": statistics.median(times), "p90_ms": statistics.quantiles(times, n=10)[-1]}


async def get_ms(http: httpx.AsyncClient, path: str, key: str) -> float:
    started = time.perf_counter()
    response = await http.get(path, headers={"Authorization": f"Bearer {key}"})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:200]}")
    return elapsed


async def timed_reads(http: httpx.AsyncClient, size: int, repeat: int) -> dict[str, dict[str, float]]:
    """Each read in turn, `repeat` rounds: a burst of load from elsewhere weighs on all alike."""
    plan = reads(size)
    for _ in range(WARM):
        for path, key in plan.values():
            await get_ms(http, path, key)
    times: dict[str, list[float]] = {label: [] for label in plan}
    for _ in range(repeat):
        for label, (path, key) in plan.items():
            times[label].append(await get_ms(http, path, key))
    return {label: figures(t) for label, t in times.items()}


async def timed_intakes(http: httpx.AsyncClient, size: int, count: int) -> dict[str, float]:
    times = []
    for n in range(count):
        started = time.perf_counter()
        response = await http.post(
            "/api/v1/cases", json=intake_json(f"scale{size}", n), headers={"Authorization": f"Bearer {AGENT}"}
        )
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            raise RuntimeError(f"POST /api/v1/cases: {response.status_code} {response.text[:200]}")
        times.append(elapsed)
    return figures(times)


async def load(database_url: str, start: int, stop: int) -> float:
    started = time.monotonic()
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")  # VACUUM runs outside a transaction
            for statement in load_statements(start, stop):
                await conn.execute(text(statement))
            # the load's pages written out now, not by the checkpointer while the reads are timed
            await conn.execute(text("CHECKPOINT"))
    finally:
        await engine.dispose()
    return time.monotonic() - started


async def census(database_url: str) -> tuple[int, int]:
    """The open cases, and the cases closed within the KPI read's 30 days: the rows that
    report aggregates grow with the cases a month, not with the cases stored."""
    engine = create_async_engine(database_url)
    since = datetime.now(UTC) - timedelta(days=30)
    try:
        async with engine.connect() as conn:
            opened = (await conn.execute(text("SELECT count(*) FROM cases WHERE status = 'open'"))).scalar_one()
            period = await conn.execute(
                text("SELECT count(*) FROM case_kpis WHERE outcome = 'closed' AND closed_at >= :since"),
                {"since": since},
            )
            return int(opened), int(period.scalar_one())
    finally:
        await engine.dispose()


async def run(
    api_url: str,
    database_url: str,
    sizes: tuple[int, ...] = (1000, 10000, 100000),
    repeat: int = 30,
    intakes: int = 20,
    quiet: Any = None,
) -> dict[str, Any]:
    """Grows the database at `database_url` to each of `sizes` in turn (loaded cases; the
    intakes add a few) and times the API at `api_url` at each; `quiet` is awaited after the
    intakes, before the reads (the workers' trailing work). Returns the figures."""
    measured: dict[str, dict[str, dict[str, float]]] = {}
    loaded: dict[str, float] = {}
    opened: dict[str, int] = {}
    in_period: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as http:
        previous = 0
        for size in sizes:
            loaded[str(size)] = await load(database_url, previous, size)
            previous = size
            opened[str(size)], in_period[str(size)] = await census(database_url)
            say(
                f"{size} cases loaded in {loaded[str(size)]:.1f} s, {opened[str(size)]} open, "
                f"{in_period[str(size)]} closed in the last 30 days"
            )
            measured.setdefault("intake", {})[str(size)] = await timed_intakes(http, size, intakes)
            if quiet is not None:
                await quiet()
            for label, found in (await timed_reads(http, size, repeat)).items():
                measured.setdefault(label, {})[str(size)] = found
    first, last = str(sizes[0]), str(sizes[-1])
    rows = [
        {
            "read": label,
            "ms": {size: f["median_ms"] for size, f in by_size.items()},
            "p90_ms": {size: f["p90_ms"] for size, f in by_size.items()},
            "ratio": by_size[last]["median_ms"] / by_size[first]["median_ms"],
            "met": by_size[last]["median_ms"] / by_size[first]["median_ms"] <= TARGET,
        }
        for label, by_size in measured.items()
    ]
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sizes": list(sizes),
        "repeat": repeat,
        "intakes": intakes,
        "target": TARGET,
        "open_cases": opened,
        "closed_in_30_days": in_period,
        "load_seconds": loaded,
        "reads": rows,
    }


def report(result: dict[str, Any]) -> None:
    sizes = [str(s) for s in result["sizes"]]
    print(f"\nlatency by cases in the database, median ms (p90) of {result['repeat']} requests")
    print(f"{'read':<24}" + "".join(f"{s + ' cases':>20}" for s in sizes) + f"{'ratio':>8}{'target':>8}  verdict")
    for row in result["reads"]:
        cells = "".join(f"{row['ms'][s]:>11.1f} ({row['p90_ms'][s]:>5.1f})" for s in sizes)
        verdict = "met" if row["met"] else "MISSED"
        print(f"{row['read']:<24}{cells}{row['ratio']:>8.2f}{'<= ' + str(result['target']):>8}  {verdict}")


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as exits:
        stack = await start_stack(exits)
        return await run(
            stack.api_url,
            stack.settings.database_url,
            args.sizes,
            args.repeat,
            args.intakes,
            quiet=lambda: settle(stack),
        )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="cases to grow to, in order (comma-separated)")
    parser.add_argument("--repeat", type=int, default=30, help="requests of each read at each size, after 3 to warm up")
    parser.add_argument("--intakes", type=int, default=20, help="intakes timed at each size")
    args = parser.parse_args()
    try:
        args.sizes = tuple(int(s) for s in args.sizes.split(","))
    except ValueError:
        parser.error("--sizes: whole numbers, comma-separated")
    if any(s < 100 for s in args.sizes) or list(args.sizes) != sorted(set(args.sizes)):
        parser.error("--sizes: growing, each at least 100")
    if args.repeat < 2 or args.intakes < 2:
        parser.error("--repeat and --intakes: at least 2")
    result = asyncio.run(bench(args))
    report(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    say(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
