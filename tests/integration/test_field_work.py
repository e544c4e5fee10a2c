"""The case in the field, over HTTP on the real servers: automatic dispatch by region, skill
and load; a triage override the SLA clocks follow; the visit booked, arrived at or missed;
spare parts reserved, waited for and received."""

import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from models.tables import NotificationRow, SlaTargetRow, TechnicianRow
from tests.integration.cases import AGENT, SUPERVISOR, TECH, Cases, intake_body
from tests.integration.conftest import record_histories
from tests.integration.running import eventually, own_queue, system

PHONES = itertools.count(random.randrange(10**7))
PUMP = "WSH-DRAIN-PUMP"


def body(region: str | None = None, category: str = "washer", **extra) -> dict:
    made = intake_body(category=category, **extra)
    made["customer"]["phone"] = f"137{next(PHONES):08d}"
    if region:
        made["customer"]["region"] = region
    return made


@pytest.fixture(scope="module")
async def quick(temporal_client, settings, engine):
    """The system with automatic dispatch retried and parts looked for within a second."""
    tuned = own_queue(settings, dispatch_retry_minutes=0.01, parts_recheck_minutes=0.02)
    async with system(temporal_client, tuned, engine) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
        yield http


@pytest.fixture
async def cases(quick, temporal_client, request):
    """The driver on the tuned system; with RECORD_HISTORIES, its cases' histories are kept."""
    driver = Cases(quick)
    yield driver
    await record_histories(temporal_client, driver, request.node.name)


async def capacity(sessions, technician_id: str, value: int) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(TechnicianRow).where(TechnicianRow.technician_id == technician_id).values(capacity=value)
        )


async def assigned(cases: Cases, case_id: str, seconds: float = 20) -> dict | None:
    async def check():
        case = await cases.get(case_id)
        return case if case["technician_id"] else None

    return await eventually(check, seconds)


async def test_a_case_with_a_region_is_given_its_technician_with_the_reasons(cases, sessions):
    await capacity(sessions, "T-006", 1000)
    case = await cases.open(body("Hangzhou-Xihu"))
    found = await assigned(cases, case["case_id"])
    assert found and found["technician_id"] == "T-006" and found["stage"] == "DIAGNOSIS"
    (event,) = [e for e in await cases.timeline(case["case_id"]) if e["type"] == "technician_assigned"]
    assert event["actor"] == "system:auto-dispatch"
    assert "T-006 (Zhao Lei) repairs washer in Hangzhou-Xihu" in event["data"]["reasons"][0]
    assert "least" in event["data"]["reasons"][1]


async def test_with_nobody_free_the_desk_is_told_and_it_tries_again(cases, sessions):
    await capacity(sessions, "T-005", 0)
    case = await cases.open(body("Shenzhen-Nanshan", category="phone"))
    cid = case["case_id"]

    async def waiting():
        return [e for e in await cases.timeline(cid) if e["type"] == "dispatch_waiting"]

    (told,) = await eventually(waiting, 20)
    # other tests' open cases count towards T-005's load
    assert "at capacity (T-005 " in told["data"]["reasons"][0] and "/0)" in told["data"]["reasons"][0]

    async def desk():
        async with sessions() as session:
            query = select(NotificationRow.audience).where(
                NotificationRow.case_id == cid, NotificationRow.template == "dispatch_waiting"
            )
            return list(await session.scalars(query))

    assert await eventually(desk, 10) == ["dispatcher"]
    assert (await cases.get(cid))["stage"] == "DISPATCH"
    await capacity(sessions, "T-005", 1000)
    found = await assigned(cases, cid)
    assert found and found["technician_id"] == "T-005"
    # told once, however many tries it took
    assert len(await waiting()) == 1


async def test_without_auto_dispatch_a_case_waits_for_the_desk(temporal_client, settings, engine, sessions):
    manual = own_queue(settings, auto_dispatch=False)
    async with system(temporal_client, manual, engine) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
        cases = Cases(http)
        case = await cases.open(body("Hangzhou-Xihu"))
        assert not await assigned(cases, case["case_id"], seconds=2)
        await cases.assign(case["case_id"], "T-006")


