"""devstack.supervise with real child processes: restarts with growing delays, the delay
starting over after a child stayed up, stop() ending the child and any pending restart,
and the watch loop giving up when a vital process ends."""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from devstack.supervise import Supervised, exit_description, watch

CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]
# exits with code 1 at once, except on its third run, which first stays up argv[2] seconds
THIRD_RUN_STAYS_UP = """
import pathlib, sys, time
counter = pathlib.Path(sys.argv[1])
runs = (int(counter.read_text()) if counter.exists() else 0) + 1
counter.write_text(str(runs))
if runs == 3:
    time.sleep(float(sys.argv[2]))
sys.exit(1)
"""


class Said(list):
    """The messages of a Supervised, each with the monotonic time it was said."""

    def __call__(self, message: str) -> None:
        self.append((time.monotonic(), message))

    def texts(self) -> list[str]:
        return [text for _, text in self]

    def restart_lines(self) -> list[str]:
        return [text for text in self.texts() if "restarting" in text]

    def start_times(self) -> list[float]:
        return [at for at, text in self if " started (pid " in text]


def drive(child: Supervised, until, within: float = 10.0) -> None:
    """Calls check() as the launcher's loop does, until `until()` or `within` seconds."""
    deadline = time.monotonic() + within
    while not until():
        assert time.monotonic() < deadline, f"gave up waiting; said: {getattr(child.say, 'texts', list)()}"
        child.check()
        time.sleep(0.01)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def supervised() -> Iterator[Callable[..., Supervised]]:
    """Makes Supervised children and stops every one at the end, passed or failed."""
    made: list[Supervised] = []

    def make(args, **kwargs) -> Supervised:
        child = Supervised("child", args, say=Said(), **kwargs)
        made.append(child)
        return child

    yield make
    for child in made:
        child.stop(timeout=2)


def test_exit_descriptions():
    assert exit_description(1) == "exited with code 1"
    assert exit_description(0) == "exited with code 0"
    assert exit_description(-signal.SIGKILL) == "was killed by SIGKILL"
    assert exit_description(-200) == "was killed by signal 200"


def test_a_crashing_child_is_restarted_with_growing_delays_up_to_the_cap(supervised):
    child = supervised(CRASH, first_delay=0.1, max_delay=0.4, stable_after=30)
    said = child.say
    child.start()
    drive(child, lambda: child.restarts == 5)
    assert said.restart_lines() == [
        "child exited with code 3; restarting in 0.1 s (restart 1)",
        "child exited with code 3; restarting in 0.2 s (restart 2)",
        "child exited with code 3; restarting in 0.4 s (restart 3)",
        "child exited with code 3; restarting in 0.4 s (restart 4)",
        "child exited with code 3; restarting in 0.4 s (restart 5)",
    ]
    # each run is a new process, started no sooner than its delay after the last one
    started = said.start_times()
    assert len(started) == 6
    gaps = [later - earlier for earlier, later in zip(started, started[1:], strict=False)]
    assert all(gap >= delay for gap, delay in zip(gaps, [0.1, 0.2, 0.4, 0.4, 0.4], strict=True)), gaps
    pids = [int(m) for m in re.findall(r"started \(pid (\d+)\)", " ".join(said.texts()))]
    assert len(set(pids)) == 6


def test_a_child_that_stayed_up_starts_the_delays_over(supervised, tmp_path):
    counter = tmp_path / "runs"
    child = supervised(
        [sys.executable, "-c", THIRD_RUN_STAYS_UP, str(counter), "0.6"],
        first_delay=0.05,
        max_delay=1.0,
        stable_after=0.4,
    )
    said = child.say
    child.start()
    drive(child, lambda: len(said.restart_lines()) == 5)
    assert said.restart_lines() == [
        "child exited with code 1; restarting in 0.05 s (restart 1)",
        "child exited with code 1; restarting in 0.1 s (restart 2)",
        # the third run stayed up 0.6 s > stable_after: a new row
        "child exited with code 1; restarting in 0.05 s (restart 1)",
        "child exited with code 1; restarting in 0.1 s (restart 2)",
        "child exited with code 1; restarting in 0.2 s (restart 3)",
    ]
    assert counter.read_text() in ("5", "6")


def test_stop_ends_a_running_child_and_it_stays_stopped(supervised):
    child = supervised(SLEEP, first_delay=0.01)
    proc = child.start()
    time.sleep(0.2)
    child.check()
    assert child.running()
    assert child.stop(timeout=5) == "stopped"
    assert proc.returncode == -signal.SIGTERM and gone(proc.pid)
    for _ in range(5):
        child.check()
        time.sleep(0.02)
    assert child.proc is proc and child.restarts == 0


def test_stop_cancels_a_pending_restart(supervised):
    child = supervised(CRASH, first_delay=30)
    said = child.say
    proc = child.start()
    drive(child, lambda: child.restart_at is not None)
    assert said.restart_lines() == ["child exited with code 3; restarting in 30 s (restart 1)"]
    assert child.stop() == "was not running (exited with code 3)"
    child.check()
    assert child.proc is proc and child.restarts == 0


def test_stop_kills_a_child_that_ignores_sigterm(supervised):
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
    )
    child = supervised([sys.executable, "-c", stubborn], stdout=subprocess.PIPE, text=True)
    proc = child.start()
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    began = time.monotonic()
    assert child.stop(timeout=0.5) == "stopped: it was killed by SIGKILL"
    assert 0.5 <= time.monotonic() - began < 5 and gone(proc.pid)
    proc.stdout.close()


def test_watch_restarts_children_until_a_vital_process_ends(supervised):
    child = supervised(CRASH, first_delay=0.05, max_delay=0.05)
    vital = subprocess.Popen([sys.executable, "-c", "import sys, time; time.sleep(1.0); sys.exit(2)"])
    try:
        child.start()

        def vital_ended() -> str | None:
            code = vital.poll()
            return None if code is None else exit_description(code)

        began = time.monotonic()
        assert watch([child], {"temporal": vital_ended}, stop_requested=lambda: False, interval=0.01) == (
            "temporal exited with code 2"
        )
        assert 0.9 < time.monotonic() - began < 10
        assert child.restarts >= 2
    finally:
        vital.kill()
        vital.wait()


def test_watch_returns_none_once_a_stop_is_requested(supervised):
    child = supervised(SLEEP)
    child.start()
    requests = iter([False, False, False, True])
    assert watch([child], {"postgres": lambda: None}, stop_requested=lambda: next(requests), interval=0.01) is None
    assert child.running() and child.restarts == 0
