"""The REST API contract (docs/api.md) over real HTTP: every endpoint, every error code and
its envelope, and that a refused request leaves the case exactly as it was. The
lifecycle paths themselves are in test_case_paths.py."""

import base64
import copy
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from api.case_ids import random_case_id
from api.routes import cases as cases_route
from models.idempotency import scoped_key
from models.tables import CaseRow, DeviceRow
from tests.integration.cases import AGENT, SUPERVISOR, TECH, Cases, intake_body

PUMP = "WSH-DRAIN-PUMP"
CATEGORIES = {"washer", "fridge", "air_conditioner", "tv", "phone", "laptop"}
VIEW_FIELDS = {
    "case_id",
    "status",
    "stage",
    "priority",
    "channel",
    "warranty",
    "service_mode",
    "customer",
    "product",
    "fault",
    "technician_id",
    "diagnosis",
    "quote",
    "repair",
    "qc",
    "handover",
    "callback",
    "sla",
    "created_at",
    "updated_at",
    "closed_at",
}
KEYS = {"agent": AGENT, "technician": TECH, "supervisor": SUPERVISOR}

# a valid body for each action, so that only the thing under test is wrong
BODIES: dict[str, dict[str, Any]] = {
    "remote-resolution": {"resolved": True, "notes": "reset fixed it"},
    "assignment": {"technician_id": "T-001"},
    "diagnosis": {
        "fault_cause": "Drain pump blocked",
        "parts": [{"part_number": PUMP, "quantity": 1}],
        "labor_hours": "1.5",
        "notes": None,
    },
    "quote/decision": {"approved": True, "note": "by phone", "quote_version": 1},
    "repair": {"parts_used": [{"part_number": PUMP, "quantity": 1}], "labor_hours": "1", "notes": None},
    "qc": {"passed": True, "checklist": {"spin": True, "drain": True}, "notes": None},
    "handover": {"accepted": True, "signed_by": "Wang Fang", "remarks": None},
    "callback": {"reached": True, "csat": 5, "nps": 9, "comments": "ok"},
    "cancel": {"reason": "customer bought a new one"},
    "reassignment": {"technician_id": "T-002", "reason": "T-001 is off sick"},
    "sla/extension": {"target": "resolved", "minutes": 60, "reason": "parts on back order"},
}
# the role column of the endpoint table in docs/api.md, and the supervisor's SLA actions
ALLOWED = {
    "remote-resolution": {"agent"},
    "assignment": {"agent", "supervisor"},
    "diagnosis": {"technician"},
    "quote/decision": {"agent"},
    "repair": {"technician"},
    "qc": {"technician", "supervisor"},
    "handover": {"agent", "technician", "supervisor"},
    "callback": {"agent"},
    "cancel": {"agent", "supervisor"},
    "reassignment": {"supervisor"},
    "sla/extension": {"supervisor"},
}
BAD_KEYS = {
    "no header": {},
    "wrong scheme": {"Authorization": "Basic ZGV2LWFnZW50LWtleTo="},
    "no scheme": {"Authorization": "dev-agent-key"},
    "unknown key": {"Authorization": "Bearer not-a-key"},
}


# ---- helpers ------------------------------------------------------------------------


def error_of(response: httpx.Response, status: int, code: str) -> dict:
    """The error object of an envelope `{"error": {"code", "message", ...}}`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"], body
    error = body["error"]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"], error
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    return error


def fields_of(error: dict) -> list[str]:
    assert all(isinstance(f["message"], str) and f["message"] for f in error["fields"]), error
    return [f["field"] for f in error["fields"]]


def cursor_of(raw: str) -> str:
    """A list cursor made by hand: base64url of its JSON, unpadded."""
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def edited(body: dict, path: str, value=None, *, drop: bool = False) -> dict:
    """A deep copy of `body` with the dotted `path` set to `value` (or removed)."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target[key]
    if drop:
        del target[last]
    else:
        target[last] = value
    return body


async def state(api: Cases, case_id: str) -> tuple[str, str, int]:
    case = await api.get(case_id)
    return case["stage"], case["updated_at"], len(await api.timeline(case_id))


