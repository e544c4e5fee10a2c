"""Child processes that die with their parent and stop politely."""

import ctypes
import signal
import subprocess
import sys


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM when the process that spawned it dies, even by SIGKILL
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def spawn(args: list[str], **kwargs) -> subprocess.Popen:
    """Starts a child in its own session, so a Ctrl-C in the terminal reaches only the
    parent, which then stops its children in order. On Linux the child also gets SIGTERM
    when the spawning *thread* ends: call this from the main (or event loop) thread."""
    preexec = _die_with_parent if sys.platform == "linux" else None
    return subprocess.Popen(args, start_new_session=True, preexec_fn=preexec, **kwargs)


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> int | None:
    """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit code."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode
