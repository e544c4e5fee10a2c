"""Fault codes: a per-category list, and the diagnosis that names one beside its text."""

from tests.integration.cases import AGENT, TECH, Cases


async def test_the_fault_codes_of_a_category(http):
    washer = await http.get("/api/v1/fault-codes", params={"category": "washer"}, headers=TECH)
    assert washer.status_code == 200
    codes = {c["code"]: c for c in washer.json()["items"]}
    assert codes["WSH-NO-DRAIN"] == {
        "code": "WSH-NO-DRAIN",
        "category": "washer",
        "name": "Does not drain",
        "name_zh": "不排水",
    }
    assert {c["category"] for c in codes.values()} == {"washer"}
    every = (await http.get("/api/v1/fault-codes", headers=AGENT)).json()["items"]
    assert {c["category"] for c in every} == {"washer", "fridge", "air_conditioner", "tv", "phone", "laptop"}
    assert (await http.get("/api/v1/fault-codes", params={"category": "toaster"}, headers=AGENT)).status_code == 422
    assert (await http.get("/api/v1/fault-codes")).status_code == 401


async def test_a_diagnosis_names_a_fault_code_of_its_category(cases: Cases):
    case = await cases.open()
    cid = case["case_id"]
    await cases.assign(cid)
    body = {"fault_cause": "Drain pump blocked", "parts": [], "labor_hours": "1"}
    for code, reason in (("FRG-LEAK", "for washer"), ("WSH-NOPE", "no fault code WSH-NOPE")):
        refused = await cases.act(cid, "diagnosis", body | {"fault_code": code}, TECH, status=422)
        assert (
            refused["error"]["fields"][0]["field"] == "fault_code"
            and reason in refused["error"]["fields"][0]["message"]
        )
    bad_form = await cases.act(cid, "diagnosis", body | {"fault_code": "lower case"}, TECH, status=422)
    assert bad_form["error"]["fields"][0]["field"] == "fault_code"
    assert (await cases.get(cid))["diagnosis"] is None
    diagnosed = await cases.act(cid, "diagnosis", body | {"fault_code": "WSH-NO-DRAIN"}, TECH)
    assert diagnosed["diagnosis"]["fault_code"] == "WSH-NO-DRAIN"