async def refused(
    api: Cases,
    case_id: str,
    path: str,
    status: int,
    code: str,
    *,
    body: dict | None = None,
    headers: dict = AGENT,
    content: bytes | None = None,
) -> dict:
    """Sends an action that must be refused; checks the envelope and that the case,
    its updated_at and its timeline did not change. Returns the error object."""
    before = await state(api, case_id)
    request = (
        {"content": content, "headers": {**headers, "Content-Type": "application/json"}}
        if content is not None
        else {"json": BODIES[path] if body is None else body, "headers": headers}
    )
    response = await api.http.post(f"/api/v1/cases/{case_id}/{path}", **request)
    error = error_of(response, status, code)
    assert await state(api, case_id) == before, f"{path} was refused ({status}) but changed the case"
    return error


async def case_count(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(CaseRow))


async def cases_for_serial(sessions, serial: str) -> list[str]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(CaseRow.case_id)
                .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
                .where(DeviceRow.serial_number == serial)
            )
        )


async def listed(http: httpx.AsyncClient, limit: int = 100, **filters) -> list[list[dict]]:
    """Every page of GET /api/v1/cases with these filters, following next_cursor."""
    pages, cursor = [], None
    while True:
        params = {**filters, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await http.get("/api/v1/cases", params=params, headers=AGENT)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items", "next_cursor"}
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(body["items"]) == limit  # only the last page is short
        assert len(pages) < 1000, "paging does not end"


async def listed_ids(http: httpx.AsyncClient, **filters) -> set[str]:
    items = [item for page in await listed(http, **filters) for item in page]
    for name, value in filters.items():
        assert all(str(item[name]).lower() == str(value).lower() for item in items), (name, value)
    return {item["case_id"] for item in items}


class Staged:
    """One case per stage, made on first use and shared by this module's tests. Only
    refused requests are sent to them, and each check asserts that a refusal leaves the
    case unchanged, so they stay in their stage."""

    def __init__(self, api: Cases):
        self.api = api
        self.ids: dict[str, str] = {}

    async def __call__(self, stage: str) -> str:
        if stage not in self.ids:
            self.ids[stage] = await self._make(stage)
            assert (await self.api.get(self.ids[stage]))["stage"] == stage
        return self.ids[stage]

    async def _make(self, stage: str) -> str:
        api = self.api
        if stage in ("CALLBACK", "CLOSED"):
            cid = (await api.open(intake_body(category="tv", service_mode="remote")))["case_id"]
            await api.act(cid, "remote-resolution", BODIES["remote-resolution"])
            if stage == "CLOSED":
                await api.callback(cid)
            return cid
        if stage == "CANCELLED":
            cid = (await api.open())["case_id"]
            await api.act(cid, "cancel", BODIES["cancel"])
            return cid
        # the repair path, one step after the other until `stage`
        steps = [
            ("DIAGNOSIS", api.assign),
            ("QUOTE_APPROVAL", lambda c: api.diagnose(c, [(PUMP, 1)])),
            ("REPAIR", lambda c: api.decide(c, True)),
            ("QC", api.repair),
            ("HANDOVER", lambda c: api.qc(c, True)),
        ]
        cid, current = (await api.open())["case_id"], "DISPATCH"
        for after, step in steps:
            if current == stage:
                break
            await step(cid)
            current = after
        return cid


@pytest.fixture(scope="module")
async def api(api_url) -> AsyncIterator[Cases]:
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as client:
        yield Cases(client)


@pytest.fixture(scope="module")
def staged(api) -> Staged:
    return Staged(api)


# ---- health and catalog -------------------------------------------------------------


async def test_healthz_needs_no_key(api):
    response = await api.http.get("/healthz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "database": "ok", "temporal": "ok"}


async def test_parts_cover_every_category_and_filter_by_category(api):
    response = await api.http.get("/api/v1/parts", headers=TECH)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    fields = {"part_number", "name", "category", "unit_price", "currency", "on_hand", "reserved", "available"}
    assert all(set(p) == fields for p in items)
    assert {p["category"] for p in items} == CATEGORIES
    assert PUMP in {p["part_number"] for p in items if p["category"] == "washer"}

    response = await api.http.get("/api/v1/parts", params={"category": "tv"}, headers=AGENT)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == [p for p in items if p["category"] == "tv"] != []


async def test_parts_with_an_unknown_category_are_422(api):
    response = await api.http.get("/api/v1/parts", params={"category": "toaster"}, headers=AGENT)
    assert fields_of(error_of(response, 422, "validation_error")) == ["category"]


async def test_technicians_list_skills_and_region(api):
    response = await api.http.get("/api/v1/technicians", headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    technicians = {t["technician_id"]: t for t in response.json()["items"]}
    assert {"T-001", "T-002", "T-003"} <= set(technicians)
    assert technicians["T-001"]["name"] == "Zhang Wei"
    assert technicians["T-001"]["skills"] == ["washer", "fridge", "air_conditioner"]
    assert technicians["T-001"]["region"] == "Shanghai-Pudong"


# ---- reading a case -----------------------------------------------------------------


async def test_an_action_answers_with_the_case_view(api):
    cid = (await api.open())["case_id"]
    response = await api.http.post(
        f"/api/v1/cases/{cid}/assignment", json={"technician_id": "T-002"}, headers=SUPERVISOR
    )
    assert response.status_code == 200, response.text
    view = response.json()
    assert set(view) >= VIEW_FIELDS
    assert (view["stage"], view["status"], view["technician_id"]) == ("DIAGNOSIS", "open", "T-002")
    assert set(view["sla"]) >= {"targets", "breached", "escalation_level"}
    assert all(set(t) >= {"deadline", "status"} for t in view["sla"]["targets"].values())
    assert view == await api.get(cid)


async def test_timeline_is_oldest_first(api, staged):
    cid = await staged("QUOTE_APPROVAL")
    events = await api.timeline(cid)
    assert all(set(e) == {"at", "type", "stage", "actor", "data"} for e in events)
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    steps = [(e["type"], e["stage"], e["actor"]) for e in events]
    assert steps[:4] == [
        ("case_created", "INTAKE", "agent:dev-agent"),
        ("triaged", "DISPATCH", "system:repairflow"),
        ("technician_assigned", "DIAGNOSIS", "agent:dev-agent"),
        ("diagnosed", "QUOTE_APPROVAL", "technician:T-001"),
    ]
    assert events[2]["data"] == {"technician_id": "T-001"}


@pytest.mark.parametrize("path", ["", "/timeline"], ids=["view", "timeline"])
async def test_reading_an_unknown_case_is_404(api, path):
    response = await api.http.get(f"/api/v1/cases/RF-NO-SUCH-CASE{path}", headers=AGENT)
    assert "RF-NO-SUCH-CASE" in error_of(response, 404, "not_found")["message"]


@pytest.mark.parametrize("headers", [AGENT, TECH], ids=["agent", "technician"])
async def test_an_action_on_an_unknown_case_is_404(api, headers):
    # 404 comes before the role check: a technician learns nothing more than an agent
    response = await api.http.post("/api/v1/cases/RF-NO-SUCH-CASE/cancel", json=BODIES["cancel"], headers=headers)
    error_of(response, 404, "not_found")


# ---- 401 and 403 --------------------------------------------------------------------


@pytest.mark.parametrize("headers", BAD_KEYS.values(), ids=BAD_KEYS.keys())
async def test_a_missing_or_unknown_key_is_401(api, staged, sessions, headers):
    cid = await staged("DISPATCH")
    for path in (f"/api/v1/cases/{cid}", f"/api/v1/cases/{cid}/timeline", "/api/v1/cases", "/api/v1/parts"):
        error_of(await api.http.get(path, headers=headers), 401, "unauthorized")
    await refused(api, cid, "cancel", 401, "unauthorized", headers=headers)

    before = await case_count(sessions)
    error_of(await api.http.post("/api/v1/cases", json=intake_body(), headers=headers), 401, "unauthorized")
    assert await case_count(sessions) == before


@pytest.mark.parametrize("path", ALLOWED)
async def test_a_role_not_in_the_table_is_403(api, staged, path):
    cid = await staged("DIAGNOSIS")  # assigned to T-001, the dev technician: only the role is wrong
    for role in set(KEYS) - ALLOWED[path]:
        error = await refused(api, cid, path, 403, "forbidden", headers=KEYS[role])
        assert f"role {role}" in error["message"]


async def test_a_technician_cannot_open_a_case(api, sessions):
    body = intake_body()
    response = await api.http.post("/api/v1/cases", json=body, headers=TECH)
    error_of(response, 403, "forbidden")
    assert await cases_for_serial(sessions, body["product"]["serial_number"]) == []


async def test_a_technician_cannot_act_on_a_case_assigned_to_another(api):
    cid = (await api.open(intake_body(category="laptop")))["case_id"]
    await api.assign(cid, "T-002")
    # to T-001 the case is not there: the same answer as for a case that does not exist
    error = await refused(api, cid, "diagnosis", 404, "not_found", headers=TECH)
    assert error["message"] == f"case {cid} not found"


# ---- 409 ----------------------------------------------------------------------------

# stage -> actions (with a role allowed to take them) that the stage does not allow
WRONG_STAGE = {
    "DISPATCH": [
        ("remote-resolution", AGENT),
        ("quote/decision", AGENT),
        ("handover", AGENT),
        ("callback", AGENT),
        ("reassignment", SUPERVISOR),
    ],
    "QUOTE_APPROVAL": [("assignment", SUPERVISOR), ("repair", TECH), ("qc", TECH)],
    "REPAIR": [("diagnosis", TECH), ("quote/decision", AGENT), ("qc", SUPERVISOR), ("handover", TECH)],
    "CLOSED": [
        ("callback", AGENT),
        ("cancel", SUPERVISOR),
        ("remote-resolution", AGENT),
        ("reassignment", SUPERVISOR),
        ("sla/extension", SUPERVISOR),
    ],
    "CANCELLED": [("assignment", AGENT), ("cancel", AGENT)],
}


@pytest.mark.parametrize("stage", WRONG_STAGE)
async def test_an_action_the_stage_does_not_allow_is_409_with_the_stage(api, staged, stage):
    cid = await staged(stage)
    for path, headers in WRONG_STAGE[stage]:
        error = await refused(api, cid, path, 409, "invalid_stage", headers=headers)
        assert error["stage"] == stage, (path, error)


async def test_a_case_id_already_taken_is_passed_over_for_another(api, monkeypatch, temporal_client):
    """Six random characters a day collide now and then: the intake takes the next id. The
    first case has ended, so Temporal would start its id again; the database says no."""
    first = (await api.open(intake_body()))["case_id"]
    await api.act(first, "cancel", BODIES["cancel"])
    await temporal_client.get_workflow_handle(first).result()
    drawn = iter([first])
    monkeypatch.setattr(cases_route, "random_case_id", lambda day: next(drawn, None) or random_case_id(day))
    second = await api.open(intake_body())
    assert second["case_id"] != first and second["status"] == "open"
    assert (await api.get(first))["product"]["serial_number"] != second["product"]["serial_number"]


async def test_a_second_intake_for_an_open_serial_is_409_with_the_open_case(api, sessions):
    body = intake_body()
    serial = body["product"]["serial_number"]
    first = (await api.open(body))["case_id"]
    other = edited(body, "customer.name", "Someone Else")
    for headers in (AGENT, SUPERVISOR):
        response = await api.http.post("/api/v1/cases", json=other, headers=headers)
        assert error_of(response, 409, "duplicate_open_case")["case_id"] == first
    assert await cases_for_serial(sessions, serial) == [first]

    # once that case is no longer open, the serial number can come in again
    await api.act(first, "cancel", BODIES["cancel"])
    again = (await api.open(other))["case_id"]
    assert sorted(await cases_for_serial(sessions, serial)) == sorted([first, again])


# ---- 422 ----------------------------------------------------------------------------

FUTURE = (date.today() + timedelta(days=2)).isoformat()
INTAKE_ERRORS = {  # id -> (dotted path, new value or None to drop it, the field named)
    "unknown top-level field": ("foo", "bar", "foo"),
    "unknown nested field": ("customer.foo", "bar", "customer.foo"),
    "missing serial number": ("product.serial_number", None, "product.serial_number"),
    "missing fault": ("fault", None, "fault"),
    "bad channel": ("channel", "fax", "channel"),
    "bad category": ("product.category", "toaster", "product.category"),
    "bad phone": ("customer.phone", "call me", "customer.phone"),
    "future purchase date": ("product.purchase_date", FUTURE, "product.purchase_date"),
}


@pytest.mark.parametrize("path, value, field", INTAKE_ERRORS.values(), ids=INTAKE_ERRORS.keys())
async def test_an_invalid_intake_is_422_naming_the_field(api, sessions, path, value, field):
    body = edited(intake_body(), path, value, drop=value is None)
    before = await case_count(sessions)
    response = await api.http.post("/api/v1/cases", json=body, headers=AGENT)
    assert fields_of(error_of(response, 422, "validation_error")) == [field]
    assert await case_count(sessions) == before


async def test_a_malformed_intake_is_422(api, sessions):
    before = await case_count(sessions)
    response = await api.http.post(
        "/api/v1/cases", content=b'{"channel": "phone",', headers={**AGENT, "Content-Type": "application/json"}
    )
    assert fields_of(error_of(response, 422, "validation_error")) == ["body"]
    assert await case_count(sessions) == before


UNKNOWN_FIRST = [{"part_number": "NO-SUCH-PART", "quantity": 1}, {"part_number": PUMP, "quantity": 1}]


ACTION_ERRORS = {  # id -> (stage, action, body, headers, the field named)
    "unknown technician": ("DISPATCH", "assignment", {"technician_id": "T-999"}, AGENT, "technician_id"),
    "unknown field": ("DISPATCH", "cancel", {"reason": "moved", "foo": 1}, AGENT, "foo"),
    "empty reason": ("DISPATCH", "cancel", {"reason": ""}, AGENT, "reason"),
    "unknown part in diagnosis": (
        "DIAGNOSIS",
        "diagnosis",
        edited(BODIES["diagnosis"], "parts", UNKNOWN_FIRST),
        TECH,
        "parts.0.part_number",
    ),
    "missing labor hours": (
        "DIAGNOSIS",
        "diagnosis",
        edited(BODIES["diagnosis"], "labor_hours", drop=True),
        TECH,
        "labor_hours",
    ),
    "unknown part in repair": (
        "REPAIR",
        "repair",
        edited(BODIES["repair"], "parts_used", UNKNOWN_FIRST),
        TECH,
        "parts_used.0.part_number",
    ),
    "csat out of range": ("CALLBACK", "callback", edited(BODIES["callback"], "csat", 6), AGENT, "csat"),
    "nps out of range": ("CALLBACK", "callback", edited(BODIES["callback"], "nps", 11), AGENT, "nps"),
}


@pytest.mark.parametrize("stage, path, body, headers, field", ACTION_ERRORS.values(), ids=ACTION_ERRORS.keys())
async def test_an_invalid_action_is_422_naming_the_field(api, staged, stage, path, body, headers, field):
    cid = await staged(stage)
    error = await refused(api, cid, path, 422, "validation_error", body=body, headers=headers)
    assert fields_of(error) == [field]


# rules across fields of one body (models.domain model validators)
CROSS_FIELD = {  # id -> (stage, action, body, headers, the field the rule is about)
    "QC pass with a failed item": ("QC", "qc", edited(BODIES["qc"], "checklist.drain", False), TECH, "checklist"),
    "refused handover without resolution": (
        "HANDOVER",
        "handover",
        edited(BODIES["handover"], "accepted", False),
        AGENT,
        "resolution",
    ),
    "reached callback without scores": (
        "CALLBACK",
        "callback",
        edited(BODIES["callback"], "csat", drop=True),
        AGENT,
        "csat",
    ),
}


@pytest.mark.parametrize("stage, path, body, headers, field", CROSS_FIELD.values(), ids=CROSS_FIELD.keys())
async def test_a_broken_rule_across_fields_names_the_field(api, staged, stage, path, body, headers, field):
    cid = await staged(stage)
    error = await refused(api, cid, path, 422, "validation_error", body=body, headers=headers)
    assert fields_of(error) == [field]


async def test_a_malformed_action_body_is_422(api, staged):
    cid = await staged("DISPATCH")
    error = await refused(api, cid, "cancel", 422, "validation_error", content=b'{"reason": ')
    assert fields_of(error) == ["body"]


LIST_ERRORS = {  # id -> (query, the field named)
    "cursor not base64 json": ({"cursor": "not-a-cursor"}, "cursor"),
    "cursor without a time zone": ({"cursor": cursor_of('["2026-01-01T00:00:00", "RC-1"]')}, "cursor"),
    "cursor of the wrong shape": ({"cursor": cursor_of('{"at": "2026-01-01T00:00:00+00:00"}')}, "cursor"),
    "limit 0": ({"limit": 0}, "limit"),
    "limit 101": ({"limit": 101}, "limit"),
    "bad stage": ({"stage": "LIMBO"}, "stage"),
    "bad priority": ({"priority": "P9"}, "priority"),
    "bad status": ({"status": "lost"}, "status"),
    "bad sla_breached": ({"sla_breached": "perhaps"}, "sla_breached"),
}


@pytest.mark.parametrize("query, field", LIST_ERRORS.values(), ids=LIST_ERRORS.keys())
async def test_an_invalid_list_query_is_422_naming_the_field(api, query, field):
    response = await api.http.get("/api/v1/cases", params=query, headers=AGENT)
    assert fields_of(error_of(response, 422, "validation_error")) == [field]


NUL_REQUESTS = {  # id -> (method, path, query, body, the field named); PostgreSQL cannot store a NUL
    "case view": ("GET", "/api/v1/cases/RC-%00", {}, None, "case_id"),
    "timeline": ("GET", "/api/v1/cases/RC-%00/timeline", {}, None, "case_id"),
    "action": ("POST", "/api/v1/cases/RC-%00/cancel", {}, BODIES["cancel"], "case_id"),
    "list filter": ("GET", "/api/v1/cases", {"technician_id": "T-\x00"}, None, "technician_id"),
}


@pytest.mark.parametrize("method, path, query, body, field", NUL_REQUESTS.values(), ids=NUL_REQUESTS.keys())
async def test_a_nul_character_in_the_url_is_422_not_500(api, method, path, query, body, field):
    response = await api.http.request(method, path, params=query, json=body, headers=AGENT)
    assert fields_of(error_of(response, 422, "validation_error")) == [field]


NUL_BODIES = {  # id -> (stage, action, body, the field named)
    "cancel reason": ("DISPATCH", "cancel", {"reason": "a\x00b"}, "reason"),
    "qc checklist item": ("QC", "qc", edited(BODIES["qc"], "checklist", {"dr\x00in": True}), "checklist"),
}


@pytest.mark.parametrize("stage, path, body, field", NUL_BODIES.values(), ids=NUL_BODIES.keys())
async def test_a_nul_character_in_an_action_is_422_and_changes_nothing(api, staged, stage, path, body, field):
    cid = await staged(stage)
    headers = TECH if path == "qc" else AGENT
    error = await refused(api, cid, path, 422, "validation_error", body=body, headers=headers)
    assert fields_of(error) == [field]


async def test_a_nul_character_in_an_intake_is_422_and_opens_nothing(api, sessions):
    body = edited(intake_body(), "customer.name", "Wang\x00Fang")
    response = await api.http.post("/api/v1/cases", json=body, headers=AGENT)
    assert fields_of(error_of(response, 422, "validation_error")) == ["customer.name"]
    async with sessions() as session:
        serial = body["product"]["serial_number"]
        assert (
            await session.scalar(select(func.count()).select_from(DeviceRow).where(DeviceRow.serial_number == serial))
            == 0
        )


async def test_a_cursor_hiding_a_nul_character_is_422_not_500(api):
    cursor = cursor_of('["2026-01-01T00:00:00+00:00", "RC-\\u0000"]')
    response = await api.http.get("/api/v1/cases", params={"cursor": cursor}, headers=AGENT)
    error_of(response, 422, "validation_error")


# ---- idempotent intake ----------------------------------------------------------------


async def test_the_same_idempotency_key_returns_the_same_case(api, sessions):
    body = intake_body()
    headers = {**AGENT, "Idempotency-Key": f"test-{uuid.uuid4()}"}
    first = await api.http.post("/api/v1/cases", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = await api.http.post("/api/v1/cases", json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["case_id"] == first.json()["case_id"]
    assert set(again.json()) >= VIEW_FIELDS
    stored = scoped_key("dev-agent", headers["Idempotency-Key"])  # the key is the caller's own
    async with sessions() as session:
        keyed = list(await session.scalars(select(CaseRow.case_id).where(CaseRow.idempotency_key == stored)))
    assert keyed == [first.json()["case_id"]]
    assert await cases_for_serial(sessions, body["product"]["serial_number"]) == keyed


# ---- listing ------------------------------------------------------------------------


async def test_each_list_filter_narrows_the_result(api, sessions):
    assigned = (await api.open(intake_body(category="fridge")))["case_id"]
    await api.assign(assigned, "T-003")
    hazard = (await api.open(intake_body(category="air_conditioner", safety_hazard=True)))["case_id"]
    cancelled = (await api.open())["case_id"]
    await api.act(cancelled, "cancel", BODIES["cancel"])
    # a breach takes days of SLA time; mark one on the cancelled case, which nothing writes any more
    async with sessions() as session, session.begin():
        await session.execute(update(CaseRow).where(CaseRow.case_id == cancelled).values(sla_breached=True))

    assert assigned in await listed_ids(api.http, technician_id="T-003")
    assert not {hazard, cancelled} & await listed_ids(api.http, technician_id="T-003")
    assert hazard in await listed_ids(api.http, priority="P1")
    assert assigned not in await listed_ids(api.http, priority="P1")
    assert assigned in await listed_ids(api.http, stage="DIAGNOSIS")
    assert hazard not in await listed_ids(api.http, stage="DIAGNOSIS")
    assert {assigned, hazard} <= await listed_ids(api.http, status="open")
    assert cancelled in await listed_ids(api.http, status="cancelled", stage="CANCELLED")
    assert cancelled not in await listed_ids(api.http, status="open")
    assert cancelled in await listed_ids(api.http, sla_breached="true")
    assert {assigned, hazard} & await listed_ids(api.http, sla_breached="true") == set()
    assert {assigned, hazard} <= await listed_ids(api.http, sla_breached="false")
    assert assigned in await listed_ids(api.http, technician_id="T-003", stage="DIAGNOSIS")
    assert assigned not in await listed_ids(api.http, technician_id="T-003", stage="DISPATCH")


async def test_paging_walks_every_case_once_newest_first(api):
    mine = []
    for _ in range(5):  # on a technician few cases have, to keep the listing short
        mine.append((await api.open(intake_body(category="phone")))["case_id"])
        await api.assign(mine[-1], "T-005")

    everything = [item for page in await listed(api.http, technician_id="T-005") for item in page]
    pages = await listed(api.http, limit=2, technician_id="T-005")  # asserts all pages but the last are full
    ids = [item["case_id"] for page in pages for item in page]
    assert ids == [item["case_id"] for item in everything] and len(set(ids)) == len(ids)
    assert len(pages) == (len(ids) + 1) // 2 and ids[:5] == mine[::-1]
    assert [i["created_at"] for i in everything] == sorted((i["created_at"] for i in everything), reverse=True)

    # a page that holds the last item has no next page
    assert [len(page) for page in await listed(api.http, limit=len(ids), technician_id="T-005")] == [len(ids)]
