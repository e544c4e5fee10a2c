"""Finding cases (GET /api/v1/cases?q=) by the device's serial number, the customer's phone
written any way, or a fragment of their name, and the case view's history of the same
customer's and the same device's other cases; a technician finds and sees only their own."""

import random
import uuid

import pytest

from tests.integration.cases import AGENT, SUPERVISOR, TECH, Cases, intake_body


def customer(body: dict, phone: str, name: str) -> dict:
    body["customer"] |= {"phone": phone, "name": name}
    return body


def new_mobile() -> str:
    """A mobile number no other test uses: 11 digits from 1."""
    return f"19{random.randrange(10**9):09d}"


def written(mobile: str) -> dict[str, str]:
    return {
        "spaced and dashed, with +86": f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
        "digits only": mobile,
        "spaced": f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}",
        "with +86": f"+86{mobile}",
        "with 0086": f"0086{mobile}",
    }


async def search(cases: Cases, q: str, headers: dict = AGENT, **params) -> list[str]:
    response = await cases.http.get("/api/v1/cases", params={"q": q, "limit": 100, **params}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return [item["case_id"] for item in response.json()["items"]]


@pytest.mark.parametrize("stored_as", list(written("13800138000")))
async def test_a_customer_is_found_by_their_phone_written_any_way(cases: Cases, stored_as):
    mobile = new_mobile()
    cid = (await cases.open(customer(intake_body(), written(mobile)[stored_as], "Phone Search")))["case_id"]
    for form, q in written(mobile).items():
        assert await search(cases, q) == [cid], form


async def test_a_device_is_found_by_its_exact_serial_number_in_any_letter_case(cases: Cases):
    serial = f"Sn-Ab{uuid.uuid4().hex[:8]}"
    cid = (await cases.open(intake_body(serial=serial)))["case_id"]
    assert await search(cases, serial) == [cid]
    assert await search(cases, serial.upper()) == [cid]
    assert await search(cases, f" {serial.lower()} ") == [cid]
    assert await search(cases, serial[:-1]) == []  # exact, not a prefix


async def test_digits_find_both_the_serial_number_and_the_phone_they_are(cases: Cases):
    digits = new_mobile()
    by_serial = (await cases.open(intake_body(serial=digits)))["case_id"]
    by_phone = (await cases.open(customer(intake_body(), f"+86 {digits}", "Digits Customer")))["case_id"]
    assert await search(cases, digits) == [by_phone, by_serial]


async def test_a_customer_is_found_by_a_fragment_of_their_name(cases: Cases):
    tag = uuid.uuid4().hex[:8]
    cid = (await cases.open(customer(intake_body(), new_mobile(), f"Ouyang Zx{tag} Mei")))["case_id"]
    assert await search(cases, f"zx{tag}") == [cid]
    assert await search(cases, f"OUYANG ZX{tag} M") == [cid]
    assert await search(cases, f"Zx{tag}%") == []  # a LIKE wildcard is a plain character
    assert await search(cases, f"Zx{tag[:4]}_") == []


async def test_a_technician_finds_only_the_cases_assigned_to_them(cases: Cases):
    mobile = new_mobile()
    mine, theirs, nobodys = [
        (await cases.open(customer(intake_body(), mobile, "Shared Customer")))["case_id"] for _ in range(3)
    ]
    await cases.assign(mine, "T-001")
    await cases.assign(theirs, "T-003")
    assert await search(cases, mobile, TECH) == [mine]
    assert await search(cases, mobile, TECH, technician_id="T-003") == []
    assert await search(cases, mobile, SUPERVISOR) == [nobodys, theirs, mine]  # newest first


async def test_search_pages_and_combines_with_the_filters(cases: Cases):
    mobile = new_mobile()
    opened = [(await cases.open(customer(intake_body(), mobile, "Paged Customer")))["case_id"] for _ in range(3)]
    await cases.act(opened[1], "cancel", {"reason": "bought a new one"})
    seen, cursor = [], None
    while True:
        params: dict[str, str | int] = {"q": mobile, "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = (await cases.http.get("/api/v1/cases", params=params, headers=AGENT)).json()
        seen += [item["case_id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == opened[::-1]
    assert await search(cases, mobile, status="open") == [opened[2], opened[0]]
    assert await search(cases, mobile, status="cancelled") == [opened[1]]


@pytest.mark.parametrize(
    "q, message",
    [("x" * 101, "at most 100 characters"), ("Wang\x00", "NUL"), ("", "at least 1 character")],
)
async def test_a_search_too_long_empty_or_with_a_nul_is_422(cases: Cases, q, message):
    response = await cases.http.get("/api/v1/cases", params={"q": q}, headers=AGENT)
    assert response.status_code == 422, response.text
    [field] = response.json()["error"]["fields"]
    assert field["field"] == "q" and message in field["message"]


async def test_a_blank_search_lists_as_without_one(cases: Cases):
    plain = (await cases.http.get("/api/v1/cases", params={"limit": 5}, headers=AGENT)).json()
    blank = (await cases.http.get("/api/v1/cases", params={"limit": 5, "q": "   "}, headers=AGENT)).json()
    assert blank == plain


async def test_the_case_view_links_the_customers_and_the_devices_other_cases(cases: Cases):
    mobile, serial = new_mobile(), f"SN-HIST-{uuid.uuid4().hex[:8]}"
    first = (await cases.open(customer(intake_body(serial=serial), mobile, "History Customer")))["case_id"]
    await cases.act(first, "cancel", {"reason": "customer will call back"})
    again = (await cases.open(customer(intake_body(serial=serial), mobile, "History Customer")))["case_id"]
    other_device = (await cases.open(customer(intake_body(), mobile, "History Customer")))["case_id"]

    history = (await cases.get(again))["history"]
    assert [c["case_id"] for c in history["customer_cases"]] == [other_device, first]
    assert [c["case_id"] for c in history["device_cases"]] == [first]
    past = history["device_cases"][0]
    assert set(past) == {"case_id", "stage", "status", "created_at", "closed_at"}
    assert (past["stage"], past["status"]) == ("CANCELLED", "cancelled") and past["closed_at"]
    assert (await cases.get(other_device))["history"]["device_cases"] == []


async def test_a_technicians_history_lists_only_their_own_cases(cases: Cases):
    mobile = new_mobile()
    mine, theirs, also_mine = [
        (await cases.open(customer(intake_body(), mobile, "History Tech")))["case_id"] for _ in range(3)
    ]
    for cid, technician in ((mine, "T-001"), (theirs, "T-002"), (also_mine, "T-001")):
        await cases.assign(cid, technician)
    response = await cases.http.get(f"/api/v1/cases/{mine}", headers=TECH)
    assert [c["case_id"] for c in response.json()["history"]["customer_cases"]] == [also_mine]
    assert [c["case_id"] for c in (await cases.get(mine))["history"]["customer_cases"]] == [also_mine, theirs]


async def test_history_holds_at_most_twenty_cases_each(cases: Cases):
    mobile = new_mobile()
    opened = [(await cases.open(customer(intake_body(), mobile, "Frequent Customer")))["case_id"] for _ in range(22)]
    history = (await cases.get(opened[0]))["history"]
    assert [c["case_id"] for c in history["customer_cases"]] == opened[:0:-1][:20]
