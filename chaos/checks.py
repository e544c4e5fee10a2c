"""PostgreSQL after the drive, the only judge of what happened: each case of the run
(found by its serial number, whatever its clients heard) must be CLOSED, once, with
every event of its path's timeline exactly as often as the path makes it, and one
customer message per template of the path. Anything short is lost; anything beyond is
duplicated."""

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from chaos.driver import CaseRun
from chaos.paths import CLOCK_EVENTS, serial
from models.messages import Audience
from models.tables import CaseRow, DeviceRow, NotificationRow, TimelineEventRow

SETTLE_INTERVAL = 0.5
SAMPLES = 10


@dataclass
class Verdict:
    cases: int = 0  # started; a case the drive had no time to start is not judged
    not_started: int = 0
    closed: int = 0
    not_closed: int = 0  # no case, or a case in another stage
    extra_cases: int = 0  # a second case for one intake
    missing_events: int = 0
    extra_events: int = 0
    missing_messages: int = 0
    extra_messages: int = 0
    samples: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.not_closed + self.missing_events + self.missing_messages

    @property
    def duplicated(self) -> int:
        return self.extra_cases + self.extra_events + self.extra_messages

    def sample(self, line: str) -> None:
        if len(self.samples) < SAMPLES:
            self.samples.append(line)


@dataclass
class Recorded:
    """What the database holds of the run."""

    cases: dict[str, list[tuple[str, str]]]  # serial number → [(case id, stage)]
    events: dict[str, Counter[str]]  # case id → event type → count
    messages: dict[str, Counter[str]]  # case id → customer template → count


async def read(engine: AsyncEngine) -> Recorded:
    async with engine.connect() as conn:
        cases: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row in await conn.execute(
            select(DeviceRow.serial_number, CaseRow.case_id, CaseRow.stage)
            .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
            .order_by(CaseRow.created_at)
        ):
            cases[row.serial_number].append((row.case_id, row.stage))
        events: dict[str, Counter[str]] = defaultdict(Counter)
        t = TimelineEventRow
        for case_id, kind, count in await conn.execute(
            select(t.case_id, t.type, func.count()).group_by(t.case_id, t.type)
        ):
            events[case_id][kind] = count
        messages: dict[str, Counter[str]] = defaultdict(Counter)
        n = NotificationRow
        for about, template, count in await conn.execute(
            select(n.case_id, n.template, func.count())
            .where(n.audience == Audience.CUSTOMER.value, n.case_id.is_not(None))
            .group_by(n.case_id, n.template)
        ):
            if about is not None:  # always, by the query: the type does not know
                messages[about][template] = count
    return Recorded(cases, events, messages)


def judge(run: str, drove: list[CaseRun], recorded: Recorded) -> Verdict:
    started = [case for case in drove if case.started]
    verdict = Verdict(cases=len(started), not_started=len(drove) - len(started))
    for case in started:
        path = case.path
        found = recorded.cases.get(serial(run, case.n), [])
        verdict.extra_cases += max(0, len(found) - 1)
        if len(found) > 1:
            verdict.sample(f"case #{case.n}: {len(found)} cases for one intake: {found}")
        if not found:
            verdict.not_closed += 1
            verdict.missing_events += path.events.total()
            verdict.missing_messages += len(path.templates)
            verdict.sample(f"case #{case.n} ({path.name}): no case recorded; the client: {case.failure}")
            continue
        case_id, stage = found[0]
        if stage == "CLOSED":
            verdict.closed += 1
        else:
            verdict.not_closed += 1
            verdict.sample(f"{case_id} ({path.name}): in {stage}; the client: {case.failure}")
        events = Counter({t: c for t, c in recorded.events.get(case_id, Counter()).items() if t not in CLOCK_EVENTS})
        messages = recorded.messages.get(case_id, Counter())
        wanted_messages = Counter(dict.fromkeys(path.templates, 1))
        missing_events, extra_events = path.events - events, events - path.events
        missing_messages, extra_messages = wanted_messages - messages, messages - wanted_messages
        verdict.missing_events += missing_events.total()
        verdict.extra_events += extra_events.total()
        verdict.missing_messages += missing_messages.total()
        verdict.extra_messages += extra_messages.total()
        if extra_events or extra_messages or (stage == "CLOSED" and (missing_events or missing_messages)):
            verdict.sample(
                f"{case_id} ({path.name}): events missing {dict(missing_events)} extra {dict(extra_events)}; "
                f"messages missing {dict(missing_messages)} extra {dict(extra_messages)}"
            )
    return verdict


def closed_cases(run: str, drove: list[CaseRun], recorded: Recorded) -> dict[str, CaseRun]:
    """The run's cases CLOSED in the database, by case id."""
    closed = {}
    for case in drove:
        found = recorded.cases.get(serial(run, case.n))
        if found and found[0][1] == "CLOSED":
            closed[found[0][0]] = case
    return closed


def messages_due(closed: dict[str, CaseRun], recorded: Recorded) -> int:
    """Customer messages not yet recorded for cases already CLOSED."""
    return sum(
        1
        for case_id, case in closed.items()
        for template in case.path.templates
        if not recorded.messages.get(case_id, Counter())[template]
    )


async def settle(
    engine: AsyncEngine,
    run: str,
    drove: list[CaseRun],
    running: Callable[[], Awaitable[set[str]]],
    within: float,
) -> float:
    """Waits, at most `within` s, until the workflow of every CLOSED case has finished and
    with it every message it sends (they go out beside the answers, and one whose worker
    was killed goes again only when its activity's timeout runs out); returns the
    seconds waited."""
    started = time.monotonic()
    while True:
        recorded = await read(engine)
        closed = closed_cases(run, drove, recorded)
        try:
            still = closed.keys() & await running()
        except Exception:  # Temporal cannot say: as if they all still ran
            still = set(closed)
        if (not still and not messages_due(closed, recorded)) or time.monotonic() - started > within:
            return time.monotonic() - started
        await asyncio.sleep(SETTLE_INTERVAL)


async def check(
    database_url: str,
    run: str,
    drove: list[CaseRun],
    running: Callable[[], Awaitable[set[str]]],
    settle_within: float,
) -> tuple[Verdict, float]:
    """The verdict, once the run's workflows have settled; and how long that took."""
    engine = create_async_engine(database_url, pool_pre_ping=True)
    try:
        waited = await settle(engine, run, drove, running, settle_within)
        return judge(run, drove, await read(engine)), waited
    finally:
        await engine.dispose()
