"""The system under test as processes of its own: the API (`uvicorn api.app:app`) and
two workers (`python worker.py`), each with the REPAIRFLOW_* environment that points
it at the run's servers and its output in a log file of the run.

A process that exits without the run killing it is a crash, however it exited: it is
recorded with its exit code and log, then started again so the run can go on, after a
pause that doubles while it keeps crashing (the crash still fails the run)."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from devstack import ROOT, processes

WATCH_INTERVAL = 0.25
STOP_TIMEOUT = 10.0
RESTART_FIRST, RESTART_MAX = 0.5, 8.0  # seconds after a crash


@dataclass(frozen=True)
class Crash:
    name: str
    pid: int
    code: int
    at: float  # seconds into the run
    log: Path


def environment(database_url: str, temporal_address: str, task_queue: str) -> dict[str, str]:
    """This process's environment without any REPAIRFLOW_* a developer exported, plus the
    run's: the defaults otherwise, but a rate limit the clients cannot reach."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("REPAIRFLOW_")}
    return inherited | {
        "REPAIRFLOW_DATABASE_URL": database_url,
        "REPAIRFLOW_TEMPORAL_ADDRESS": temporal_address,
        "REPAIRFLOW_TASK_QUEUE": task_queue,
        "REPAIRFLOW_RATE_LIMIT": "1000000/minute",
        "PYTHONUNBUFFERED": "1",
    }


class App:
    """One process, started again under the same name after each kill or crash."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.args, self.env, self.log = name, args, env, log
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        # from the event loop's thread: the child dies with this process (PR_SET_PDEATHSIG)
        with open(self.log, "ab") as log:
            self.proc = processes.spawn(
                self.args, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind, as when a machine dies."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc, STOP_TIMEOUT)


class Apps:
    def __init__(self, env: dict[str, str], logs: Path, api_port: int, workers: int = 2) -> None:
        python = sys.executable
        self.api = App(
            "api",
            [python, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(api_port), "--no-access-log"],
            env,
            logs / "api.log",
        )
        self.workers = [
            App(f"worker-{i + 1}", [python, "worker.py"], env, logs / f"worker-{i + 1}.log") for i in range(workers)
        ]
        self.crashes: list[Crash] = []
        self.started = time.monotonic()
        self._next_victim = 0
        self._restart_at: dict[str, float] = {}  # name → when a crashed process starts again

    @property
    def all(self) -> list[App]:
        return [self.api, *self.workers]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api.args[self.api.args.index('--port') + 1]}"

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.workers]

    def start(self) -> None:
        for app in self.all:
            app.start()

    def kill_worker(self) -> tuple[str, int, int]:
        """SIGKILLs the next worker in turn and starts it again at once; (name, old pid, new pid).
        No await in between: the watch never sees the dead worker as a crash."""
        worker = self.workers[self._next_victim % len(self.workers)]
        self._next_victim += 1
        old = worker.pid
        worker.kill()
        worker.start()
        self._restart_at.pop(worker.name, None)  # it runs again already
        return worker.name, old, worker.pid

    async def watch(self) -> None:
        """Until cancelled: records and restarts every process that exits by itself."""
        while True:
            now = time.monotonic()
            for app in self.all:
                code = app.exited()
                if code is not None and app.name not in self._restart_at:
                    self.crashes.append(Crash(app.name, app.pid, code, now - self.started, app.log))
                    earlier = sum(c.name == app.name for c in self.crashes) - 1
                    pause = min(RESTART_FIRST * 2**earlier, RESTART_MAX)
                    self._restart_at[app.name] = now + pause
                    print(
                        f"[chaos] FINDING: {app.name} (pid {app.pid}) exited with code {code} by itself; "
                        f"see {app.log}; starting it again in {pause:g} s",
                        flush=True,
                    )
                elif code is not None and now >= self._restart_at[app.name]:
                    del self._restart_at[app.name]
                    app.start()
            await asyncio.sleep(WATCH_INTERVAL)

    def stop(self) -> None:
        for app in reversed(self.all):
            app.stop()
