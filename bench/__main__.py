"""`make bench`: every benchmark of the service in one run, each figure beside its
baseline, then one table of all of them against their targets.

Runs in turn, each on its own fresh PostgreSQL and Temporal dev server:

  intake       bench/intake.py: intakes a second through the REST API, the raw Temporal
               client and a bare one-activity workflow; whole cases through the API and
               the raw client (bench/results/intake.json)
  burst        bench/sla_timers.py: lateness of the SLA rungs of --burst P1 cases opened
               at once, against plain asyncio timers (bench/results/escalation.json)
  open cases   bench/sla_timers.py again with --open-cases cases on a worker process a
               core, one in twenty a P1 whose deadlines fall due while the others still
               open; the lateness is measured the same way, and the largest worker's
               resident memory is read with all of them open
               (bench/results/escalation-open.json)
  scale        bench/scale.py: the latency of the reads and of an intake at 1k, 10k and
               100k cases (bench/results/scale.json)

    .venv/bin/python -m bench [--only intake,burst,open,scale] [--open-cases 10000] [--burst 500]
    .venv/bin/python -m bench --report      (the table again, from the parts' last results)
    make bench

Prints each part as it runs, then the summary, and writes it with every part's figures to
bench/results/bench.json. Exit code 1 when a part failed or a target was missed.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench.summary import PARTS, Figure, figures_of, table
from devstack import ROOT

RESULTS = ROOT / "bench" / "results"


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def commands(args: argparse.Namespace) -> dict[str, list[str]]:
    python = [sys.executable, "-m"]
    # rungs get one worker process a core, as deployed: a worker's Python runs on one
    cores = str(os.cpu_count() or 1)
    return {
        "intake": python + ["bench.intake", "--seconds", str(args.seconds), "--cases", str(args.cases)],
        "burst": python
        + ["bench.sla_timers", "--cases", str(args.burst), "--scale", "0.08", "--workers", cores]
        + ["--results", "escalation"],
        "open": python
        + ["bench.sla_timers", "--cases", str(args.open_cases), "--p1-every", "20", "--scale", "0.02"]
        + ["--concurrency", "20", "--workers", cores, "--results", "escalation-open"],
        "scale": python + ["bench.scale"],
    }


def run(args: argparse.Namespace) -> int:
    chosen = args.only.split(",") if args.only else list(PARTS)
    if unknown := set(chosen) - set(PARTS):
        say(f"no such part: {', '.join(sorted(unknown))} (parts: {', '.join(PARTS)})")
        return 2
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPAIRFLOW_")}
    took: dict[str, float] = {}
    began: dict[str, float] = {}  # wall clock, to tell a part's fresh results from older ones
    failed: list[str] = []
    for part in [] if args.report else chosen:
        say(f"---- {part} ----")
        started, began[part] = time.monotonic(), time.time()
        code = subprocess.call(commands(args)[part], cwd=ROOT, env=env)
        took[part] = time.monotonic() - started
        # 1: the part ran and found a fault (a missed rung, a failed operation): its figures stand
        if code not in (0, 1):
            failed.append(part)
            say(f"{part} failed with exit code {code}")
        elif code == 1:
            failed.append(part)
    figures: list[Figure] = []
    parts = {}
    for part in chosen:
        path = RESULTS / PARTS[part]
        fresh = part in began and path.exists() and path.stat().st_mtime >= began[part]
        if fresh or (args.report and path.exists()):
            parts[part] = json.loads(path.read_text())
            figures += figures_of(part, parts[part])
    print("\n" + table(figures, took), flush=True)
    summary = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "seconds": took,
        "failed": failed,
        "figures": [f.as_dict() for f in figures],
        "parts": parts,
    }
    (RESULTS / "bench.json").write_text(json.dumps(summary, indent=2) + "\n")
    say(f"written to bench/results/bench.json; the whole run took {sum(took.values()) / 60:.1f} min")
    return 1 if failed or any(f.met is False for f in figures) else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help=f"comma-separated parts, of: {', '.join(PARTS)} (default all)")
    parser.add_argument("--open-cases", type=int, default=10_000, help="cases open at once (default 10000)")
    parser.add_argument("--burst", type=int, default=500, help="P1 cases of the burst (default 500)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each intake run (default 10)")
    parser.add_argument("--cases", type=int, default=20, help="cases of each lifecycle run (default 20)")
    parser.add_argument("--report", action="store_true", help="run nothing: the table of the parts' last results")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
