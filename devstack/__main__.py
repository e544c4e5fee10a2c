"""`make dev`: the whole stack on this machine, data kept under .data/.

Starts embedded PostgreSQL, the Temporal dev server with its UI, applies the migrations,
seeds the reference data, then runs the worker and the API as child processes. Ctrl-C or
SIGTERM stops everything; so does any child that dies, after saying which one.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable

from devstack import ROOT, processes
from devstack.migrate import upgrade
from devstack.postgres import start_postgres
from devstack.seed import DEV_KEYS, seed
from devstack.temporal import ensure_port_free, start_temporal

DATA = ROOT / ".data"
API_HOST, API_PORT = "127.0.0.1", 8000
TEMPORAL_PORT, UI_PORT = 7233, 8233


class Shutdown(Exception):
    pass


def _on_signal(signum, frame):
    # the first signal stops the stack; further ones must not interrupt the stopping
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    raise Shutdown(signal.Signals(signum).name)


def say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


def stopping(name: str, stop: Callable[[], object]) -> None:
    say(f"stopping {name}")
    stop()


def stop_child(name: str, proc: subprocess.Popen) -> None:
    say(f"{name} {ended(processes.stop(proc))}")


def ended(code: int | None) -> str:
    return "stopped" if code in (0, -signal.SIGTERM) else f"stopped with exit code {code}"


def watch(children: dict[str, subprocess.Popen], postgres) -> str:
    """Blocks until a child (or PostgreSQL) stops; returns what happened."""
    while True:
        for name, proc in children.items():
            if proc.poll() is not None:
                return f"{name} exited with code {proc.returncode}"
        if not postgres.server.get_postmaster_info().is_running():
            return "postgres stopped"
        time.sleep(0.5)


def run(stack: contextlib.ExitStack) -> int:
    DATA.mkdir(exist_ok=True)
    ensure_port_free(API_HOST, API_PORT)

    postgres = start_postgres(DATA / "pg")
    stack.callback(stopping, "postgres", postgres.stop)
    say(f"postgres up: {postgres.url}")

    temporal = asyncio.run(start_temporal(DATA / "temporal.db", port=TEMPORAL_PORT, ui_port=UI_PORT))
    stack.callback(stopping, "temporal", temporal.stop)
    say(f"temporal up: {temporal.address} (log: {temporal.log_file.relative_to(ROOT)})")

    upgrade(postgres.url)
    added = asyncio.run(seed(postgres.url))
    say(f"schema at head; seed added {added}")

    env = os.environ | {"REPAIRFLOW_DATABASE_URL": postgres.url, "REPAIRFLOW_TEMPORAL_ADDRESS": temporal.address}
    children = {}
    for name, args in (
        ("worker", [sys.executable, "worker.py"]),
        ("api", [sys.executable, "-m", "uvicorn", "api.app:app", "--host", API_HOST, "--port", str(API_PORT)]),
    ):
        proc = children[name] = processes.spawn(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        stack.callback(stop_child, name, proc)

    keys = "\n".join(
        f"    {key:<20} {meta.role}" + (f" {meta.technician_id}" if meta.technician_id else "")
        for key, meta in DEV_KEYS.items()
    )
    print(
        f"""
  RepairFlow dev stack   (Ctrl-C stops everything; data in {DATA.relative_to(ROOT)}/)
  API docs      http://{API_HOST}:{API_PORT}/docs
  Temporal UI   {temporal.ui_url}     frontend {temporal.address}, namespace default
  PostgreSQL    {postgres.url}
  psql          {postgres.libpq_url}
  time scale    {env.get("REPAIRFLOW_TIME_SCALE", "1.0")}
  API keys (Authorization: Bearer <key>)
{keys}
""",
        flush=True,
    )

    what = watch(children | {"temporal": temporal.process}, postgres)
    say(f"{what}; stopping the rest")
    return 1


def main() -> int:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _on_signal)
    try:
        with contextlib.ExitStack() as stack:
            try:
                return run(stack)
            except Shutdown as stop:
                say(f"{stop}: stopping")
                return 0
    except Exception as err:  # a start-up failure, reported after stopping what had started
        if not isinstance(err, (RuntimeError, TimeoutError)):
            traceback.print_exc()
        say(f"failed: {err}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
