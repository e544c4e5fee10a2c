"""The stock routes over HTTP: any role reads a part's stock, a supervisor records receipts
and adjustments, and stock that comes in serves the waiting cases and signals their
workflows."""

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import ActivityEnvironment

from activities.stock import StockActivities
from models.stock import PARTS_ARRIVED
from tests.integration.cases import AGENT, SUPERVISOR, TECH, Cases
from tests.integration.stock_data import movements_of, new_case, new_part, reserving


async def reserve(sessions, settings, case_id: str, part: str, quantity: int = 1, priority: str = "P3") -> bool:
    stock = StockActivities(sessions, settings)
    return (
        await ActivityEnvironment().run(stock.reserve_parts, reserving(case_id, {part: quantity}, priority))
    ).complete


def receipts(part: str) -> str:
    return f"/api/v1/parts/{part}/receipts"


def adjustments(part: str) -> str:
    return f"/api/v1/parts/{part}/adjustments"


async def signals(temporal_client, case_id: str) -> list[str]:
    history = await temporal_client.get_workflow_handle(case_id).fetch_history()
    return [
        e.workflow_execution_signaled_event_attributes.signal_name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    ]


@pytest.mark.parametrize("headers", [AGENT, TECH, SUPERVISOR], ids=["agent", "technician", "supervisor"])
async def test_any_role_reads_a_part_with_its_stock(http, sessions, headers):
    part = await new_part(sessions, on_hand=7)
    response = await http.get(f"/api/v1/parts/{part}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "part_number": part,
        "name": "Test part",
        "category": "washer",
        "unit_price": "1.00",
        "currency": "XTS",
        "on_hand": 7,
        "reserved": 0,
        "available": 7,
    }


async def test_the_parts_list_shows_each_parts_stock(http, sessions):
    part = await new_part(sessions, on_hand=3)
    items = (await http.get("/api/v1/parts", params={"category": "washer"}, headers=AGENT)).json()["items"]
    mine = next(p for p in items if p["part_number"] == part)
    assert (mine["on_hand"], mine["reserved"], mine["available"]) == (3, 0, 3)


async def test_an_unknown_part_is_404(http):
    for method, path, body in (
        ("GET", "/api/v1/parts/NO-SUCH-PART", None),
        ("POST", receipts("NO-SUCH-PART"), {"quantity": 1}),
        ("POST", adjustments("NO-SUCH-PART"), {"quantity": 1, "reason": "count"}),
    ):
        response = await http.request(method, path, json=body, headers=SUPERVISOR)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("headers", [AGENT, TECH], ids=["agent", "technician"])
async def test_only_a_supervisor_changes_stock(http, sessions, headers):
    part = await new_part(sessions)
    for path, body in ((receipts(part), {"quantity": 1}), (adjustments(part), {"quantity": 1, "reason": "count"})):
        response = await http.post(path, json=body, headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    assert (await http.get(f"/api/v1/parts/{part}", headers=AGENT)).json()["on_hand"] == 0


async def test_a_change_without_a_key_is_401(http, sessions):
    response = await http.post(receipts(await new_part(sessions)), json={"quantity": 1})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "route, body, field",
    [
        ("receipts", {"quantity": 0}, "quantity"),
        ("receipts", {"quantity": 100_001}, "quantity"),
        ("receipts", {"quantity": "5"}, "quantity"),
        ("receipts", {}, "quantity"),
        ("receipts", {"quantity": 1, "note": "x"}, "note"),
        ("adjustments", {"quantity": 0, "reason": "count"}, "quantity"),
        ("adjustments", {"quantity": -100_001, "reason": "count"}, "quantity"),
        ("adjustments", {"quantity": -1}, "reason"),
        ("adjustments", {"quantity": -1, "reason": "  "}, "reason"),
    ],
)
async def test_bad_input_is_422_naming_the_field(http, sessions, route, body, field):
    part = await new_part(sessions, on_hand=5)
    response = await http.post(f"/api/v1/parts/{part}/{route}", json=body, headers=SUPERVISOR)
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]


async def test_a_receipt_adds_to_on_hand_and_is_recorded(http, sessions):
    part = await new_part(sessions, on_hand=2)
    response = await http.post(receipts(part), json={"quantity": 10}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["on_hand"], body["reserved"], body["available"], body["served_cases"]) == (12, 0, 12, [])
    assert await movements_of(sessions, part) == [(10, "receipt", "supervisor:dev-supervisor", None)]


async def test_an_adjustment_may_not_take_on_hand_below_what_is_reserved(http, sessions, settings, cases: Cases):
    part = await new_part(sessions, on_hand=5)
    assert await reserve(sessions, settings, (await cases.open())["case_id"], part, quantity=3)
    broken = "broken in the van"

    response = await http.post(adjustments(part), json={"quantity": -3, "reason": broken}, headers=SUPERVISOR)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "insufficient_stock"
    assert response.json()["error"]["available"] == 2
    assert await movements_of(sessions, part) == []

    response = await http.post(adjustments(part), json={"quantity": -2, "reason": broken}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    assert (response.json()["on_hand"], response.json()["reserved"], response.json()["available"]) == (3, 3, 0)
    assert await movements_of(sessions, part) == [(-2, "adjustment", "supervisor:dev-supervisor", broken)]


async def test_a_receipt_serves_the_waiting_cases_in_order_and_signals_them(
    http, sessions, settings, cases: Cases, temporal_client
):
    part = await new_part(sessions)
    later, first = (await cases.open())["case_id"], (await cases.open())["case_id"]
    assert not await reserve(sessions, settings, later, part, priority="P3")
    assert not await reserve(sessions, settings, first, part, priority="P1")

    response = await http.post(receipts(part), json={"quantity": 1}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    assert (response.json()["reserved"], response.json()["served_cases"]) == (1, [first])
    assert await signals(temporal_client, first) == [PARTS_ARRIVED]
    assert await signals(temporal_client, later) == []

    response = await http.post(adjustments(part), json={"quantity": 1, "reason": "found one"}, headers=SUPERVISOR)
    assert response.json()["served_cases"] == [later]
    assert await signals(temporal_client, later) == [PARTS_ARRIVED]


async def test_a_case_without_a_workflow_is_served_all_the_same(http, sessions, settings):
    part = await new_part(sessions)
    case = await new_case(sessions, settings)
    assert not await reserve(sessions, settings, case, part)
    response = await http.post(receipts(part), json={"quantity": 1}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    assert response.json()["served_cases"] == [case]
