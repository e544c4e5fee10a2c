"""Complaints through the API, a real worker, PostgreSQL and Temporal: their clocks, the
ladder when nobody calls back (on the time-skipping server), the actions and who may
take them, and idempotent opening."""

import asyncio
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from models.tables import NotificationRow
from tests.integration.cases import AGENT, SUPERVISOR, TECH
from tests.integration.running import eventually
from tests.integration.test_sla_ladder import skip_to
from tests.integration.workflow_histories import COMPLAINT_HISTORIES, keep_history
from worker import WORKFLOW_RUNNER
from workflows import ComplaintWorkflow

PHONE = "13800138000"  # the customer of tests.integration.cases.intake_body


def complaint_body(**changes) -> dict:
    return {
        "customer_phone": PHONE,
        "channel": "phone",
        "severity": "high",
        "description": "The technician came two days late and left a mess",
    } | changes


async def open_complaint(http: httpx.AsyncClient, body: dict | None = None, **headers: str) -> dict:
    response = await http.post("/api/v1/complaints", json=body or complaint_body(), headers=AGENT | headers)
    assert response.status_code == 201, response.text
    return response.json()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
async def customer(cases):
    """A customer with the phone number the complaints give."""
    return await cases.open()


@pytest.fixture
async def ts_http(ts_api_url):
    async with httpx.AsyncClient(base_url=ts_api_url, timeout=60) as client:
        yield client


async def test_a_phone_complaint_is_called_back_within_15_minutes_and_resolved_within_48_hours(http, customer):
    complaint = await open_complaint(http)
    opened = at(complaint["created_at"])
    assert complaint["complaint_id"].startswith("CP-") and complaint["status"] == "open"
    assert at(complaint["clocks"]["callback"]["due_at"]) - opened == timedelta(minutes=15)
    assert at(complaint["clocks"]["resolve"]["due_at"]) - opened == timedelta(hours=48)
    assert [e["type"] for e in complaint["timeline"]] == ["opened"]
    assert complaint["customer_id"] is not None and complaint["escalation_level"] == 0
    # a web complaint gets the default of the others: a working day
    web = await open_complaint(http, complaint_body(channel="web"))
    assert at(web["clocks"]["callback"]["due_at"]) - at(web["created_at"]) == timedelta(hours=8)


async def test_a_complaint_about_a_case_takes_its_customer(http, customer):
    body = complaint_body(case_id=customer["case_id"])
    del body["customer_phone"]
    complaint = await open_complaint(http, body)
    assert complaint["case_id"] == customer["case_id"] and complaint["customer_id"] is not None
    listed = (await http.get("/api/v1/complaints", params={"case_id": customer["case_id"]}, headers=AGENT)).json()
    assert [c["complaint_id"] for c in listed["items"]] == [complaint["complaint_id"]]


async def test_a_complaint_about_nothing_or_nobody_is_refused(http, customer):
    body = complaint_body()
    del body["customer_phone"]
    response = await http.post("/api/v1/complaints", json=body, headers=AGENT)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["case_id"]
    response = await http.post("/api/v1/complaints", json=complaint_body(case_id="RC-20000101-ABCDEF"), headers=AGENT)
    assert response.status_code == 404
    response = await http.post("/api/v1/complaints", json=complaint_body(customer_phone="19999999999"), headers=AGENT)
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "customer_phone"
    response = await http.post("/api/v1/complaints", json=complaint_body(description="x" * 2001), headers=AGENT)
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "description"


async def test_technicians_are_not_told_of_complaints(http, customer):
    complaint = await open_complaint(http)
    cid = complaint["complaint_id"]
    assert (await http.post("/api/v1/complaints", json=complaint_body(), headers=TECH)).status_code == 403
    assert (await http.get("/api/v1/complaints", headers=TECH)).status_code == 403
    assert (await http.get(f"/api/v1/complaints/{cid}", headers=TECH)).status_code == 403
    assert (await http.get("/api/v1/follow-ups", headers=TECH)).status_code == 403


