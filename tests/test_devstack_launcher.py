"""The `make dev` launcher: what it takes from the environment and gives its children
(ports, data directory, the dev payload key and codec token), the Temporal dev server's
codec flag, and `python -m devstack` end to end on free ports and a data directory of its
own, so that it never meets a developer's running `make dev`."""

import base64
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack import ROOT
from devstack.__main__ import Shutdown, StopSignals
from devstack.config import (
    DEV_CODEC_UI_TOKEN,
    DEV_PAYLOAD_KEY,
    DevConfig,
    child_env,
    encryption_env,
    message_lines,
    payload_lines,
)
from devstack.seed import DEV_KEYS
from devstack.temporal import command
from settings import Settings

# --- configuration -----------------------------------------------------------------------------


def test_defaults_are_the_documented_ports_and_data_directory():
    config = DevConfig.from_env({})
    assert (config.api_port, config.temporal_port, config.ui_port) == (8000, 7233, 8233)
    assert config.data_dir == ROOT / ".data"
    readme = (ROOT / "README.md").read_text()
    assert "http://127.0.0.1:8000/docs" in readme and "http://127.0.0.1:8233" in readme


def test_ports_and_data_directory_come_from_the_environment(tmp_path):
    config = DevConfig.from_env(
        {
            "REPAIRFLOW_DEV_API_PORT": "18000",
            "REPAIRFLOW_DEV_TEMPORAL_PORT": "17233",
            "REPAIRFLOW_DEV_UI_PORT": "18233",
            "REPAIRFLOW_DEV_DATA": str(tmp_path / "data"),
        }
    )
    assert (config.api_port, config.temporal_port, config.ui_port) == (18000, 17233, 18233)
    assert config.data_dir == tmp_path / "data"
    assert config.ui_codec_endpoint("t") == "http://127.0.0.1:18000/codec/ui/t"


@pytest.mark.parametrize("value", ["http", "0", "70000", "-1"])
def test_a_port_that_is_not_one_is_refused(value):
    with pytest.raises(RuntimeError, match=f"REPAIRFLOW_DEV_API_PORT='{value}' is not a port number"):
        DevConfig.from_env({"REPAIRFLOW_DEV_API_PORT": value})


def test_the_dev_payload_key_is_a_valid_payload_key_of_fixed_bytes():
    key_id, _, encoded = DEV_PAYLOAD_KEY.partition(":")
    assert key_id == "dev-1" and base64.b64decode(encoded, validate=True) == bytes(range(32))
    settings = Settings(payload_key=DEV_PAYLOAD_KEY, codec_ui_token=DEV_CODEC_UI_TOKEN)
    assert (settings.payload_key, settings.codec_ui_token) == (DEV_PAYLOAD_KEY, DEV_CODEC_UI_TOKEN)


def test_children_get_the_dev_key_and_token_unless_the_environment_sets_them(monkeypatch):
    config = DevConfig()
    env = child_env({"PATH": "/bin"}, config, "postgresql+asyncpg://db", "127.0.0.1:7233")
    assert env == {
        "PATH": "/bin",
        "REPAIRFLOW_DATABASE_URL": "postgresql+asyncpg://db",
        "REPAIRFLOW_TEMPORAL_ADDRESS": "127.0.0.1:7233",
        "REPAIRFLOW_PAYLOAD_KEY": DEV_PAYLOAD_KEY,
        "REPAIRFLOW_CODEC_UI_TOKEN": DEV_CODEC_UI_TOKEN,
        "REPAIRFLOW_CODEC_CORS_ORIGINS": '["http://127.0.0.1:8233", "http://localhost:8233"]',
        "REPAIRFLOW_PUBLIC_URL": "http://127.0.0.1:8000",
        "REPAIRFLOW_TEMPORAL_UI_URL": "http://127.0.0.1:8233",
    }
    assert (
        child_env({"REPAIRFLOW_TEMPORAL_UI_URL": "https://ui.example.cn"}, config, "db", "t")[
            "REPAIRFLOW_TEMPORAL_UI_URL"
        ]
        == "https://ui.example.cn"
    )
    for name, value in env.items():  # what the worker and the API read
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.codec_cors_origins == ["http://127.0.0.1:8233", "http://localhost:8233"]

    own_key = "prod-7:" + base64.b64encode(b"k" * 32).decode()
    mine = {"REPAIRFLOW_PAYLOAD_KEY": own_key, "REPAIRFLOW_CODEC_UI_TOKEN": "s3cret"}
    assert encryption_env(mine, config) | mine == encryption_env(mine, config)
    # an empty key is the environment's choice too: payloads in clear
    assert encryption_env({"REPAIRFLOW_PAYLOAD_KEY": ""}, config)["REPAIRFLOW_PAYLOAD_KEY"] == ""


