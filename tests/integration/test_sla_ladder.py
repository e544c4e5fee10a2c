"""The SLA escalation ladder on the time-skipping test server, through the API, a real
worker and PostgreSQL: every rung of every target for each priority, business hours
and a holiday, the paused resolution clock, an extension, and a worker restart across a
deadline. Each rung must happen exactly once: one row, one timeline event, one message."""

import asyncio
import json
import signal
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest

from api.app import create_app
from models.tables import EscalationRow, NotificationRow, TimelineEventRow
from tests.integration.cases import SUPERVISOR, Cases, intake_body
from tests.integration.running import eventually, own_queue, serving, start_worker, system

SHANGHAI = ZoneInfo("Asia/Shanghai")
RUNGS = ("warn", "breach", "raise")
# who hears of each rung of a case nobody has been assigned yet
AUDIENCE = {"warn": "dispatcher", "breach": "supervisor", "raise": "manager"}
# intake bodies that triage to each priority
BY_PRIORITY = {
    "P1": dict(category="fridge", safety_hazard=True),
    "P2": dict(tier="vip"),
    "P3": dict(),
    "P4": dict(severity="cosmetic"),
}


async def skip_to(env, when: datetime) -> None:
    now = await env.get_current_time()
    if when > now:
        await env.sleep(when - now)


def near(a: datetime | str, b: datetime) -> bool:
    """The clock starts when triage runs, a few milliseconds after the intake."""
    return abs((datetime.fromisoformat(a) if isinstance(a, str) else a) - b) < timedelta(seconds=1)


async def next_monday_9am(env) -> datetime:
    """The next Monday 09:00 in Shanghai, when a business-hours clock is just opening."""
    now = (await env.get_current_time()).astimezone(SHANGHAI)
    day = now.date() + timedelta(days=(7 - now.weekday()) % 7 or 7)
    return datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)


async def ladder_rows(sessions, case_id: str) -> list[tuple[str, str, int]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(EscalationRow).where(EscalationRow.case_id == case_id).order_by(EscalationRow.at, EscalationRow.id)
        )
        return [(r.kind.removeprefix("sla_"), r.target, r.level) for r in rows if r.target]


async def staff_messages(sessions, case_id: str) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(NotificationRow.template, NotificationRow.audience)
            .where(NotificationRow.case_id == case_id, NotificationRow.audience != "customer")
            .order_by(NotificationRow.id)
        )
        return [tuple(r) for r in rows]


async def rows_become(sessions, case_id: str, count: int) -> list[tuple[str, str, int]]:
    async def check():
        rows = await ladder_rows(sessions, case_id)
        return rows if len(rows) >= count else None

    rows = await eventually(check) or await ladder_rows(sessions, case_id)
    assert len(rows) == count, rows
    return rows


def plan(case: dict) -> list[tuple[datetime, str, str]]:
    """Every rung of every target of the case view, in the order they fall due."""
    times = []
    for target, sla in case["sla"]["targets"].items():
        for rung, field in zip(RUNGS, ("warn_at", "deadline", "escalate_at"), strict=True):
            times.append((datetime.fromisoformat(sla[field]), target, rung))
    return sorted(times)


async def search_attributes(env, case_id: str) -> dict:
    """Raw JSON values: the test server keeps an unset attribute as an empty payload, which
    the SDK's typed decoding refuses."""
    described = await env.client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(namespace="default", execution=WorkflowExecution(workflow_id=case_id))
    )
    fields = described.workflow_execution_info.search_attributes.indexed_fields
    return {name: json.loads(payload.data) if payload.data else None for name, payload in fields.items()}


