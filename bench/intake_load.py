"""Runs one operation over and over at a fixed concurrency, for a time or a count, and
what came of it: how many finished and failed, the rate, the seconds each took, and the
CPU each process of the stack spent meanwhile."""

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field

from bench.cpu import Meter
from bench.sla_timers import percentile

Op = Callable[[int], Awaitable[object]]  # the n-th operation of a run


@dataclass
class Run:
    label: str
    unit: str  # what one operation is: "intake", "case"
    concurrency: int
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    took: list[float] = field(default_factory=list)  # seconds of each operation that finished, sorted
    first_error: str | None = None
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process during the run

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else math.nan

    def quantile(self, p: float) -> float:
        return percentile(self.took, p)

    def merged(self, other: "Run") -> "Run":
        """This run and a later round of the same operation, as one run."""
        return Run(
            self.label,
            self.unit,
            self.concurrency,
            self.done + other.done,
            self.failed + other.failed,
            self.seconds + other.seconds,
            sorted(self.took + other.took),
            self.first_error or other.first_error,
            {name: spent + other.cpu.get(name, math.nan) for name, spent in self.cpu.items()},
        )

    def summary(self) -> dict:
        """For the JSON file: the figures without every operation's time."""
        figures = {k: v for k, v in asdict(self).items() if k != "took"}
        return figures | {"rate": self.rate, "p50": self.quantile(50), "p99": self.quantile(99)}


async def drive(
    run: Run, op: Op, *, seconds: float | None, count: int | None, meters: Mapping[str, Meter], warm: int = 0
) -> Run:
    """Runs `op` from `run.concurrency` tasks until `seconds` have passed or `count`
    operations have started; the rate counts the operations in flight at the deadline
    until they finish. `warm` operations before, not counted, ready the caches and
    connections. A failed operation is counted and the run goes on. `meters`: the CPU
    of each process, read before and after."""
    for n in range(0, warm, run.concurrency):
        await asyncio.gather(*(op(-1 - i) for i in range(n, min(warm, n + run.concurrency))))
    next_n = 0
    started = time.monotonic()
    deadline = started + seconds if seconds else math.inf

    async def loop() -> None:
        nonlocal next_n
        while (count is None or next_n < count) and time.monotonic() < deadline:
            n, next_n = next_n, next_n + 1
            began = time.monotonic()
            try:
                await op(n)
            except Exception as err:
                run.failed += 1
                run.first_error = run.first_error or f"{type(err).__name__}: {err}"[:500]
                continue
            run.took.append(time.monotonic() - began)
            run.done += 1

    before = {name: meter() for name, meter in meters.items()}
    await asyncio.gather(*(loop() for _ in range(run.concurrency)))
    run.seconds = time.monotonic() - started
    run.cpu = {name: meter() - before[name] for name, meter in meters.items()}
    run.took.sort()
    return run