def test_the_readme_gives_the_dev_key_and_token():
    readme = (ROOT / "README.md").read_text()
    assert DEV_PAYLOAD_KEY in readme and DEV_CODEC_UI_TOKEN in readme
    assert all(f"REPAIRFLOW_DEV_{name}" in readme for name in ("API_PORT", "TEMPORAL_PORT", "UI_PORT", "DATA"))


def test_sigterm_stops_the_stack_as_ctrl_c_does():
    signals = StopSignals()
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        signals.install()
        assert signal.getsignal(signal.SIGINT) == signal.getsignal(signal.SIGTERM) == signals._handle
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def test_the_first_stop_signal_interrupts_the_start_and_later_ones_do_not():
    signals = StopSignals()
    with pytest.raises(Shutdown, match="SIGTERM"):
        signals._handle(signal.SIGTERM, None)
    signals._handle(signal.SIGINT, None)  # while stopping: no second interruption
    assert signals.requested == "SIGTERM"


def test_once_the_children_run_a_stop_signal_only_asks_the_watch_loop_to_stop():
    signals = StopSignals()
    signals.raising = False
    signals._handle(signal.SIGINT, None)
    assert signals.requested == "SIGINT"


def test_the_banner_says_payloads_are_encrypted_and_how_to_decode_them():
    config = DevConfig()
    lines = payload_lines(encryption_env({}, config), config, ".venv/bin/temporal", "127.0.0.1:7233")
    assert lines == [
        "encrypted with the dev key dev-1 (a dev key: never use it in production)",
        "the Temporal UI decodes them through the API (http://127.0.0.1:8000/codec/ui/…)",
        "CLI: .venv/bin/temporal workflow show -w <case id> --codec-endpoint http://127.0.0.1:8000/codec "
        "--codec-auth 'Bearer dev-supervisor-key'",
    ]
    assert "dev-supervisor-key" in DEV_KEYS
    moved = DevConfig(api_port=18000)
    assert (
        "--address 127.0.0.1:17233 --codec-endpoint http://127.0.0.1:18000/codec"
        in payload_lines(encryption_env({}, moved), moved, "temporal", "127.0.0.1:17233")[-1]
    )
    assert payload_lines({"REPAIRFLOW_PAYLOAD_KEY": ""}, config, "temporal", "127.0.0.1:7233") == [
        "in clear (REPAIRFLOW_PAYLOAD_KEY is empty)"
    ]


def test_the_ui_gets_the_codec_endpoint_and_the_headless_test_server_does_not():
    endpoint = "http://127.0.0.1:8000/codec/ui/dev-codec-ui-token"
    with_ui = command(Path("t.db"), ip="127.0.0.1", port=7233, ui_port=8233, ui_codec_endpoint=endpoint)
    assert with_ui[with_ui.index("--ui-codec-endpoint") + 1] == endpoint
    assert with_ui[with_ui.index("--ui-port") + 1] == "8233"
    headless = command(Path("t.db"), ip="127.0.0.1", port=7233, ui_port=None)
    assert "--headless" in headless and "--ui-codec-endpoint" not in headless
    assert command(Path("t.db"), ip="127.0.0.1", port=7233, ui_port=None, ui_codec_endpoint=endpoint) == headless


# --- end to end --------------------------------------------------------------------------------

PORT_VARIABLES = ("REPAIRFLOW_DEV_API_PORT", "REPAIRFLOW_DEV_TEMPORAL_PORT", "REPAIRFLOW_DEV_UI_PORT")
MARK = "REPAIRFLOW_DEV_TEST_RUN"  # every process of a launch inherits it: how the test finds them


def marked(mark: str) -> list[int]:
    """The live processes whose environment carries `mark` (Linux /proc)."""
    found = []
    needle = f"{MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # gone, or not ours to read
                pass
    return found


def cmdline(pid: int) -> list[str]:
    return (Path("/proc") / str(pid) / "cmdline").read_bytes().decode().split("\0")


def environ(pid: int) -> dict[str, str]:
    pairs = (Path("/proc") / str(pid) / "environ").read_bytes().decode().split("\0")
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


