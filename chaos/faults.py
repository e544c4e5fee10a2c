"""What breaks during the drive, and when: SIGKILLs of a worker (started again at once),
restarts of the Temporal dev server and of PostgreSQL. Each fault waits for its point
of the drive's progress, so every one of them lands on cases in flight, and the next
waits until the system is whole again (every worker polling, the API healthy), so each
finding has one cause. One kill is made on purpose inside the first Temporal outage:
the worker started again then must connect once the server is back, as a worker that
a supervisor restarts during an outage must."""

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import httpx
from temporalio.client import Client

from chaos.apps import Apps
from chaos.driver import Progress
from chaos.plan import Plan
from chaos.probes import api_healthy, workers_polling
from chaos.servers import Database, Temporal


class Kind(StrEnum):
    KILL_WORKER = "SIGKILL a worker"
    RESTART_TEMPORAL = "restart Temporal"
    RESTART_POSTGRES = "restart PostgreSQL"


@dataclass(frozen=True)
class Fault:
    at: float  # the share of the drive's requests answered before it strikes
    kind: Kind
    kill_inside: bool = False  # a restart during which a worker is killed and started into the outage


def schedule(plan: Plan) -> list[Fault]:
    """The restarts, Temporal and PostgreSQL in turn, over 20–75 % of the drive (cases are
    still under way after the last); the kills spread over 5–90 %, one of them inside the
    first Temporal restart."""
    turns, t, p = [], plan.temporal_restarts, plan.postgres_restarts
    while t or p:
        if t:
            turns.append(Kind.RESTART_TEMPORAL)
            t -= 1
        if p:
            turns.append(Kind.RESTART_POSTGRES)
            p -= 1
    inside = plan.worker_kills > 0 and plan.temporal_restarts > 0
    restarts = [
        Fault(0.2 + 0.55 * (i + 0.5) / len(turns), kind, kill_inside=inside and i == 0) for i, kind in enumerate(turns)
    ]
    apart = plan.worker_kills - inside
    kills = [Fault(0.05 + 0.85 * (i + 0.5) / apart, Kind.KILL_WORKER) for i in range(apart)]
    return sorted(kills + restarts, key=lambda f: f.at)


@dataclass
class FaultLog:
    kills: int = 0
    temporal_restarts: int = 0
    postgres_restarts: int = 0
    skipped: list[Fault] = field(default_factory=list)  # the drive ended before their turn
    findings: list[str] = field(default_factory=list)  # what did not come back by itself

    @property
    def restarts(self) -> int:
        return self.temporal_restarts + self.postgres_restarts


class Faults:
    def __init__(
        self,
        plan: Plan,
        database: Database,
        temporal: Temporal,
        apps: Apps,
        http: httpx.AsyncClient,
        task_queue: str,
        progress: Progress,
        in_flight: Callable[[], int],
        say: Callable[[str], None],
    ) -> None:
        self.plan, self.database, self.temporal, self.apps, self.http = plan, database, temporal, apps, http
        self.task_queue, self.progress, self.in_flight, self.say = task_queue, progress, in_flight, say
        self.log = FaultLog()
        self._drive: asyncio.Future | None = None

    async def inject(self, faults: list[Fault], drive: asyncio.Future, window: float) -> None:
        """Each fault at its turn, as long as the drive goes on: when its share of the
        requests is answered, or at the latest at that share of the `window` seconds in
        which cases start, so a slow drive still meets every fault."""
        self._drive = drive
        started = time.monotonic()
        for n, fault in enumerate(faults):
            answered = math.ceil(fault.at * self.progress.total)
            await self._until(answered, not_after=started + fault.at * window)
            if drive.done():
                self.log.skipped = faults[n:]
                return
            await self._strike(fault)

    async def _until(self, answered: int, not_after: float | None = None) -> None:
        """Waits until `answered` requests are answered, the drive is over, or `not_after`
        (monotonic clock) has come."""
        assert self._drive is not None
        reached = asyncio.ensure_future(self.progress.reach(answered))
        timeout = None if not_after is None else max(0.0, not_after - time.monotonic())
        try:
            await asyncio.wait([reached, self._drive], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            reached.cancel()

    async def _strike(self, fault: Fault) -> None:
        share, flying, started = f"{self.progress.fraction:.0%}", self.in_flight(), time.monotonic()
        if fault.kind is Kind.KILL_WORKER:
            self.say(f"{share}: {self._kill()}, {flying} requests in flight")
        elif fault.kind is Kind.RESTART_TEMPORAL:
            killed: list[str] = []
            kill = (lambda: killed.append(self._kill())) if fault.kill_inside else None
            await self.temporal.restart(self.plan.outage_seconds, while_down=kill)
            self.log.temporal_restarts += 1
            inside = f"; while it was down: {killed[0]}" if killed else ""
            self.say(f"{share}: {fault.kind}, {flying} requests in flight; back after {_since(started)}{inside}")
        else:
            await self.database.restart(self.plan.outage_seconds)
            self.log.postgres_restarts += 1
            self.say(f"{share}: {fault.kind}, {flying} requests in flight; back after {_since(started)}")
        await self._recovery(fault.kind, self.progress.done)

    def _kill(self) -> str:
        name, old, new = self.apps.kill_worker()
        self.log.kills += 1
        return f"SIGKILL {name} (pid {old}), started again as pid {new}"

    async def _recovery(self, kind: Kind, answered: int) -> None:
        """How long until the workers poll, the API is healthy and cases move again."""
        within = self.plan.recovery_seconds
        polling, healthy, moving = await asyncio.gather(
            self._polling(within), api_healthy(self.http, within), self._moving(answered, within)
        )
        parts = [
            f"workers {self.apps.worker_pids()} polling after {polling:.1f} s" if polling is not None else None,
            f"API healthy after {healthy:.1f} s" if healthy is not None else None,
            f"cases moving after {moving:.1f} s" if moving is not None else None,
        ]
        self.say(f"   after {kind}: " + ", ".join(p for p in parts if p))
        if polling is None:
            self._finding(f"after {kind}: not every worker ({self.apps.worker_pids()}) polled within {within:.0f} s")
        if healthy is None:
            self._finding(f"after {kind}: the API's /healthz did not answer 200 within {within:.0f} s")
        if moving is None:
            self._finding(f"after {kind}: no request was answered within {within:.0f} s")

    async def _polling(self, within: float) -> float | None:
        # a client of its own, connected after the outage: what it sees is the workers', not its own, recovery
        try:
            async with asyncio.timeout(within):
                client = await Client.connect(self.temporal.address, namespace="default")
        except Exception as err:
            self._finding(f"the run could not connect to Temporal to see its pollers: {err!r}")
            return None
        return await workers_polling(client, self.task_queue, self.apps.worker_pids, within)

    async def _moving(self, answered: int, within: float) -> float | None:
        """Seconds until one more request is answered (or the drive is over)."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(within):
                await self._until(answered + 1)
        except TimeoutError:
            return None
        return time.monotonic() - started

    def _finding(self, text: str) -> None:
        self.log.findings.append(text)
        self.say(f"FINDING: {text}")


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"
