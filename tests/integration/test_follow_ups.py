"""Follow-ups of unhappy customers: a reached callback with a low score opens exactly one,
with its owner and deadline, in the transaction of the callback; it is closed once."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from activities.follow_ups import follow_up_owner
from models.tables import CallbackRow, FollowUpRow
from tests.integration.cases import AGENT, SUPERVISOR, TECH


async def to_callback(cases) -> str:
    case = await cases.to_quote()
    cid = case["case_id"]
    await cases.decide(cid, True)
    await cases.repair(cid)
    await cases.qc(cid, True)
    await cases.handover(cid)
    return cid


async def test_a_low_callback_score_opens_one_follow_up_with_owner_and_deadline(cases, http, sessions, settings):
    supervisor = f"S-{uuid.uuid4().hex[:8]}"
    contact = {"role": "supervisor", "name": "Lin Na", "locale": "en"}
    assert (await http.put(f"/api/v1/staff/{supervisor}", json=contact, headers=SUPERVISOR)).status_code == 200
    cid = await to_callback(cases)
    case = await cases.callback(cid, csat=2, nps=8)
    assert case["stage"] == "CLOSED"
    async with sessions() as session:
        expected_owner = await follow_up_owner(session, settings)
        rows = list(await session.scalars(select(FollowUpRow).where(FollowUpRow.case_id == cid)))
        called = await session.scalar(select(CallbackRow.at).where(CallbackRow.case_id == cid))
    assert expected_owner is not None
    (row,) = rows
    assert (row.status, row.owner, row.csat, row.nps) == ("open", expected_owner, 2, 8)
    assert row.created_at == called and row.deadline - called == timedelta(hours=24)
    assert row.reason == "low callback score: CSAT 2/5"

    listed = (await http.get("/api/v1/follow-ups", params={"status": "open", "limit": 100}, headers=AGENT)).json()
    assert row.id in [f["id"] for f in listed["items"]]
    mine = (await http.get("/api/v1/follow-ups", params={"owner": expected_owner, "limit": 100}, headers=AGENT)).json()
    assert all(f["owner"] == expected_owner for f in mine["items"]) and row.id in [f["id"] for f in mine["items"]]
    late = (await http.get("/api/v1/follow-ups", params={"overdue": "true", "limit": 100}, headers=AGENT)).json()
    assert row.id not in [f["id"] for f in late["items"]]
    view = (await http.get(f"/api/v1/follow-ups/{row.id}", headers=AGENT)).json()
    assert view["case_id"] == cid and view["overdue"] is False

    moved = await http.put(f"/api/v1/follow-ups/{row.id}/owner", json={"owner": supervisor}, headers=SUPERVISOR)
    assert moved.status_code == 200 and moved.json()["owner"] == supervisor
    assert (
        await http.put(f"/api/v1/follow-ups/{row.id}/owner", json={"owner": supervisor}, headers=AGENT)
    ).status_code == 403
    closing = {"outcome": "compensated", "note": "voucher sent"}
    response = await http.post(f"/api/v1/follow-ups/{row.id}/close", json=closing, headers=AGENT)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["outcome"]) == ("closed", "compensated")
    again = await http.post(f"/api/v1/follow-ups/{row.id}/close", json=closing, headers=SUPERVISOR)
    assert again.status_code == 409 and again.json()["error"]["state"] == "closed"
    async with sessions() as session:
        assert await session.scalar(select(func.count()).where(FollowUpRow.case_id == cid)) == 1


async def test_a_happy_customer_gets_no_follow_up(cases, sessions):
    cid = await to_callback(cases)
    await cases.callback(cid, csat=5, nps=9)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).where(FollowUpRow.case_id == cid)) == 0


async def test_follow_ups_are_for_agents_and_supervisors(http):
    assert (await http.get("/api/v1/follow-ups", headers=TECH)).status_code == 403
    assert (await http.get("/api/v1/follow-ups/2147483647", headers=AGENT)).status_code == 404
    closing = {"outcome": "no_action", "note": "n/a"}
    assert (await http.post("/api/v1/follow-ups/2147483647/close", json=closing, headers=AGENT)).status_code == 404
    wrong = await http.post("/api/v1/follow-ups/1/close", json={"outcome": "maybe", "note": "n"}, headers=AGENT)
    assert wrong.status_code == 422 and wrong.json()["error"]["fields"][0]["field"] == "outcome"
