"""The SLA board's walk of the running clocks (api.queries.at_risk) against a plain reference
computed here: cases and clocks written straight into the database, far enough in the past
that they head the walk whatever else the shared database holds, and removed afterwards."""

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from api.queries import at_risk
from api.schemas import AtRiskItem
from models.domain import Priority
from models.sla import Target
from models.stages import Stage
from models.tables import CaseRow, CustomerRow, DeviceRow, SlaTargetRow

# long before any case the other tests make (their oldest clocks are set to 2001)
ERA = datetime(1901, 1, 1, tzinfo=UTC)
ERA_END = datetime(1950, 1, 1, tzinfo=UTC)
TARGETS = [t.value for t in Target]


@dataclass
class Clock:
    target: str
    deadline: datetime
    met: bool = False
    paused: bool = False
    started_at: datetime | None = None
    level: int = 0

    @property
    def running(self) -> bool:
        return not self.met and not self.paused


@dataclass
class Case:
    case_id: str
    status: str  # open, closed or cancelled
    created_at: datetime
    clocks: list[Clock] = field(default_factory=list)
    priority: str = "P2"
    technician_id: str | None = None
    escalation_level: int = 0

    @property
    def stage(self) -> str:
        return {"open": Stage.DIAGNOSIS, "closed": Stage.CLOSED, "cancelled": Stage.CANCELLED}[self.status].value


def reference(cases: list[Case], now: datetime, limit: int) -> list[AtRiskItem]:
    """Open cases by their earliest running deadline (ties as the walk breaks them), each once."""
    running = sorted(
        ((clock.deadline, case.case_id, clock.target), case, clock)
        for case in cases
        if case.status == "open"
        for clock in case.clocks
        if clock.running
    )
    items: dict[str, AtRiskItem] = {}
    for _, case, clock in running:
        if case.case_id not in items and len(items) < limit:
            items[case.case_id] = AtRiskItem(
                case_id=case.case_id,
                stage=Stage(case.stage),
                priority=Priority(case.priority),
                technician_id=case.technician_id,
                escalation_level=case.escalation_level,
                target=clock.target,
                deadline=clock.deadline,
                level=clock.level,
                seconds_left=(clock.deadline - now).total_seconds(),
            )
    return list(items.values())


def walk_needs_more_than_one_batch(cases: list[Case], limit: int) -> bool:
    """Whether the first limit × len(Target) running clocks (all ours, ended cases' too) hold
    fewer than `limit` open cases, so that the board must read a second batch."""
    walk = sorted(
        (clock.deadline, case.case_id, clock.target, case.status)
        for case in cases
        for clock in case.clocks
        if clock.running
    )
    first = walk[: limit * len(Target)]
    return len({case_id for _, case_id, _, status in first if status == "open"}) < limit


