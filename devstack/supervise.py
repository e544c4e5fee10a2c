"""Keeps the dev stack's children running: a child that exits is started again after a
growing delay (1 s, 2 s, 4 s … at most 30 s), and the delay starts over once the child
has stayed up for a while. Everything here is non-blocking and runs on the main thread:
`watch` polls; nothing waits on a child but `Supervised.stop`.
"""

import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence

from devstack import processes


def exit_description(code: int) -> str:
    """`exited with code 1`, `was killed by SIGKILL`."""
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Supervised:
    """One child process: its command, the running process, and when to start it again.

    `check()` notices that the child exited, says so and schedules its restart, and starts
    it again once the delay has passed. The n-th restart in a row waits
    `first_delay * 2**(n-1)` seconds, at most `max_delay`; a child that ran for
    `stable_after` seconds before it exited starts a new row (its restart waits
    `first_delay` again). `stop()` ends the child and any pending restart."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_after: float = 30.0,
        say: Callable[[str], object] = print,
        **popen_kwargs,
    ) -> None:
        self.name = name
        self.args = list(args)
        self.popen_kwargs = popen_kwargs
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self.say = say
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self.in_a_row = 0  # restarts since the child last stayed up for stable_after
        self.restarts = 0  # restarts in all
        self.restart_at: float | None = None  # monotonic time of the pending restart
        self.stopped = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def delay(self, restart: int) -> float:
        """Seconds before the `restart`-th restart in a row."""
        return min(self.first_delay * 2 ** (restart - 1), self.max_delay)

    def start(self) -> subprocess.Popen:
        """Starts the child (from the main thread: see processes.spawn)."""
        self.proc = processes.spawn(self.args, **self.popen_kwargs)
        self.started_at = time.monotonic()
        self.restart_at = None
        self.say(f"{self.name} started (pid {self.proc.pid})")
        return self.proc

    def check(self) -> None:
        """Schedules a restart if the child has exited; restarts it if one is due."""
        if self.stopped or self.proc is None:
            return
        now = time.monotonic()
        if self.restart_at is None:
            code = self.proc.poll()
            if code is None:
                return
            if now - self.started_at >= self.stable_after:
                self.in_a_row = 0
            self.in_a_row += 1
            delay = self.delay(self.in_a_row)
            self.restart_at = now + delay
            self.say(f"{self.name} {exit_description(code)}; restarting in {delay:g} s (restart {self.in_a_row})")
        if now >= self.restart_at:
            self.restarts += 1
            self.start()

    def stop(self, timeout: float = 10.0) -> str:
        """Ends the child (SIGTERM, SIGKILL after `timeout` s) and any pending restart;
        returns what became of it."""
        self.stopped = True
        if self.proc is None:
            return "was never started"
        if self.proc.poll() is not None:
            return f"was not running ({exit_description(self.proc.returncode)})"
        code = processes.stop(self.proc, timeout)
        return "stopped" if code in (None, 0, -signal.SIGTERM) else f"stopped: it {exit_description(code)}"


def watch(
    children: Sequence[Supervised],
    vital: Mapping[str, Callable[[], str | None]],
    stop_requested: Callable[[], bool],
    interval: float = 0.2,
) -> str | None:
    """Keeps `children` running until `stop_requested()` (returns None) or a vital process
    ends: `vital` maps a name to a function that says how it ended (None while it runs);
    returns `<name> <how>`. Vital processes are checked first: a child that fails because
    a vital one died is not restarted for nothing."""
    while not stop_requested():
        for name, ended in vital.items():
            how = ended()
            if how:
                return f"{name} {how}"
        for child in children:
            child.check()
        time.sleep(interval)  # a signal handler that does not raise lets the sleep run on
    return None
