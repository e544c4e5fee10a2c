"""Compensation at handover: its type and amount are recorded, and above the configured
amount only a supervisor records it (their approval)."""

from decimal import Decimal

from tests.integration.cases import AGENT, SUPERVISOR, Cases


async def at_handover(cases: Cases) -> str:
    case = await cases.to_quote()
    cid = case["case_id"]
    await cases.decide(cid, True)
    await cases.repair(cid)
    await cases.qc(cid, True)
    return cid


async def test_compensation_has_a_type_and_an_amount(cases: Cases):
    cid = await at_handover(cases)
    refused = {"accepted": False, "signed_by": "Wang Fang", "resolution": "compensation"}
    missing = await cases.act(cid, "handover", refused, status=422)
    assert "compensation" in missing["error"]["message"] or missing["error"]["fields"]
    odd = await cases.act(cid, "handover", refused | {"compensation": {"type": "cash", "amount": 1}}, status=422)
    assert odd["error"]["fields"][0]["field"] == "compensation.type"
    stray = {"accepted": True, "signed_by": "Wang Fang", "compensation": {"type": "voucher", "amount": 5}}
    assert (await cases.act(cid, "handover", stray, status=422))["error"]["code"] == "validation_error"
    case = await cases.handover(
        cid, accepted=False, resolution="compensation", compensation={"type": "refund", "amount": "199.90"}
    )
    assert case["stage"] == "CALLBACK"
    assert case["handover"]["compensation_type"] == "refund"
    assert Decimal(case["handover"]["compensation_amount"]) == Decimal("199.90")


async def test_a_large_compensation_needs_a_supervisor(cases: Cases):
    cid = await at_handover(cases)
    large = {"type": "replacement", "amount": 3200}
    forbidden = await cases.act(
        cid,
        "handover",
        {"accepted": False, "signed_by": "Wang Fang", "resolution": "compensation", "compensation": large},
        AGENT,
        status=403,
    )
    assert "supervisor" in forbidden["error"]["message"]
    assert (await cases.get(cid))["stage"] == "HANDOVER"
    case = await cases.handover(cid, accepted=False, resolution="compensation", headers=SUPERVISOR, compensation=large)
    assert case["stage"] == "CALLBACK" and case["handover"]["actor"] == "supervisor:dev-supervisor"
