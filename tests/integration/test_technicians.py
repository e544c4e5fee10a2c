"""Technicians' capacity and load, the service regions, and a technician's own work list
(GET /api/v1/me/cases), over HTTP against the real servers."""

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from models.tables import CaseRow
from tests.integration.cases import AGENT, SUPERVISOR, TECH, Cases, intake_body

KEYS = {"agent": AGENT, "technician": TECH, "supervisor": SUPERVISOR}


async def technicians(cases: Cases) -> dict[str, dict]:
    response = await cases.http.get("/api/v1/technicians", headers=TECH)
    assert response.status_code == 200, response.text
    return {t["technician_id"]: t for t in response.json()["items"]}


async def work_list(cases: Cases, headers: dict = TECH, **params) -> list[dict]:
    """Every page of the caller's work list, following next_cursor."""
    items, cursor = [], None
    while True:
        page = await cases.http.get(
            "/api/v1/me/cases", params=params | ({"cursor": cursor} if cursor else {}), headers=headers
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        if (cursor := page.json()["next_cursor"]) is None:
            return items


def regional(region: str | None) -> dict:
    """An intake of a customer of their own, so the region stays theirs."""
    body = intake_body()
    body["customer"]["phone"] = f"19{random.randrange(10**9):09d}"
    if region:
        body["customer"]["region"] = region
    return body


# ---- regions ----------------------------------------------------------------------------


async def test_the_regions_are_those_of_active_technicians_with_their_number(cases: Cases):
    active = [t for t in (await technicians(cases)).values() if t["active"]]
    expected = sorted({t["region"] for t in active})
    for headers in KEYS.values():
        response = await cases.http.get("/api/v1/regions", headers=headers)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert [r["region"] for r in items] == expected
        assert all(r["technicians"] == sum(t["region"] == r["region"] for t in active) for r in items)
    assert {"region": "Shanghai-Pudong", "technicians": 1} in items
    assert (await cases.http.get("/api/v1/regions")).status_code == 401


async def test_an_intake_names_a_served_region_and_the_case_keeps_it(cases: Cases):
    case = await cases.open(regional("Shanghai-Xuhui"))
    assert case["region"] == "Shanghai-Xuhui"
    assert case["customer"]["region"] == "Shanghai-Xuhui"


async def test_an_intake_in_an_unknown_region_is_422_and_starts_nothing(cases: Cases):
    body = regional("Atlantis")
    response = await cases.http.post("/api/v1/cases", json=body, headers=AGENT)
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["customer.region"]
    serial = body["product"]["serial_number"]
    found = await cases.http.get("/api/v1/cases", params={"q": serial}, headers=AGENT)
    assert found.json()["items"] == []


async def test_an_intake_without_a_region_is_taken_as_before(cases: Cases):
    case = await cases.open(regional(None))
    assert case["region"] is None and case["customer"]["region"] is None


# ---- capacity and load ------------------------------------------------------------------


async def test_technicians_show_their_capacity_and_their_open_cases(cases: Cases):
    before = await technicians(cases)
    assert before["T-002"]["capacity"] == 8  # reference/catalog.py
    assert before["T-003"]["capacity"] == 5  # the default
    held = (await cases.open())["case_id"]
    await cases.assign(held, "T-003")
    assert (await technicians(cases))["T-003"]["load"] == before["T-003"]["load"] + 1
    await cases.act(held, "cancel", {"reason": "fixed it himself"}, SUPERVISOR)
    assert (await technicians(cases))["T-003"]["load"] == before["T-003"]["load"]


async def test_a_supervisor_sets_a_technicians_capacity(cases: Cases):
    before = (await technicians(cases))["T-004"]
    try:
        response = await cases.http.put("/api/v1/technicians/T-004/capacity", json={"capacity": 0}, headers=SUPERVISOR)
        assert response.status_code == 200, response.text
        assert response.json() == before | {"capacity": 0}
        assert (await technicians(cases))["T-004"]["capacity"] == 0
    finally:
        restore = {"capacity": before["capacity"]}
        await cases.http.put("/api/v1/technicians/T-004/capacity", json=restore, headers=SUPERVISOR)


@pytest.mark.parametrize("role", ["agent", "technician"])
async def test_only_a_supervisor_sets_a_capacity(cases: Cases, role):
    response = await cases.http.put("/api/v1/technicians/T-001/capacity", json={"capacity": 9}, headers=KEYS[role])
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert (await technicians(cases))["T-001"]["capacity"] == 5


async def test_the_capacity_of_an_unknown_technician_is_404(cases: Cases):
    response = await cases.http.put("/api/v1/technicians/T-999/capacity", json={"capacity": 3}, headers=SUPERVISOR)
    assert response.status_code == 404, response.text
    assert response.json()["error"] == {"code": "not_found", "message": "technician T-999 not found"}


@pytest.mark.parametrize(
    "body", [{"capacity": -1}, {"capacity": 101}, {"capacity": "5"}, {"capacity": 1.5}, {}, {"capacity": 5, "x": 1}]
)
async def test_a_bad_capacity_is_422(cases: Cases, body):
    response = await cases.http.put("/api/v1/technicians/T-001/capacity", json=body, headers=SUPERVISOR)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


# ---- the technician's work list ---------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "supervisor"])
async def test_only_a_technician_has_a_work_list(cases: Cases, role):
    response = await cases.http.get("/api/v1/me/cases", headers=KEYS[role])
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert (await cases.http.get("/api/v1/me/cases")).status_code == 401


async def test_the_work_list_is_the_technicians_open_cases_most_urgent_first(cases: Cases, sessions):
    hazard = (await cases.open(intake_body(safety_hazard=True)))["case_id"]  # P1: the shortest clocks
    usual = (await cases.open(intake_body(severity="cosmetic")))["case_id"]
    theirs = (await cases.open())["case_id"]
    done = (await cases.open())["case_id"]
    for cid, technician in ((usual, "T-001"), (hazard, "T-001"), (theirs, "T-002"), (done, "T-001")):
        await cases.assign(cid, technician)
    await cases.act(done, "cancel", {"reason": "customer moved away"})
    visit_from = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    async with sessions.begin() as session:  # what the appointment events record
        await session.execute(
            update(CaseRow)
            .where(CaseRow.case_id == usual)
            .values(visit_from=visit_from, visit_by=visit_from + timedelta(hours=3))
        )

    items = await work_list(cases, limit=100)
    ids = [item["case_id"] for item in items]
    assert hazard in ids and usual in ids and theirs not in ids and done not in ids
    assert ids.index(hazard) < ids.index(usual)
    deadlines = [item["next_deadline"] for item in items]
    running = [d for d in deadlines if d is not None]
    assert deadlines == running + [None] * (len(deadlines) - len(running))
    assert [datetime.fromisoformat(d) for d in running] == sorted(datetime.fromisoformat(d) for d in running)

    item = items[ids.index(usual)]
    view = await cases.get(usual)
    running_targets = [t["deadline"] for t in view["sla"]["targets"].values() if not t["met_at"] and not t["paused"]]
    assert item["next_deadline"] == min(running_targets, key=datetime.fromisoformat)
    assert item == {
        "case_id": usual,
        "stage": "DIAGNOSIS",
        "priority": view["priority"],
        "customer_name": "Wang Fang",
        "region": None,
        "product": view["product"],
        "next_deadline": item["next_deadline"],
        "visit_from": visit_from.isoformat().replace("+00:00", "Z"),
        "visit_by": (visit_from + timedelta(hours=3)).isoformat().replace("+00:00", "Z"),
        "arrived_at": None,
    }


async def test_the_work_list_pages_every_case_once(cases: Cases):
    for _ in range(3):
        await cases.assign((await cases.open(intake_body(serial=f"SN-WORK-{uuid.uuid4().hex[:8]}")))["case_id"])
    whole = await work_list(cases, limit=100)
    assert len(whole) >= 3
    assert await work_list(cases, limit=1) == whole
    assert await work_list(cases, limit=2) == whole


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"cursor": "not-a-cursor"}])
async def test_a_bad_work_list_page_is_422(cases: Cases, params):
    response = await cases.http.get("/api/v1/me/cases", params=params, headers=TECH)
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["error"]["fields"]] == list(params)