@pytest.mark.parametrize("priority", ["P1", "P2", "P3", "P4"])
async def test_each_priority_climbs_every_rung_of_every_target_once(priority, ts_cases, time_skipping_env, sessions):
    env = time_skipping_env
    monday = await next_monday_9am(env)
    # opened on Sunday evening: a business-hours clock starts when Monday opens
    await skip_to(env, monday - timedelta(hours=13))
    case = await ts_cases.open(intake_body(**BY_PRIORITY[priority]))
    cid = case["case_id"]
    assert case["priority"] == priority
    assigned = case["sla"]["targets"]["assigned"]
    # P1 runs round the clock; the others on Mon-Sat 09:00-18:00 in Shanghai, so from
    # Monday 09:00 their first target's rungs fall at 75, 100 and 150 % of its open hours
    expected = {
        "P2": ("09:45", "10:00", "10:30"),
        "P3": ("12:00", "13:00", "15:00"),
        "P4": ("Tue 18:00", "Wed 15:00", "Thu 18:00"),
    }
    if priority == "P1":
        assert assigned["calendar"] == "24x7"
    else:
        assert assigned["calendar"] == "MTWTFS- 09:00-18:00 Asia/Shanghai"
        shown = [
            datetime.fromisoformat(assigned[f]).astimezone(SHANGHAI) for f in ("warn_at", "deadline", "escalate_at")
        ]
        as_text = [f"{t:%a %H:%M}" if t.date() != monday.date() else f"{t:%H:%M}" for t in shown]
        assert tuple(as_text) == expected[priority]

    rungs = plan(case)
    for due in sorted({due for due, _, _ in rungs}):  # two targets' rungs may share an instant
        await skip_to(env, due + timedelta(seconds=1))
        expected = [(rung, target, RUNGS.index(rung) + 1) for at, target, rung in rungs if at <= due]
        rows = await rows_become(sessions, cid, len(expected))
        assert sorted(rows) == sorted(expected)

    async def all_told():
        told = await staff_messages(sessions, cid)
        return told if len(told) == len(rungs) else None

    assert sorted(await eventually(all_told) or []) == sorted((f"sla_{r}", AUDIENCE[r]) for _, _, r in rungs)
    case = await ts_cases.get(cid)
    # one level up per 150 % rung, never past P1
    assert case["priority"] == f"P{max(1, int(priority[1]) - 3)}"
    assert case["sla"]["escalation_level"] == 3 and case["sla"]["breached"] is True
    attributes = await search_attributes(env, cid)
    assert (attributes["EscalationLevel"], attributes["SlaBreached"]) == (3, True)
    assert attributes.get("SlaDeadline") is None  # every deadline has passed
    events = [e["type"] for e in await ts_cases.timeline(cid)]
    assert {rung: events.count(f"sla_{rung}") for rung in RUNGS} == {"warn": 3, "breach": 3, "raise": 3}


async def test_a_target_met_in_time_cancels_the_rest_of_its_ladder(ts_cases, time_skipping_env, sessions):
    env = time_skipping_env
    case = await ts_cases.open(intake_body(**BY_PRIORITY["P1"]))
    cid = case["case_id"]
    await env.sleep(timedelta(minutes=12))  # past the 75 % warning of the 15-minute target
    await rows_become(sessions, cid, 1)
    assert (await ts_cases.get(cid))["sla"]["escalation_level"] == 1
    case = await ts_cases.assign(cid)
    assert case["sla"]["targets"]["assigned"]["status"] == "met"
    assert case["sla"]["escalation_level"] == 0
    await env.sleep(timedelta(minutes=30))  # past where breach and raise would have been
    assert await ladder_rows(sessions, cid) == [("warn", "assigned", 1)]
    assert (await search_attributes(env, cid))["EscalationLevel"] == 0


async def test_business_hours_skip_nights_sundays_and_holidays(time_skipping_env, engine, ts_settings, sessions):
    env = time_skipping_env
    monday = await next_monday_9am(env)
    tuesday = monday.date() + timedelta(days=1)
    settings = own_queue(ts_settings, sla_holidays=[tuesday])
    async with system(env.client, settings, engine) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
        cases = Cases(http)
        await skip_to(env, monday.replace(hour=17))
        case = await cases.open(intake_body())  # P3: 4 open hours to assign
        cid = case["case_id"]
        target = case["sla"]["targets"]["assigned"]
        # Monday 17-18 counts one hour; Tuesday is a holiday; Wednesday opens at 09:00
        wednesday = monday + timedelta(days=2)
        assert all(
            near(target[f], wednesday.replace(hour=h))
            for f, h in (("warn_at", 11), ("deadline", 12), ("escalate_at", 14))
        )
        await skip_to(env, wednesday.replace(hour=10, minute=59))
        assert await ladder_rows(sessions, cid) == []
        await skip_to(env, wednesday.replace(hour=11, second=1))
        assert await rows_become(sessions, cid, 1) == [("warn", "assigned", 1)]

        # Saturday is open, Sunday is not: 4 hours from Saturday 16:00 end Monday 11:00
        saturday = monday + timedelta(days=5)
        await skip_to(env, saturday.replace(hour=16))
        other = await cases.open(intake_body())
        assert near(other["sla"]["targets"]["assigned"]["deadline"], (monday + timedelta(days=7)).replace(hour=11))
        # the test server holds its clock at a timer whose task queue nobody polls: end them
        for case_id in cases.opened:
            await cases.act(case_id, "cancel", {"reason": "end of test"}, SUPERVISOR)


