"""The clients: each takes the next case, drives it from intake to CLOSED along its path
one action at a time, checks the stage of every answer, then takes the next. The drive
stops by itself when every case is done or the time is up. No case starts in the last
part of the time, so that on a slow machine the run starts fewer cases (and says so)
rather than counting the ones it had no time to finish as lost."""

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

from chaos.client import ActionFailed, Client, Tally
from chaos.paths import AGENT, Path, intake, paths_for
from chaos.plan import Plan

STAGE_POLL, STAGE_PATIENCE = 0.2, 30.0  # after an answer in the wrong stage
START_WINDOW = 0.85  # the share of the time limit in which cases start


@dataclass
class CaseRun:
    n: int
    path: Path
    case_id: str | None = None
    stage: str | None = None  # as the last answer showed it
    started: bool = False
    done: int = 0  # requests answered
    failure: str | None = None

    @property
    def closed(self) -> bool:
        return self.stage == "CLOSED"


@dataclass
class Progress:
    """How far the drive is, for the faults to time themselves by."""

    total: int  # requests the drive needs with no failure at all
    done: int = 0
    _moved: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    def answered(self) -> None:
        self.done += 1
        self._moved.set()

    async def reach(self, done: int) -> None:
        """Returns once `done` requests are answered."""
        while self.done < done:
            self._moved.clear()
            await self._moved.wait()


class Driver:
    def __init__(self, http: httpx.AsyncClient, tally: Tally, plan: Plan, run: str) -> None:
        self.client = Client(http, tally, plan.action_patience, plan.impatient_share, plan.seed)
        paths = paths_for(plan.cases, plan.other_cases)
        self.run = run
        self.cases = [CaseRun(n, path) for n, path in enumerate(paths)]
        self.progress = Progress(sum(p.requests for p in paths))
        self.last_start = float("inf")  # no case starts after this instant (monotonic clock)

    @property
    def in_flight(self) -> int:
        return self.client.in_flight

    async def drive(self, clients: int, time_limit: float) -> None:
        """Runs `clients` concurrent clients until the cases are done or `time_limit` s
        passed; cases still under way then are left as they are (and count as lost)."""
        queue = iter(self.cases)
        self.last_start = time.monotonic() + START_WINDOW * time_limit
        try:
            async with asyncio.timeout(time_limit):
                async with asyncio.TaskGroup() as group:
                    for _ in range(clients):
                        group.create_task(self._client(queue))
        except TimeoutError:
            for case in self.cases:
                if case.failure is None and not case.closed:
                    case.failure = f"time limit ({time_limit:.0f} s) reached in stage {case.stage}"

    async def _client(self, queue: Iterator[CaseRun]) -> None:
        # one shared iterator: each case goes to exactly one client
        for case in queue:
            if time.monotonic() > self.last_start:
                return
            case.started = True
            try:
                await self._one(case)
            except ActionFailed as err:
                case.failure = f"stage {case.stage}: {err}"
            except Exception as err:  # an answer not shaped as the API promises: this case is lost, the run goes on
                case.failure = f"stage {case.stage}: {err!r}"

    async def _one(self, case: CaseRun) -> None:
        path = case.path
        answer = await self.client.post("/api/v1/cases", intake(self.run, case.n, path), AGENT)
        answer = await self._answered(case, answer, path.after_intake)
        for step in path.steps:
            answer = await self.client.post(f"/api/v1/cases/{case.case_id}/{step.action}", step.body(answer), step.key)
            answer = await self._answered(case, answer, step.stage)

    async def _answered(self, case: CaseRun, answer: dict, expected: str) -> dict:
        """The answer, which must show the stage its action leads to. One that shows
        another is a broken promise of the API, counted and sampled; the client then waits
        for the case to get there, so the rest of its path still tests what it should."""
        case.case_id, case.stage = answer["case_id"], answer["stage"]
        if case.stage != expected:
            tally = self.client.tally
            tally.wrong_stage += 1
            tally.sample(f"{case.case_id} ({case.path.name}): answered in stage {case.stage}, expected {expected}")
            answer = await self._reaches(case, expected)
        case.done += 1
        self.progress.answered()
        return answer

    async def _reaches(self, case: CaseRun, expected: str) -> dict:
        try:
            async with asyncio.timeout(STAGE_PATIENCE):
                while True:
                    await asyncio.sleep(STAGE_POLL)
                    view = await self.client.get(f"/api/v1/cases/{case.case_id}", AGENT)
                    if view is not None and view["stage"] == expected:
                        case.stage = expected
                        return view
        except TimeoutError:
            raise ActionFailed(f"answered in stage {case.stage}, never reached {expected}") from None
