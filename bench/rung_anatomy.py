"""Where a rung's lateness goes, read from the case workflows' own histories: how late
Temporal fired the timer, how long the woken workflow task waited for a worker, and how
long that task ran (the rung's write and message, as a local activity, inside it)."""

import math
from dataclasses import asdict, dataclass

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

SAMPLE = 80  # case histories read
LONG_TIMER = 5.0  # seconds: shorter timers are the workflow's own retries and waits, not rungs


@dataclass
class Anatomy:
    cases: int
    rungs: int
    timer_late_ms: dict[str, float]  # fired - (started + its duration): the server's timer queue
    task_wait_ms: dict[str, float]  # the woken workflow task's schedule to start: a free worker
    task_ms: dict[str, float]  # its start to completion: the rung's write and message

    def as_dict(self) -> dict:
        return asdict(self)


def _quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(v * 1000 for v in values)
    if not ordered:
        return {"p50": math.nan, "p99": math.nan, "max": math.nan}
    rank = lambda p: ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]  # noqa: E731
    return {"p50": rank(50), "p99": rank(99), "max": ordered[-1]}


def _seconds(event: HistoryEvent) -> float:
    return event.event_time.ToDatetime().timestamp()


def _kind(event: HistoryEvent) -> str:
    return event.WhichOneof("attributes") or ""


async def anatomy(client: Client, case_ids: list[str]) -> Anatomy:
    late, wait, run = [], [], []
    sample = case_ids[:: max(1, len(case_ids) // SAMPLE)]
    for case_id in sample:
        events = (await client.get_workflow_handle(case_id).fetch_history()).events
        started: dict[str, tuple[float, float]] = {}
        for i, event in enumerate(events):
            if _kind(event) == "timer_started_event_attributes":
                attributes = event.timer_started_event_attributes
                started[attributes.timer_id] = (
                    _seconds(event),
                    attributes.start_to_fire_timeout.ToTimedelta().total_seconds(),
                )
            elif _kind(event) == "timer_fired_event_attributes":
                at, duration = started.get(event.timer_fired_event_attributes.timer_id, (0.0, 0.0))
                if duration < LONG_TIMER:
                    continue
                late.append(_seconds(event) - at - duration)
                task = events[i + 1 : i + 4]
                kinds = [_kind(e) for e in task]
                if kinds[:2] == ["workflow_task_scheduled_event_attributes", "workflow_task_started_event_attributes"]:
                    wait.append(_seconds(task[1]) - _seconds(task[0]))
                    if kinds[2:] == ["workflow_task_completed_event_attributes"]:
                        run.append(_seconds(task[2]) - _seconds(task[1]))
    return Anatomy(len(sample), len(late), _quantiles(late), _quantiles(wait), _quantiles(run))


def describe(a: Anatomy) -> str:
    line = lambda name, q: f"  {name:44}" + "".join(f"{q[k]:10.1f}" for k in ("p50", "p99", "max"))  # noqa: E731
    return "\n".join(
        [
            f"  where the time goes ({a.rungs} rungs of {a.cases} case histories)   "
            + "".join(f"{q:>10}" for q in ("p50 ms", "p99 ms", "max ms")),
            line("Temporal fired the timer late by", a.timer_late_ms),
            line("its workflow task waited for a worker", a.task_wait_ms),
            line("the task ran (the rung's write and message)", a.task_ms),
        ]
    )