async def test_opening_with_an_idempotency_key_opens_once(http, customer):
    key = {"Idempotency-Key": f"complaint-{uuid.uuid4()}"}
    first = await open_complaint(http, **key)
    again = await http.post("/api/v1/complaints", json=complaint_body(), headers=AGENT | key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["complaint_id"] == first["complaint_id"]
    other = await http.post("/api/v1/complaints", json=complaint_body(severity="low"), headers=AGENT | key)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"


async def test_a_callback_in_time_meets_the_callback_clock(http, customer):
    cid = (await open_complaint(http))["complaint_id"]
    response = await http.post(f"/api/v1/complaints/{cid}/callback", json={"note": "apologised"}, headers=AGENT)
    assert response.status_code == 200, response.text
    complaint = response.json()
    assert complaint["clocks"]["callback"]["met_at"] is not None and not complaint["overdue"]
    (called,) = [e for e in complaint["timeline"] if e["type"] == "called_back"]
    assert called["detail"] == {"note": "apologised", "in_time": True}


@pytest.mark.parametrize("outcome", ["resolved", "rejected", "compensated"])
async def test_closing_with_each_outcome_stops_the_clocks_and_answers_409_after(http, customer, outcome):
    cid = (await open_complaint(http))["complaint_id"]
    body = {"outcome": outcome, "reason": "talked it through"}
    if outcome == "compensated":
        body["compensation"] = {"type": "voucher", "amount": "100.00"}
    response = await http.post(f"/api/v1/complaints/{cid}/close", json=body, headers=AGENT)
    assert response.status_code == 200, response.text
    complaint = response.json()
    assert complaint["status"] == outcome and complaint["closed_at"] and complaint["outcome_reason"]
    assert complaint["clocks"]["resolve"]["met_at"] == complaint["closed_at"]
    assert (complaint["compensation_type"], complaint["compensation_amount"]) == (
        ("voucher", "100.00") if outcome == "compensated" else (None, None)
    )
    for path, again in (("close", body), ("callback", {"note": "late"})):
        response = await http.post(f"/api/v1/complaints/{cid}/{path}", json=again, headers=AGENT)
        assert response.status_code == 409, response.text
        assert response.json()["error"] | {"message": ""} == {"code": "closed", "message": "", "state": outcome}


async def test_compensation_above_the_threshold_is_a_supervisors(http, customer):
    cid = (await open_complaint(http))["complaint_id"]
    body = {"outcome": "compensated", "reason": "refund", "compensation": {"type": "refund", "amount": "800.00"}}
    assert (await http.post(f"/api/v1/complaints/{cid}/close", json=body, headers=AGENT)).status_code == 403
    response = await http.post(f"/api/v1/complaints/{cid}/close", json=body, headers=SUPERVISOR)
    assert response.status_code == 200 and response.json()["compensation_amount"] == "800.00"
    without = {"outcome": "compensated", "reason": "refund"}
    response = await http.post(f"/api/v1/complaints/{cid}/close", json=without, headers=AGENT)
    assert response.status_code == 422


async def test_a_supervisor_gives_the_complaint_an_owner(http, customer):
    staff = f"S-{uuid.uuid4().hex[:8]}"
    contact = {"role": "supervisor", "name": "Lin Na", "locale": "en"}
    assert (await http.put(f"/api/v1/staff/{staff}", json=contact, headers=SUPERVISOR)).status_code == 200
    cid = (await open_complaint(http))["complaint_id"]
    assert (await http.put(f"/api/v1/complaints/{cid}/owner", json={"owner": staff}, headers=AGENT)).status_code == 403
    unknown = await http.put(f"/api/v1/complaints/{cid}/owner", json={"owner": "S-NOBODY-X"}, headers=SUPERVISOR)
    assert unknown.status_code == 422
    response = await http.put(f"/api/v1/complaints/{cid}/owner", json={"owner": staff}, headers=SUPERVISOR)
    assert response.status_code == 200 and response.json()["owner"] == staff
    missing = await http.put("/api/v1/complaints/CP-20000101-ABCDEF/owner", json={"owner": staff}, headers=SUPERVISOR)
    assert missing.status_code == 404


async def test_complaints_are_listed_newest_first_by_pages_and_filters(http, customer):
    ids = [(await open_complaint(http))["complaint_id"] for _ in range(3)]
    response = await http.get("/api/v1/complaints", params={"limit": 2, "status": "open"}, headers=AGENT)
    page = response.json()
    assert [c["complaint_id"] for c in page["items"]] == ids[:0:-1] and page["next_cursor"]
    response = await http.get("/api/v1/complaints", params={"limit": 1, "cursor": page["next_cursor"]}, headers=AGENT)
    assert [c["complaint_id"] for c in response.json()["items"]] == [ids[0]]
    late = (await http.get("/api/v1/complaints", params={"overdue": "true", "limit": 100}, headers=AGENT)).json()
    assert not set(ids) & {c["complaint_id"] for c in late["items"]}
    assert (await http.get("/api/v1/complaints/CP-20000101-ABCDEF", headers=AGENT)).status_code == 404


async def test_the_backlog_is_in_the_metrics(http, customer):
    await open_complaint(http, complaint_body(severity="critical"))
    text = (await http.get("/metrics")).text
    line = next(x for x in text.splitlines() if x.startswith('repairflow_complaints_open{severity="critical"}'))
    assert float(line.split()[-1]) >= 1
    assert 'repairflow_follow_ups_open{overdue="false"}' in text


# the ladder, on the time-skipping server


async def rung_events(http: httpx.AsyncClient, cid: str, count: int) -> list[str]:
    async def check():
        complaint = (await http.get(f"/api/v1/complaints/{cid}", headers=AGENT)).json()
        rungs = [e["type"] + "-" + e["detail"]["clock"] for e in complaint["timeline"] if e["type"].startswith("sla_")]
        return rungs if len(rungs) >= count else None

    return await eventually(check) or []


async def test_nobody_calls_back_and_the_ladder_climbs_once_each_rung(ts_http, time_skipping_env, sessions, customer):
    cid = (await open_complaint(ts_http))["complaint_id"]
    complaint = (await ts_http.get(f"/api/v1/complaints/{cid}", headers=AGENT)).json()
    opened = at(complaint["created_at"])
    await skip_to(time_skipping_env, opened + timedelta(minutes=15 * 1.5, seconds=5))
    rungs = await rung_events(ts_http, cid, 3)
    assert rungs == ["sla_warn-callback", "sla_breach-callback", "sla_raise-callback"]
    complaint = (await ts_http.get(f"/api/v1/complaints/{cid}", headers=AGENT)).json()
    # (overdue is the API's own wall clock, which the time-skipping server runs ahead of)
    assert complaint["escalation_level"] == 3
    async with sessions() as session:
        told = (
            await session.execute(
                select(NotificationRow.template, NotificationRow.audience, NotificationRow.case_id)
                .where(NotificationRow.complaint_id == cid)
                .order_by(NotificationRow.id)
            )
        ).all()
    audiences = [a for _, a, _ in told]
    assert {t for t, _, _ in told} == {"complaint_escalated"} and all(c is None for _, _, c in told)
    assert audiences.count("manager") >= 1 and audiences[-1] == "manager" and "supervisor" in audiences
    # closed: the resolution clock stops, no rung of it ever comes
    body = {"outcome": "resolved", "reason": "called back at last"}
    assert (await ts_http.post(f"/api/v1/complaints/{cid}/close", json=body, headers=AGENT)).status_code == 200
    await skip_to(time_skipping_env, opened + timedelta(hours=80))
    complaint = (await ts_http.get(f"/api/v1/complaints/{cid}", headers=AGENT)).json()
    assert [e["type"] for e in complaint["timeline"]].count("sla_warn") == 1
    await keep_history(time_skipping_env.client, f"complaint-{cid}", "nobody_calls_back", COMPLAINT_HISTORIES)


async def test_a_callback_in_time_means_no_breach(ts_http, time_skipping_env, customer):
    cid = (await open_complaint(ts_http))["complaint_id"]
    complaint = (await ts_http.get(f"/api/v1/complaints/{cid}", headers=AGENT)).json()
    opened = at(complaint["created_at"])
    await skip_to(time_skipping_env, opened + timedelta(minutes=12))  # the warning, not the breach
    await rung_events(ts_http, cid, 1)
    response = await ts_http.post(f"/api/v1/complaints/{cid}/callback", json={"note": "sorted"}, headers=AGENT)
    assert response.status_code == 200
    await skip_to(time_skipping_env, opened + timedelta(hours=1))
    complaint = (await ts_http.get(f"/api/v1/complaints/{cid}", headers=AGENT)).json()
    rungs = [e["type"] for e in complaint["timeline"] if e["type"].startswith("sla_")]
    assert rungs == ["sla_warn"] and complaint["escalation_level"] == 1


async def test_past_its_last_rung_a_complaint_waits_open_to_be_closed(ts_http, time_skipping_env, customer):
    cid = (await open_complaint(ts_http))["complaint_id"]
    complaint = (await ts_http.get(f"/api/v1/complaints/{cid}", headers=AGENT)).json()
    opened = at(complaint["created_at"])
    response = await ts_http.post(f"/api/v1/complaints/{cid}/callback", json={"note": "looking"}, headers=AGENT)
    assert response.status_code == 200
    # 48 h to resolve: warned at 36 h, breached at 48 h, raised at 72 h
    await skip_to(time_skipping_env, opened + timedelta(hours=73))
    rungs = await rung_events(ts_http, cid, 3)
    assert rungs == ["sla_warn-resolve", "sla_breach-resolve", "sla_raise-resolve"]
    body = {"outcome": "rejected", "reason": "the fault was the customer's own"}
    closed = await ts_http.post(f"/api/v1/complaints/{cid}/close", json=body, headers=AGENT)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "rejected"
    await time_skipping_env.client.get_workflow_handle(f"complaint-{cid}").result()
    await keep_history(time_skipping_env.client, f"complaint-{cid}", "closed_past_its_last_rung", COMPLAINT_HISTORIES)


@pytest.mark.parametrize(
    "path", sorted(COMPLAINT_HISTORIES.glob("*/*.json")), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
async def test_a_committed_complaint_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    replayer = Replayer(
        workflows=[ComplaintWorkflow], data_converter=pydantic_data_converter, workflow_runner=WORKFLOW_RUNNER
    )
    await replayer.replay_workflow(history)


def test_the_ladder_paths_of_the_complaint_workflow_have_a_committed_history():
    recorded = {p.stem for p in COMPLAINT_HISTORIES.glob("*/*.json")}
    assert recorded >= {"nobody_calls_back", "closed_past_its_last_rung"}