class Launch:
    """`python -m devstack` with its output collected line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devstack"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.began = time.monotonic()
        self.lines: list[tuple[float, str]] = []  # (seconds since the launch, line)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic() - self.began, line.rstrip("\n")))

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    @property
    def timeline(self) -> str:
        """The output with the time of each line, for failure messages."""
        return "\n".join(f"{at:6.2f}s {line}" for at, line in self.lines)

    def wait_for(self, pattern: str, within: float = 30.0) -> re.Match:
        deadline = time.monotonic() + within
        while True:
            ended = self.proc.poll() is not None
            if ended:
                self.reader.join(2)  # its last lines
            found = re.search(pattern, self.output)
            if found:
                return found
            if ended or time.monotonic() > deadline:
                state = f"ended with code {self.proc.returncode}" if ended else f"not within {within:.0f} s"
                raise AssertionError(f"no {pattern!r} ({state}); the launcher said:\n{self.timeline}")
            time.sleep(0.05)

    def pids(self, name: str) -> list[int]:
        return [int(pid) for pid in re.findall(rf"\[devstack\] {name} started \(pid (\d+)\)", self.output)]

    def ended(self, within: float = 30.0) -> int:
        try:
            code = self.proc.wait(within)
        except subprocess.TimeoutExpired:
            said = self.timeline
            raise AssertionError(f"the launcher did not stop within {within:.0f} s; it said:\n{said}") from None
        self.reader.join(2)
        return code


def free_ports(count: int) -> list[str]:
    """`count` different free ports (each held until all are picked)."""
    with contextlib.ExitStack() as held:
        taken = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in taken:
            sock.bind(("127.0.0.1", 0))
        return [str(sock.getsockname()[1]) for sock in taken]


class Launcher:
    """Starts `python -m devstack` on the same free ports and data directory each time;
    `cleanup()` stops what is still running and kills whatever process is left."""

    def __init__(self, data_dir: Path) -> None:
        self.mark = uuid.uuid4().hex
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REPAIRFLOW_")} | {
            MARK: self.mark,
            "REPAIRFLOW_DEV_DATA": str(data_dir),
            **dict(zip(PORT_VARIABLES, free_ports(len(PORT_VARIABLES)), strict=True)),
            "PYTHONUNBUFFERED": "1",
        }
        self.launches: list[Launch] = []

    def __call__(self) -> Launch:
        self.launches.append(Launch(self.env))
        return self.launches[-1]

    def cleanup(self) -> None:
        for launch in self.launches:
            if launch.proc.poll() is None:
                launch.proc.terminate()
                try:
                    launch.proc.wait(20)
                except subprocess.TimeoutExpired:
                    launch.proc.kill()
        for _ in range(5):
            left = marked(self.mark)
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)


@pytest.fixture
def launcher(tmp_path) -> Iterator[Launcher]:
    """A Launcher whose processes are all gone after the test, passed or failed."""
    launcher = Launcher(tmp_path / "data")
    try:
        yield launcher
    finally:
        launcher.cleanup()


def left_behind(mark: str, within: float = 3.0) -> list[str]:
    """The processes of a launch still alive `within` seconds after it ended."""
    deadline = time.monotonic() + within
    while (pids := marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = []
    for pid in pids:
        try:
            left.append(f"{pid}: {' '.join(cmdline(pid))[:200]}")
        except OSError:  # ended meanwhile
            pass
    return left


def http_get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def server_time_wait(port: int) -> bool:
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in list(table)[1:]]
    return any(int(row[1].rsplit(":", 1)[1], 16) == port and row[3] == "06" for row in rows)


@pytest.mark.skipif(sys.platform != "linux", reason="finds the launcher's processes in /proc")
def test_make_dev_restarts_a_crashed_worker_stops_cleanly_and_starts_again_at_once(launcher):
    """One launch on Ctrl-C, one on Temporal's death (SIGTERM takes the Ctrl-C path: see
    test_sigterm_stops_the_stack_as_ctrl_c_does)."""
    env = launcher.env
    api_port, temporal_port = int(env["REPAIRFLOW_DEV_API_PORT"]), int(env["REPAIRFLOW_DEV_TEMPORAL_PORT"])

    first = launcher()
    first.wait_for(r"RepairFlow dev stack", within=60)
    assert re.search(r"seed added \{.*'api_keys': 3\}", first.output)
    assert "payloads      encrypted with the dev key dev-1" in first.output
    assert f"--codec-endpoint http://127.0.0.1:{api_port}/codec --codec-auth 'Bearer dev-supervisor-key'" in (
        first.output
    )

    # the Temporal UI decodes through the API; worker and API encrypt with the dev key
    temporal = [pid for pid in marked(launcher.mark) if cmdline(pid)[0].endswith("temporal")]
    assert len(temporal) == 1
    args = cmdline(temporal[0])
    assert args[args.index("--ui-codec-endpoint") + 1] == f"http://127.0.0.1:{api_port}/codec/ui/{DEV_CODEC_UI_TOKEN}"
    assert args[args.index("--port") + 1] == str(temporal_port)
    [worker], [api] = first.pids("worker"), first.pids("api")
    for pid in (worker, api):
        child = environ(pid)
        assert child["REPAIRFLOW_PAYLOAD_KEY"] == DEV_PAYLOAD_KEY
        assert child["REPAIRFLOW_CODEC_UI_TOKEN"] == DEV_CODEC_UI_TOKEN
        assert (
            json.loads(child["REPAIRFLOW_CODEC_CORS_ORIGINS"])[0] == f"http://127.0.0.1:{env['REPAIRFLOW_DEV_UI_PORT']}"
        )

    # the API answers; the connection stays open, so that the API closes it when it stops
    # and leaves its port in TIME-WAIT, as a browser tab on /docs does
    conn = http.client.HTTPConnection("127.0.0.1", api_port, timeout=5)
    deadline = time.monotonic() + 30
    while True:
        try:
            assert http_get(conn, "/openapi.json") == 200
            break
        except OSError:
            conn.close()
            assert time.monotonic() < deadline, f"the API did not answer; the launcher said:\n{first.output}"
            time.sleep(0.2)

    # a crashed worker is started again, the rest of the stack keeps running
    os.kill(worker, signal.SIGKILL)
    first.wait_for(r"worker was killed by SIGKILL; restarting in 1 s \(restart 1\)", within=10)
    first.wait_for(r"worker started \(pid \d+\)(.|\n)*worker started \(pid \d+\)", within=10)
    [_, again] = first.pids("worker")
    assert again != worker and first.proc.poll() is None and first.pids("api") == [api]

    # Ctrl-C stops everything
    first.proc.send_signal(signal.SIGINT)
    assert first.ended() == 0, first.timeline
    conn.close()
    assert "[devstack] SIGINT: stopping" in first.output
    assert left_behind(launcher.mark) == []
    assert server_time_wait(api_port), "the API left no TIME-WAIT on its port: this test no longer tests the restart"

    # started again at once, on the same ports, despite the TIME-WAIT; Temporal dying stops it all
    second = launcher()
    second.wait_for(r"RepairFlow dev stack", within=60)
    assert "in use" not in second.output
    [temporal] = [pid for pid in marked(launcher.mark) if cmdline(pid)[0].endswith("temporal")]
    os.kill(temporal, signal.SIGKILL)
    assert second.ended() == 1
    assert "[devstack] temporal was killed by SIGKILL; the stack cannot run without it: stopping everything" in (
        second.output
    )
    assert left_behind(launcher.mark) == []


@pytest.mark.skipif(sys.platform != "linux", reason="finds the launcher's processes in /proc")
def test_make_dev_refuses_a_port_something_listens_on(launcher):
    port = int(launcher.env["REPAIRFLOW_DEV_API_PORT"])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        run = launcher()
        assert run.ended(within=30) == 1
    assert f"[devstack] failed: 127.0.0.1:{port} is in use: a process is listening on it" in run.output
    assert left_behind(launcher.mark) == []


def test_the_banner_says_where_messages_go_and_where_to_read_them():
    config = DevConfig(api_port=18000)
    env = child_env({}, config, "postgresql+asyncpg://x/y", "127.0.0.1:7233")
    # the tracking links in messages reach this stack's API
    assert env["REPAIRFLOW_PUBLIC_URL"] == "http://127.0.0.1:18000"
    assert message_lines(env, config) == [
        "recorded and logged, not sent (no channel configured)",
        "read them: GET http://127.0.0.1:18000/api/v1/cases/<case id>/notifications (agent key)",
    ]
    mailed = env | {"REPAIRFLOW_CUSTOMER_EMAIL_URL": "mailto://smtp.example.cn?to={email}"}
    assert message_lines(mailed, config)[0] == "sent through REPAIRFLOW_CUSTOMER_EMAIL_URL"
    told = child_env({"REPAIRFLOW_PUBLIC_URL": "https://service.example.cn"}, config, "x", "y")
    assert told["REPAIRFLOW_PUBLIC_URL"] == "https://service.example.cn"