async def test_a_triage_override_is_recorded_and_the_clocks_follow_the_priority(cases, sessions):
    case = await cases.open(body())
    cid = case["case_id"]
    before = (await cases.get(cid))["priority"]
    assert before != "P1"
    async with sessions() as session:
        old = {
            r.target: r.deadline for r in await session.scalars(select(SlaTargetRow).where(SlaTargetRow.case_id == cid))
        }
    changed = await cases.act(cid, "triage", {"priority": "P1", "reason": "the customer's freezer holds insulin"})
    assert changed["priority"] == "P1"
    async with sessions() as session:
        rows = list(await session.scalars(select(SlaTargetRow).where(SlaTargetRow.case_id == cid)))
    assert all(r.policy == "P1" for r in rows)
    assert all(r.deadline < old[r.target] for r in rows)
    (event,) = [e for e in await cases.timeline(cid) if e["type"] == "triage_overridden"]
    assert event["data"]["changes"] == {"priority": {"from": before, "to": "P1"}}
    assert event["data"]["reason"] == "the customer's freezer holds insulin"

    same = await cases.act(cid, "triage", {"priority": "P1", "reason": "again"}, status=422)
    assert same["error"]["fields"][0]["field"] == "priority"
    empty = await cases.act(cid, "triage", {"reason": "nothing"}, status=422)
    assert empty["error"]["code"] == "validation_error"
    await cases.act(cid, "triage", {"priority": "P2", "reason": "x"}, headers=TECH, status=404)
    remote = await cases.act(cid, "triage", {"service_mode": "remote", "reason": "guide by phone"})
    assert remote["stage"] == "REMOTE_GUIDANCE" and remote["service_mode"] == "remote"
    await cases.act(cid, "remote-resolution", {"resolved": False})
    await cases.assign(cid)
    late = await cases.act(cid, "triage", {"service_mode": "carry_in", "reason": "x"}, status=422)
    assert late["error"]["fields"][0]["field"] == "service_mode"


async def test_a_visit_is_booked_arrived_at_and_meets_the_diagnosis_clock(cases, sessions):
    case = await cases.open(body())
    cid = case["case_id"]
    assert (await cases.get(cid))["service_mode"] == "on_site"
    start = datetime.now(UTC) + timedelta(hours=1)
    window = {"visit_from": start.isoformat(), "visit_by": (start + timedelta(hours=2)).isoformat()}
    await cases.act(cid, "appointment", window, status=409)  # not assigned yet
    await cases.assign(cid)
    backwards = {"visit_from": window["visit_by"], "visit_by": window["visit_from"]}
    assert (await cases.act(cid, "appointment", backwards, status=422))["error"]["code"] == "validation_error"
    booked = await cases.act(cid, "appointment", window | {"note": "ring twice"}, headers=TECH)
    assert booked["stage"] == "DIAGNOSIS"
    await cases.act(cid, "arrival", {}, headers=AGENT, status=403)
    await cases.act(cid, "arrival", {"note": "on site"}, headers=TECH)
    await cases.act(cid, "arrival", {}, headers=TECH, status=422)
    async with sessions() as session:
        clock = await session.scalar(
            select(SlaTargetRow).where(SlaTargetRow.case_id == cid, SlaTargetRow.target == "diagnosis_started")
        )
        told = list(
            await session.scalars(
                select(NotificationRow.template).where(
                    NotificationRow.case_id == cid, NotificationRow.audience == "customer"
                )
            )
        )
    assert clock is not None and clock.met_at is not None
    assert "visit_booked" in told
    types = [e["type"] for e in await cases.timeline(cid)]
    assert types.index("appointment_set") < types.index("arrived")


async def test_a_missed_visit_window_is_escalated(cases):
    case = await cases.open(body())
    cid = case["case_id"]
    await cases.assign(cid)
    now = datetime.now(UTC)
    window = {
        "visit_from": (now - timedelta(minutes=30)).isoformat(),
        "visit_by": (now + timedelta(seconds=3)).isoformat(),
    }
    await cases.act(cid, "appointment", window)

    async def missed():
        return [e for e in await cases.timeline(cid) if e["type"] == "visit_missed"]

    (event,) = await eventually(missed, 20)
    assert event["data"]["technician_id"] == "T-001"


