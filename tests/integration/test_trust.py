"""Who sees what, and actions that count once: a technician sees only their own cases (any
other is a 404, never a hint it exists), the workflow itself refuses a technician who does
not hold the case, and an action sent again with its Idempotency-Key changes nothing twice."""

import asyncio
import uuid

import pytest
from sqlalchemy import func, select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from models.domain import Actor, Diagnosis, Role
from models.tables import CaseRow, DeviceRow
from tests.integration.cases import AGENT, SUPERVISOR, TECH, Cases, intake_body
from workflows import RepairCaseWorkflow

PUMP = "WSH-DRAIN-PUMP"
DIAGNOSIS = {"fault_cause": "Drain pump blocked", "parts": [{"part_number": PUMP, "quantity": 1}], "labor_hours": "1"}


def keyed(headers: dict) -> dict:
    return {**headers, "Idempotency-Key": f"k-{uuid.uuid4()}"}


# ---- who sees what ----------------------------------------------------------------------


async def test_a_technician_sees_only_the_cases_assigned_to_them(cases: Cases):
    mine = (await cases.open())["case_id"]
    await cases.assign(mine, "T-001")
    theirs = (await cases.open(intake_body(category="laptop")))["case_id"]
    await cases.assign(theirs, "T-002")
    unassigned = (await cases.open())["case_id"]

    for cid in (theirs, unassigned):
        for path in (f"/api/v1/cases/{cid}", f"/api/v1/cases/{cid}/timeline"):
            response = await cases.http.get(path, headers=TECH)
            assert response.status_code == 404, path
            assert response.json()["error"] == {"code": "not_found", "message": f"case {cid} not found"}
    assert (await cases.http.get(f"/api/v1/cases/{mine}", headers=TECH)).json()["case_id"] == mine
    assert (await cases.http.get(f"/api/v1/cases/{mine}/timeline", headers=TECH)).status_code == 200

    listed = await cases.http.get("/api/v1/cases", params={"limit": 100, "status": "open"}, headers=TECH)
    ids = {c["case_id"] for c in listed.json()["items"]}
    assert mine in ids and not ids & {theirs, unassigned}
    assert {c["technician_id"] for c in listed.json()["items"]} == {"T-001"}
    # asking for another technician's list gives an empty one, not theirs
    other = await cases.http.get("/api/v1/cases", params={"technician_id": "T-002"}, headers=TECH)
    assert other.json() == {"items": [], "next_cursor": None}
    # agents and supervisors keep the whole picture
    for headers in (AGENT, SUPERVISOR):
        assert (await cases.http.get(f"/api/v1/cases/{theirs}", headers=headers)).status_code == 200


async def test_a_case_reassigned_away_disappears_for_the_technician(cases: Cases):
    cid = (await cases.open())["case_id"]
    await cases.assign(cid, "T-001")
    await cases.act(cid, "reassignment", {"technician_id": "T-003", "reason": "off sick"}, SUPERVISOR)
    assert (await cases.http.get(f"/api/v1/cases/{cid}", headers=TECH)).status_code == 404
    error = await cases.act(cid, "diagnosis", DIAGNOSIS, TECH, status=404)
    assert error["error"]["code"] == "not_found"


async def test_the_workflow_refuses_a_technician_who_does_not_hold_the_case(cases: Cases, temporal_client):
    """The API's check can lose a race with a reassignment; the workflow's cannot."""
    cid = (await cases.open())["case_id"]
    await cases.assign(cid, "T-002")
    handle = temporal_client.get_workflow_handle(cid)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            RepairCaseWorkflow.record_diagnosis,
            args=[Actor(role=Role.TECHNICIAN, id="T-001"), Diagnosis.model_validate(DIAGNOSIS)],
        )
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "NotAssigned"
    case = await cases.get(cid)
    assert (case["stage"], case["diagnosis"]) == ("DIAGNOSIS", None)


# ---- idempotent actions -----------------------------------------------------------------


async def test_an_action_sent_again_with_its_key_is_answered_and_recorded_once(cases: Cases):
    cid = (await cases.open())["case_id"]
    assign = keyed(AGENT)
    first = await cases.act(cid, "assignment", {"technician_id": "T-001"}, assign)
    # the case moved on, yet the retry is answered rather than refused for its stage
    again = await cases.act(cid, "assignment", {"technician_id": "T-001"}, assign)
    assert first["stage"] == again["stage"] == "DIAGNOSIS"
    diagnose = keyed(TECH)
    await cases.act(cid, "diagnosis", DIAGNOSIS, diagnose)
    await cases.act(cid, "diagnosis", DIAGNOSIS, diagnose)
    case = await cases.get(cid)
    assert case["quote"]["version"] == 1  # one diagnosis, one quote
    types = [e["type"] for e in await cases.timeline(cid)]
    assert types.count("technician_assigned") == 1 and types.count("diagnosed") == 1