class Board:
    """Writes cases and their clocks; removes them again when the test ends."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.run = uuid.uuid4().hex[:8]
        self.customer_id: int | None = None
        self.case_ids: list[str] = []
        self.device_ids: list[int] = []

    def case_id(self, n: int) -> str:
        # one length, digits and lower-case letters: the database's collation orders them as Python does
        return f"risk{self.run}{n:04d}"

    async def add(self, cases: list[Case]) -> None:
        async with self.sessions.begin() as session:
            if self.customer_id is None:
                customer = CustomerRow(phone=f"+1901{self.run}", name="At Risk", locale="en", tier="standard")
                session.add(customer)
                await session.flush()
                self.customer_id = customer.id
            for case in cases:
                device = DeviceRow(
                    serial_number=f"RISK-{case.case_id}", category="laptop", model="X1", purchase_date=date(1900, 1, 1)
                )
                session.add(device)
                await session.flush()
                self.device_ids.append(device.id)
                self.case_ids.append(case.case_id)
                session.add(
                    CaseRow(
                        case_id=case.case_id,
                        customer_id=self.customer_id,
                        device_id=device.id,
                        channel="web",
                        stage=case.stage,
                        status=case.status,
                        priority=case.priority,
                        technician_id=case.technician_id,
                        escalation_level=case.escalation_level,
                        sla_breached=False,
                        intake={},
                        created_at=case.created_at,
                        updated_at=case.created_at,
                        closed_at=None if case.status == "open" else case.created_at,
                    )
                )
                await session.flush()
                session.add_all(
                    SlaTargetRow(
                        case_id=case.case_id,
                        target=clock.target,
                        deadline=clock.deadline,
                        met_at=clock.deadline if clock.met else None,
                        paused_at=clock.deadline if clock.paused else None,
                        policy=case.priority,
                        started_at=clock.started_at,
                        level=clock.level,
                    )
                    for clock in case.clocks
                )

    async def remove(self) -> None:
        async with self.sessions.begin() as session:
            await session.execute(delete(SlaTargetRow).where(SlaTargetRow.case_id.in_(self.case_ids)))
            await session.execute(delete(CaseRow).where(CaseRow.case_id.in_(self.case_ids)))
            await session.execute(delete(DeviceRow).where(DeviceRow.id.in_(self.device_ids)))
            if self.customer_id is not None:
                await session.execute(delete(CustomerRow).where(CustomerRow.id == self.customer_id))

    async def read(self, now: datetime, limit: int) -> list[AtRiskItem]:
        async with self.sessions() as session:
            return await at_risk(session, now, limit)


@pytest.fixture(scope="module")
async def db_sessions(database_url) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    # the board needs the database alone: no Temporal server is started for these tests
    engine = create_async_engine(database_url, pool_size=2)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


@pytest.fixture
async def board(db_sessions) -> AsyncIterator[Board]:
    async with db_sessions() as session:
        # nothing else in our era, or the orders below would not be ours alone
        count = select(func.count())
        assert await session.scalar(count.select_from(CaseRow).where(CaseRow.created_at < ERA_END)) == 0
        stray = count.select_from(SlaTargetRow).where(SlaTargetRow.deadline < ERA_END, SlaTargetRow.met_at.is_(None))
        assert await session.scalar(stray) == 0
    writer = Board(db_sessions)
    yield writer
    await writer.remove()


def clocks_at(rng: random.Random, hours: list[int], created_at: datetime, *, states: bool) -> list[Clock]:
    clocks = []
    for n, (target, hour) in enumerate(zip(TARGETS, hours, strict=False)):
        # the first clock runs: every open case has one on the board
        state = rng.choice(["running"] * 6 + ["met", "paused"]) if states and n else "running"
        clocks.append(
            Clock(
                target,
                ERA + timedelta(hours=hour),
                met=state == "met",
                paused=state == "paused",
                started_at=created_at,
                level=rng.randint(0, 3),
            )
        )
    return clocks


async def test_the_board_follows_the_clocks_across_batches(board):
    rng = random.Random(11)
    created = ERA - timedelta(days=1)
    cases = []
    for n in range(20):
        case = Case(board.case_id(n), "open", created, priority=rng.choice(["P1", "P2", "P3"]))
        case.technician_id = rng.choice([None, "tech-risk-1", "tech-risk-2"])
        case.escalation_level = rng.randint(0, 2)
        # two or three clocks, some met or paused, on few distinct hours so that deadlines tie
        case.clocks = clocks_at(rng, [rng.randint(0, 40) for _ in range(rng.choice([2, 3]))], created, states=True)
        cases.append(case)
    for n in range(20, 40):  # ended cases that left their clocks running, among the open ones' and mostly first
        ended = Case(board.case_id(n), rng.choice(["closed", "cancelled"]), created)
        ended.clocks = clocks_at(rng, [rng.randint(0, 10) for _ in TARGETS], created, states=False)
        cases.append(ended)
    await board.add(cases)
    # the layout makes the walk read more than one batch (limit 5: a batch of 15), or the test would not test it
    assert walk_needs_more_than_one_batch(cases, 5)
    now = datetime.now(UTC)
    assert len(reference(cases, now, 100)) == 20
    for limit in range(1, 21):
        assert await board.read(now, limit) == reference(cases, now, limit), f"limit {limit}"
    # past our cases come the others' (later deadlines): ours are all there first, in order
    read = await board.read(now, 25)
    assert read[:20] == reference(cases, now, 20)
    assert not {item.case_id for item in read[20:]} & set(board.case_ids)


async def test_the_clocks_of_ended_cases_due_first_do_not_use_up_the_board(board):
    created = ERA - timedelta(days=1)
    ended = [
        Case(
            board.case_id(n),
            "cancelled" if n % 3 else "closed",
            created,
            [Clock(t, ERA + timedelta(minutes=3 * n + i), started_at=created) for i, t in enumerate(TARGETS)],
        )
        for n in range(30)
    ]
    open_cases = [
        Case(
            board.case_id(n),
            "open",
            created,
            [
                Clock(t, ERA + timedelta(days=1, hours=(n * 7 + i * 5) % 13), started_at=created)
                for i, t in enumerate(TARGETS)
            ],
            priority="P1",
        )
        for n in range(30, 36)
    ]
    await board.add(ended + open_cases)
    first_open = min(c.deadline for case in open_cases for c in case.clocks)
    assert all(c.deadline < first_open for case in ended for c in case.clocks)  # 90 clocks, six batches of 15
    now = datetime.now(UTC)
    for limit in (1, 5, 6):
        read = await board.read(now, limit)
        assert read == reference(ended + open_cases, now, limit), f"limit {limit}"
        assert len(read) == limit and {item.case_id for item in read} <= {case.case_id for case in open_cases}


@pytest.mark.parametrize("started", ["never", "after its deadline"])
async def test_a_clock_due_before_its_case_began_is_on_the_board(board, started):
    created = ERA + timedelta(days=10)
    early = Case(
        board.case_id(0),
        "open",
        created,
        # due before the case, and so before the oldest open case, began
        [Clock(Target.RESOLVED.value, ERA, started_at=None if started == "never" else created, level=2)],
    )
    soon = created + timedelta(hours=1)
    later = Case(board.case_id(1), "open", created, [Clock(Target.ASSIGNED.value, soon, started_at=created)])
    await board.add([early, later])
    async with board.sessions() as session:
        oldest_open = await session.scalar(select(func.min(CaseRow.created_at)).where(CaseRow.status == "open"))
        fallback = (
            select(func.count())
            .select_from(SlaTargetRow)
            .where(
                SlaTargetRow.case_id == early.case_id,
                or_(SlaTargetRow.started_at.is_(None), SlaTargetRow.deadline < SlaTargetRow.started_at),
            )
        )
        assert await session.scalar(fallback) == 1
    assert oldest_open == created and ERA < oldest_open  # only the fallback puts the early clock in the walk
    now = datetime.now(UTC)
    assert await board.read(now, 2) == reference([early, later], now, 2)
    assert [item.case_id for item in await board.read(now, 1)] == [early.case_id]