async def test_waiting_on_the_customer_pauses_the_resolution_clock(ts_cases, time_skipping_env, sessions):
    env = time_skipping_env
    case = await ts_cases.open(intake_body(**BY_PRIORITY["P1"]))  # resolved within 24 h
    cid = case["case_id"]
    await ts_cases.assign(cid)
    case = await ts_cases.diagnose(cid, [("FRG-COMPRESSOR", 1)])
    before = datetime.fromisoformat(case["sla"]["targets"]["resolved"]["deadline"])
    assert case["stage"] == "QUOTE_APPROVAL" and case["sla"]["targets"]["resolved"]["paused"] is True
    assert case["sla"]["next_deadline"] is None  # nothing else runs: the other targets are met

    await env.sleep(timedelta(hours=30))  # the customer takes longer than the whole target
    assert await ladder_rows(sessions, cid) == []
    case = await ts_cases.decide(cid, True)
    resolved = case["sla"]["targets"]["resolved"]
    assert resolved["paused"] is False and resolved["status"] == "pending"
    assert 30 * 3600 <= resolved["paused_seconds"] < 30 * 3600 + 60
    moved = datetime.fromisoformat(resolved["deadline"]) - before
    assert timedelta(hours=30) <= moved < timedelta(hours=30, minutes=1)
    assert case["sla"]["next_deadline"] == resolved["deadline"]

    await skip_to(env, datetime.fromisoformat(resolved["warn_at"]) + timedelta(seconds=1))
    assert await rows_become(sessions, cid, 1) == [("warn", "resolved", 1)]

    async def told():
        return await staff_messages(sessions, cid) == [("sla_warn", "assignee")]  # T-001 now has it

    assert await eventually(told)
    await ts_cases.repair(cid)
    case = await ts_cases.qc(cid, True)  # handed back: waiting on the customer again
    assert case["sla"]["targets"]["resolved"]["paused"] is True
    await env.sleep(timedelta(hours=2))
    case = await ts_cases.handover(cid)
    resolved = case["sla"]["targets"]["resolved"]
    # met while waiting: the clock stops paused no more, its wait counted
    assert (resolved["status"], resolved["paused"]) == ("met", False)
    assert 32 * 3600 <= resolved["paused_seconds"] < 32 * 3600 + 120
    types = [e["type"] for e in await ts_cases.timeline(cid)]
    assert types.count("sla_paused") == 2 and types.count("sla_resumed") == 1


async def test_a_pause_on_business_hours_gives_back_only_open_hours(ts_cases, time_skipping_env, sessions):
    env = time_skipping_env
    monday = await next_monday_9am(env)
    await skip_to(env, monday - timedelta(hours=13))  # Sunday evening: the clocks start Monday 09:00
    case = await ts_cases.open(intake_body())  # P3: resolved within 48 open hours
    cid = case["case_id"]
    # Monday to Friday are 45 open hours, Saturday 09:00-12:00 the last 3
    saturday = monday + timedelta(days=5)
    assert near(case["sla"]["targets"]["resolved"]["deadline"], saturday.replace(hour=12))
    await skip_to(env, monday.replace(hour=10))
    await ts_cases.assign(cid)
    await ts_cases.diagnose(cid, [("WSH-DRAIN-PUMP", 1)])
    await skip_to(env, monday.replace(hour=10) + timedelta(days=1))  # a day later: 9 open hours
    case = await ts_cases.decide(cid, True)
    resolved = case["sla"]["targets"]["resolved"]
    assert abs(resolved["paused_seconds"] - 24 * 3600) < 60
    # Saturday 12:00 plus 9 open hours: Saturday's last 6, then Monday 09:00-12:00
    assert near(resolved["deadline"], (monday + timedelta(days=7)).replace(hour=12))
    assert await ladder_rows(sessions, cid) == []