async def test_simultaneous_retries_of_one_action_record_it_once(cases: Cases):
    cid = (await cases.open())["case_id"]
    await cases.assign(cid)
    headers = keyed(TECH)
    answers = await asyncio.gather(*(cases.act(cid, "diagnosis", DIAGNOSIS, headers) for _ in range(4)))
    assert {a["stage"] for a in answers} == {"QUOTE_APPROVAL"}
    assert [e["type"] for e in await cases.timeline(cid)].count("diagnosed") == 1


async def test_the_same_key_with_another_body_is_refused(cases: Cases):
    cid = (await cases.to_quote())["case_id"]
    headers = keyed(AGENT)
    await cases.act(cid, "quote/decision", {"approved": True, "quote_version": 1}, headers)
    error = await cases.act(cid, "quote/decision", {"approved": False, "quote_version": 1}, headers, status=422)
    assert error["error"]["code"] == "idempotency_key_reused"
    # and on another action too
    error = await cases.act(cid, "cancel", {"reason": "changed my mind"}, headers, status=422)
    assert error["error"]["code"] == "idempotency_key_reused"
    assert (await cases.get(cid))["stage"] == "REPAIR"


async def test_a_quote_decision_names_its_quote_version(cases: Cases):
    cid = (await cases.to_quote())["case_id"]
    error = await cases.act(cid, "quote/decision", {"approved": True}, status=422)
    assert [f["field"] for f in error["error"]["fields"]] == ["quote_version"]
    assert (await cases.get(cid))["stage"] == "QUOTE_APPROVAL"


# ---- idempotent intake ------------------------------------------------------------------


async def test_an_intake_key_is_the_callers_own_and_bound_to_its_body(cases: Cases):
    key = f"intake-{uuid.uuid4()}"
    body = intake_body()
    first = await cases.http.post("/api/v1/cases", json=body, headers={**AGENT, "Idempotency-Key": key})
    assert first.status_code == 201, first.text
    # another caller's same key is another request altogether
    other_body = intake_body()
    other = await cases.http.post("/api/v1/cases", json=other_body, headers={**SUPERVISOR, "Idempotency-Key": key})
    assert other.status_code == 201, other.text
    assert other.json()["case_id"] != first.json()["case_id"]
    # the first caller's key with a different body is refused, and opens nothing
    changed = {**body, "fault": {"description": "something else", "safety_hazard": False}}
    refused = await cases.http.post("/api/v1/cases", json=changed, headers={**AGENT, "Idempotency-Key": key})
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "idempotency_key_reused")
    again = await cases.http.post("/api/v1/cases", json=body, headers={**AGENT, "Idempotency-Key": key})
    assert (again.status_code, again.json()["case_id"]) == (200, first.json()["case_id"])


async def test_two_intakes_at_once_with_one_key_open_one_case(cases: Cases, sessions):
    headers = {**AGENT, "Idempotency-Key": f"race-{uuid.uuid4()}"}
    body = intake_body()
    answers = await asyncio.gather(*(cases.http.post("/api/v1/cases", json=body, headers=headers) for _ in range(3)))
    # the ones that joined the first while it ran get its answer, 201 and all
    assert {a.status_code for a in answers} <= {200, 201}, [a.text for a in answers]
    assert len({a.json()["case_id"] for a in answers}) == 1
    async with sessions() as session:
        opened = await session.scalar(
            select(func.count())
            .select_from(CaseRow)
            .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
            .where(DeviceRow.serial_number == body["product"]["serial_number"])
        )
    assert opened == 1


async def test_two_intakes_at_once_for_one_serial_open_one_case(cases: Cases):
    body = intake_body()
    answers = await asyncio.gather(*(cases.http.post("/api/v1/cases", json=body, headers=AGENT) for _ in range(3)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409], [a.text for a in answers]
    opened = next(a.json()["case_id"] for a in answers if a.status_code == 201)
    assert {a.json()["error"]["case_id"] for a in answers if a.status_code == 409} == {opened}
