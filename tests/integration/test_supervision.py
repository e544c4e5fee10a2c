"""The supervisor's actions over HTTP: reassignment, SLA extension and the at-risk board
(the extension's effect on the ladder is in test_sla_ladder.py); and a stuck worker."""

from datetime import datetime

import httpx

from api.app import create_app
from tests.integration.cases import AGENT, SUPERVISOR, TECH, intake_body
from tests.integration.running import own_queue, serving

REASON = {"reason": "T-001 is off sick"}


async def test_a_supervisor_hands_a_case_to_another_technician(cases):
    case = await cases.open()
    cid = case["case_id"]
    await cases.assign(cid)
    case = await cases.act(cid, "reassignment", {"technician_id": "T-004", **REASON}, SUPERVISOR)
    assert (case["stage"], case["technician_id"]) == ("DIAGNOSIS", "T-004")
    event = (await cases.timeline(cid))[-1]
    assert (event["type"], event["actor"], event["stage"]) == (
        "technician_reassigned",
        "supervisor:dev-supervisor",
        "DIAGNOSIS",
    )
    assert event["data"] == {"technician_id": "T-004", "previous": "T-001", "reason": REASON["reason"]}
    # the case is no longer T-001's to work on
    await cases.act(cid, "diagnosis", {"fault_cause": "x", "labor_hours": "1"}, TECH, status=404)


async def test_reassignment_refusals(cases):
    case = await cases.open()
    cid = case["case_id"]
    error = await cases.act(cid, "reassignment", {"technician_id": "T-002", **REASON}, SUPERVISOR, status=409)
    assert (error["error"]["code"], error["error"]["stage"]) == ("invalid_stage", "DISPATCH")
    await cases.assign(cid)
    for body, field in (
        ({"technician_id": "T-001", **REASON}, "technician_id"),  # already theirs
        ({"technician_id": "T-999", **REASON}, "technician_id"),  # nobody
        ({"technician_id": "T-002"}, "reason"),
    ):
        error = await cases.act(cid, "reassignment", body, SUPERVISOR, status=422)
        assert [f["field"] for f in error["error"]["fields"]] == [field]
    error = await cases.act(cid, "reassignment", {"technician_id": "T-002", **REASON}, AGENT, status=403)
    assert error["error"]["code"] == "forbidden"
    assert (await cases.get(cid))["technician_id"] == "T-001"


async def test_extension_refusals(cases):
    case = await cases.open()
    cid = case["case_id"]
    good = {"target": "resolved", "minutes": 60, "reason": "parts on back order"}
    await cases.act(cid, "sla/extension", good, AGENT, status=403)
    for body, field in (
        ({**good, "target": "lunch"}, "target"),
        ({**good, "minutes": 0}, "minutes"),
        ({**good, "reason": ""}, "reason"),
    ):
        error = await cases.act(cid, "sla/extension", body, SUPERVISOR, status=422)
        assert [f["field"] for f in error["error"]["fields"]] == [field]
    before = (await cases.get(cid))["sla"]["targets"]["resolved"]
    case = await cases.act(cid, "sla/extension", good, SUPERVISOR)
    after = case["sla"]["targets"]["resolved"]
    assert after["extended_seconds"] == 3600 and after["deadline"] > before["deadline"]
    await cases.act(cid, "cancel", {"reason": "done"}, SUPERVISOR)
    error = await cases.act(cid, "sla/extension", good, SUPERVISOR, status=409)
    assert error["error"]["stage"] == "CANCELLED"


async def at_risk(http, **params) -> list[dict]:
    response = await http.get("/api/v1/sla/at-risk", params={"limit": 500, **params}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_the_at_risk_board_orders_open_cases_by_time_left(cases, http):
    urgent = await cases.open(intake_body(category="fridge", safety_hazard=True))  # P1: 15 minutes
    normal = await cases.open(intake_body())  # P3: 4 open hours
    waiting = await cases.to_quote()  # met its first two targets; resolution paused on the quote
    closed = await cases.open(intake_body(category="fridge", safety_hazard=True))
    await cases.act(closed["case_id"], "cancel", {"reason": "duplicate call"}, SUPERVISOR)

    items = await at_risk(http)
    assert len(items) < 500, "the board was cut: this test needs fewer open cases in the database"
    assert [i["seconds_left"] for i in items] == sorted(i["seconds_left"] for i in items)
    listed = {i["case_id"]: i for i in items}
    assert len(listed) == len(items)  # one row per case: its most urgent running clock
    assert waiting["case_id"] not in listed and closed["case_id"] not in listed
    for case in (urgent, normal):
        item = listed[case["case_id"]]
        assert (item["target"], item["deadline"]) == ("assigned", case["sla"]["next_deadline"])
        assert item["priority"] == case["priority"] and item["stage"] == "DISPATCH"
        left = (
            datetime.fromisoformat(item["deadline"]) - datetime.now(datetime.fromisoformat(item["deadline"]).tzinfo)
        ).total_seconds()
        assert abs(item["seconds_left"] - left) < 60
    position = [i["case_id"] for i in items]
    assert position.index(urgent["case_id"]) < position.index(normal["case_id"])

    response = await http.get("/api/v1/sla/at-risk", headers=AGENT)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    response = await http.get("/api/v1/sla/at-risk", params={"limit": 0}, headers=SUPERVISOR)
    assert response.status_code == 422


async def test_a_stuck_worker_is_a_503_not_a_hang(settings, sessions):
    """Nobody polls this API's task queue: it answers 503 after its timeout, and says so."""
    stuck = own_queue(settings, answer_timeout=1.5)
    async with serving(create_app(stuck)) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.post("/api/v1/cases", json=intake_body(), headers=AGENT)
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "temporal_unavailable"
    assert "did not answer in time" in response.json()["error"]["message"]