async def test_an_extension_moves_the_deadline_and_rearms_the_ladder(ts_cases, time_skipping_env, sessions):
    env = time_skipping_env
    case = await ts_cases.open(intake_body(**BY_PRIORITY["P1"]))
    cid = case["case_id"]
    await env.sleep(timedelta(minutes=23))  # the whole ladder of the 15-minute target
    assert [r for r, _, _ in await rows_become(sessions, cid, 3)] == ["warn", "breach", "raise"]
    assert (await search_attributes(env, cid))["SlaBreached"] is True

    body = {"target": "assigned", "minutes": 30, "reason": "customer asked for an afternoon visit"}
    case = await ts_cases.act(cid, "sla/extension", body, SUPERVISOR)
    target = case["sla"]["targets"]["assigned"]
    created = datetime.fromisoformat(case["created_at"])
    assert near(target["deadline"], created + timedelta(minutes=45))
    assert (target["status"], target["level"], target["extended_seconds"]) == ("pending", 0, 1800)
    assert case["sla"]["breached"] is False and case["sla"]["escalation_level"] == 0
    attributes = await search_attributes(env, cid)
    assert (attributes["SlaBreached"], attributes["EscalationLevel"]) == (False, 0)
    assert datetime.fromisoformat(attributes["SlaDeadline"]) == datetime.fromisoformat(target["deadline"])

    await skip_to(env, created + timedelta(minutes=46))
    rows = await rows_become(sessions, cid, 5)
    assert [r for r, _, _ in rows] == ["warn", "breach", "raise", "warn", "breach"]
    extended = [e for e in await ts_cases.timeline(cid) if e["type"] == "sla_extended"]
    assert [(e["actor"], e["data"]["minutes"], e["data"]["reason"]) for e in extended] == [
        ("supervisor:dev-supervisor", 30, body["reason"])
    ]

    await ts_cases.assign(cid)
    error = await ts_cases.act(cid, "sla/extension", body, SUPERVISOR, status=422)
    assert error["error"]["fields"][0]["field"] == "target"


async def test_a_worker_killed_across_a_deadline_escalates_once_when_back(settings, sessions):
    """On the dev server with a scaled clock (the time-skipping server will not move past a
    timer while no worker polls): P1's 15 minutes to assign become 3.6 seconds."""
    scaled = own_queue(settings)
    # only the target to assign is short; the others fall due long after the test
    extra = {
        "REPAIRFLOW_TIME_SCALE": "0.004",
        "REPAIRFLOW_SLA_MINUTES": '{"P1": {"diagnosis_started": 6000, "resolved": 60000}}',
    }
    async with serving(create_app(scaled)) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
        cases = Cases(http)
        first = start_worker(scaled, **extra)
        try:
            case = await cases.open(intake_body(**BY_PRIORITY["P1"]))
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        cid = case["case_id"]
        deadline = datetime.fromisoformat(case["sla"]["targets"]["assigned"]["escalate_at"])
        # nobody polls while the 75, 100 and 150 % rungs fall due
        await asyncio.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 1)
        assert await ladder_rows(sessions, cid) == []
        told = [(f"sla_{rung}", AUDIENCE[rung]) for rung in RUNGS]

        async def all_told():
            return await staff_messages(sessions, cid) == told

        for attempt in ("back", "killed again and back"):  # the second time, nothing repeats
            worker = start_worker(scaled, **extra)
            try:
                rows = await rows_become(sessions, cid, 3)
                assert rows == [("warn", "assigned", 1), ("breach", "assigned", 2), ("raise", "assigned", 3)]
                assert await eventually(all_told), attempt
                await asyncio.sleep(0.5 if attempt == "back" else 2)
            finally:
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
    async with sessions() as session:
        events = list(
            await session.scalars(
                select(TimelineEventRow.type).where(
                    TimelineEventRow.case_id == cid, TimelineEventRow.type.like("sla_%")
                )
            )
        )
        decided = list(await session.scalars(select(EscalationRow.at).where(EscalationRow.case_id == cid)))
    assert sorted(events) == ["sla_breach", "sla_raise", "sla_warn"]
    assert all(at > deadline for at in decided)  # decided by the worker that came back
    assert await staff_messages(sessions, cid) == told
