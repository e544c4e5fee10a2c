"""`make dev`: the whole stack on this machine, data kept under .data/.

Starts embedded PostgreSQL, the Temporal dev server with its UI, applies the migrations,
seeds the reference data and the dev API keys, then runs the worker and the API as child
processes. A worker or API that exits is started again after a growing delay (see
devstack/supervise.py); PostgreSQL or Temporal ending stops everything, as do Ctrl-C and
SIGTERM. Ports and the data directory can be moved by environment variables, and payloads
are encrypted with a dev key (see devstack/config.py).
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import traceback
from pathlib import Path

from devstack import ROOT
from devstack.config import CODEC_UI_TOKEN, DevConfig, child_env, message_lines, payload_lines
from devstack.migrate import upgrade
from devstack.postgres import start_postgres
from devstack.seed import DEV_KEYS, seed
from devstack.supervise import Supervised, exit_description, watch
from devstack.temporal import cli_path, ensure_port_free, start_temporal


class Shutdown(BaseException):
    """A stop signal during the start: a BaseException, so that no `except Exception` on
    the way (a retry loop waiting for a server) takes it for a failure and carries on."""


class StopSignals:
    """SIGINT and SIGTERM stop the stack. While it starts, the first one raises Shutdown
    (out of whatever is starting); once the children run, signals only set `requested`,
    which the watch loop polls, so a child is never half spawned when the stopping begins.
    Either way, later signals must not interrupt the stopping."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self.raising = True

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)

    def _handle(self, signum, frame) -> None:
        first = self.requested is None
        self.requested = self.requested or signal.Signals(signum).name
        if first and self.raising:
            raise Shutdown(self.requested)


def say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


def stopping(name: str, stop) -> None:
    say(f"stopping {name}")
    stop()


def stop_child(child: Supervised) -> None:
    say(f"{child.name} {child.stop()}")


def shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def run(stack: contextlib.ExitStack, signals: StopSignals) -> int:
    config = DevConfig.from_env()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    ensure_port_free(config.host, config.api_port)

    postgres = start_postgres(config.data_dir / "pg")
    stack.callback(stopping, "postgres", postgres.stop)
    say(f"postgres up: {postgres.url}")

    env = child_env(os.environ, config, postgres.url, f"{config.host}:{config.temporal_port}")
    ui_codec = config.ui_codec_endpoint(env[CODEC_UI_TOKEN]) if env[CODEC_UI_TOKEN] else None
    temporal = asyncio.run(
        start_temporal(
            config.data_dir / "temporal.db",
            ip=config.host,
            port=config.temporal_port,
            ui_port=config.ui_port,
            ui_codec_endpoint=ui_codec,
        )
    )
    stack.callback(stopping, "temporal", temporal.stop)
    say(f"temporal up: {temporal.address} (log: {shown(temporal.log_file)})")

    upgrade(postgres.url)
    added = asyncio.run(seed(postgres.url, dev_keys=True))
    say(f"schema at head; seed added {added}")

    # from here on a signal only asks the watch loop to stop
    signals.raising = False
    if signals.requested:
        say(f"{signals.requested}: stopping")
        return 0
    children = [
        Supervised(name, args, say=say, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        for name, args in (
            ("worker", [sys.executable, "worker.py"]),
            (
                "api",
                [sys.executable, "-m", "uvicorn", "api.app:app", "--host", config.host, "--port", str(config.api_port)],
            ),
        )
    ]
    for child in children:
        stack.callback(stop_child, child)
        child.start()

    print(banner(config, temporal.address, postgres, env), flush=True)

    def temporal_ended() -> str | None:
        code = temporal.process.poll()
        return None if code is None else exit_description(code)

    def postgres_ended() -> str | None:
        return None if postgres.server.get_postmaster_info().is_running() else "stopped"

    what = watch(
        children,
        {"temporal": temporal_ended, "postgres": postgres_ended},
        stop_requested=lambda: signals.requested is not None,
    )
    if what is None:
        say(f"{signals.requested}: stopping")
        return 0
    say(f"{what}; the stack cannot run without it: stopping everything")
    return 1


def metrics_line(config: DevConfig, env: dict[str, str]) -> str:
    """Off by default in dev: a fixed port would clash between two stacks on one machine."""
    port = env.get("REPAIRFLOW_WORKER_METRICS_PORT", "").strip()
    worker = (
        f"worker {config.host}:{port} (Temporal SDK), :{int(port) + 1} (app)"
        if port.isdigit() and int(port)
        else "worker off (set REPAIRFLOW_WORKER_METRICS_PORT)"
    )
    return f"{config.api_url}/metrics; {worker}"


def banner(config: DevConfig, temporal_address: str, postgres, env: dict[str, str]) -> str:
    keys = "\n".join(
        f"    {key:<20} {meta.role}" + (f" {meta.technician_id}" if meta.technician_id else "")
        for key, meta in DEV_KEYS.items()
    )
    payloads = "\n                ".join(payload_lines(env, config, str(shown(Path(cli_path()))), temporal_address))
    messages = "\n                ".join(message_lines(env, config))
    return f"""
  RepairFlow dev stack   (Ctrl-C stops everything; data in {shown(config.data_dir)}/)
  API docs      {config.api_url}/docs
  Temporal UI   {config.ui_url}     frontend {temporal_address}, namespace default
  PostgreSQL    {postgres.url}
  psql          {postgres.libpq_url}
  time scale    {env.get("REPAIRFLOW_TIME_SCALE", "1.0")}
  payloads      {payloads}
  messages      {messages}
  tracking      {env.get("REPAIRFLOW_PUBLIC_URL", config.api_url)}/track/<token>, the link in each customer message
  metrics       {metrics_line(config, env)}
  dashboard     {config.api_url}/dashboard, signed in with a supervisor's key
  reviews       schedules repairflow-review-weekly and -monthly: {shown(Path(cli_path()))} schedule list \
--address {temporal_address}
  worker, API   restarted when they exit (after 1 s, 2 s, 4 s … 30 s)
  API keys (Authorization: Bearer <key>)
{keys}
"""


def main() -> int:
    signals = StopSignals()
    signals.install()
    try:
        with contextlib.ExitStack() as stack:
            try:
                return run(stack, signals)
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