async def test_no_visit_for_a_carry_in_case(cases):
    case = await cases.open(body(category="phone"))
    cid = case["case_id"]
    await cases.assign(cid)
    start = datetime.now(UTC) + timedelta(hours=1)
    window = {"visit_from": start.isoformat(), "visit_by": (start + timedelta(hours=1)).isoformat()}
    refused = await cases.act(cid, "appointment", window, status=422)
    assert refused["error"]["fields"][0]["field"] == "service_mode"


async def stock(http: httpx.AsyncClient, part: str) -> dict:
    response = await http.get(f"/api/v1/parts/{part}", headers=AGENT)
    assert response.status_code == 200, response.text
    return response.json()


async def to_approval(cases: Cases, part: str, quantity: int = 1) -> str:
    case = await cases.open(body())
    cid = case["case_id"]
    await cases.assign(cid)
    await cases.diagnose(cid, [(part, quantity)])
    return cid


async def test_a_case_short_of_a_part_waits_and_a_receipt_moves_it_on(quick, cases):
    http = quick
    part = "WSH-MOTOR"
    level = await stock(http, part)
    if level["available"]:
        # take what is there out of reach, so the part is short for this case
        taken = {"quantity": -level["available"], "reason": f"test {uuid.uuid4().hex[:6]}"}
        assert (await http.post(f"/api/v1/parts/{part}/adjustments", json=taken, headers=SUPERVISOR)).status_code == 200
    cid = await to_approval(cases, part)
    waiting = await cases.decide(cid, True)
    assert waiting["stage"] == "WAITING_PARTS"
    await cases.act(cid, "repair", {"parts_used": [], "labor_hours": "1"}, headers=TECH, status=409)
    received = await http.post(f"/api/v1/parts/{part}/receipts", json={"quantity": 1}, headers=SUPERVISOR)
    assert received.status_code == 200, received.text

    async def moved():
        return (await cases.get(cid))["stage"] == "REPAIR"

    assert await eventually(moved, 20)
    held = await stock(http, part)
    assert held["reserved"] >= 1 and held["available"] == held["on_hand"] - held["reserved"]
    before = held
    await cases.repair(cid, [(part, 1)])
    after = await stock(http, part)
    assert (after["on_hand"], after["reserved"]) == (before["on_hand"] - 1, before["reserved"] - 1)
    types = [e["type"] for e in await cases.timeline(cid)]
    assert types.index("quote_approved") < types.index("parts_reserved") < types.index("repaired")


async def test_cancel_and_decline_leave_the_stock_as_it_was(quick, cases):
    http = quick
    part = "WSH-DOOR-SEAL"
    await http.post(f"/api/v1/parts/{part}/receipts", json={"quantity": 5}, headers=SUPERVISOR)
    start = await stock(http, part)
    declined = await to_approval(cases, part, 2)
    await cases.decide(declined, False)
    assert await stock(http, part) == start
    cancelled = await to_approval(cases, part, 2)
    assert (await cases.decide(cancelled, True))["stage"] == "REPAIR"
    held = await stock(http, part)
    assert held["reserved"] == start["reserved"] + 2 and held["on_hand"] == start["on_hand"]
    await cases.act(cancelled, "cancel", {"reason": "customer bought a new one"})
    assert await stock(http, part) == start


async def test_a_part_of_another_category_does_not_fit(cases):
    case = await cases.open(body())
    cid = case["case_id"]
    await cases.assign(cid)
    refused = await cases.act(
        cid,
        "diagnosis",
        {"fault_cause": "x", "parts": [{"part_number": "FRG-COMPRESSOR", "quantity": 1}], "labor_hours": "1"},
        TECH,
        status=422,
    )
    assert refused["error"]["fields"][0]["field"] == "parts.0.part_number"
    assert "fridge" in refused["error"]["fields"][0]["message"]
