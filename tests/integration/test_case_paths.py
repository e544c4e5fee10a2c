"""Every path of the case lifecycle (docs/lifecycle.md), driven through the REST API against a
real Temporal dev server, worker and PostgreSQL."""

from decimal import Decimal

from sqlalchemy import select

from models.tables import EscalationRow, NotificationRow, ReviewRow
from tests.integration.cases import SUPERVISOR, TECH, in_warranty_date, intake_body

PUMP = "WSH-DRAIN-PUMP"


async def test_out_of_warranty_repair_from_intake_to_closed(cases, sessions):
    case = await cases.open()
    cid = case["case_id"]
    assert (case["stage"], case["status"], case["priority"], case["warranty"]) == (
        "DISPATCH",
        "open",
        "P3",
        "out_of_warranty",
    )
    assert set(case["sla"]["targets"]) == {"assigned", "diagnosis_started", "resolved"}

    await cases.assign(cid)
    case = await cases.diagnose(cid, [(PUMP, 1)], hours="1.5")
    quote = case["quote"]
    assert case["stage"] == "QUOTE_APPROVAL" and quote["status"] == "pending"
    kinds = [line["kind"] for line in quote["lines"]]
    assert kinds == ["part", "labor", "fee"]
    assert Decimal(quote["total"]) == sum(Decimal(line["amount"]) for line in quote["lines"]) > 0

    assert (await cases.decide(cid, True))["stage"] == "REPAIR"
    await cases.repair(cid, [(PUMP, 1)])
    assert (await cases.qc(cid, True))["stage"] == "HANDOVER"
    assert (await cases.handover(cid))["stage"] == "CALLBACK"
    case = await cases.callback(cid, csat=5, nps=9)
    assert (case["stage"], case["status"]) == ("CLOSED", "closed")
    assert case["closed_at"] and case["callback"]["csat"] == 5

    types = [e["type"] for e in await cases.timeline(cid)]
    assert types[:3] == ["case_created", "triaged", "technician_assigned"]
    assert types[-2:] == ["callback_reached", "reviewed"]
    async with sessions() as session:
        review = await session.get(ReviewRow, cid)
        assert review.first_time_fix is True and review.sla_met is True and review.csat == 5
        assert review.metrics["first_response_seconds"] > 0
        assert {"DISPATCH", "DIAGNOSIS", "QUOTE_APPROVAL", "REPAIR", "QC", "HANDOVER", "CALLBACK"} <= set(
            review.metrics["stage_seconds"]
        )
        sent = set(await session.scalars(select(NotificationRow.template).where(NotificationRow.case_id == cid)))
    assert {"accepted", "technician_assigned", "quote_ready", "repair_started", "ready_for_handover", "closed"} <= sent


async def test_in_warranty_quote_is_zero_and_auto_approved(cases):
    case = await cases.to_quote(intake_body(purchase_date=in_warranty_date()))
    assert case["warranty"] == "in_warranty"
    assert case["stage"] == "REPAIR"
    assert case["quote"]["status"] == "auto_approved" and Decimal(case["quote"]["total"]) == 0
    assert all(Decimal(line["amount"]) == 0 for line in case["quote"]["lines"])


async def test_declined_quote_returns_the_device_unrepaired(cases, sessions):
    case = await cases.to_quote()
    cid = case["case_id"]
    case = await cases.decide(cid, False)
    assert case["stage"] == "HANDOVER" and case["quote"]["status"] == "declined"
    # nothing was repaired, so a rework cannot be asked for
    body = {"accepted": False, "signed_by": "Wang Fang", "resolution": "rework"}
    await cases.act(cid, "handover", body, status=422)
    case = await cases.handover(cid)
    assert case["stage"] == "CALLBACK" and case["handover"]["repaired"] is False
    case = await cases.callback(cid)
    assert case["stage"] == "CLOSED"
    async with sessions() as session:
        assert (await session.get(ReviewRow, cid)).first_time_fix is None


async def test_qc_failures_loop_back_to_repair_and_escalate_on_the_third(cases, sessions):
    case = await cases.to_quote()
    cid = case["case_id"]
    await cases.decide(cid, True)
    for attempt in range(1, 4):
        await cases.repair(cid)
        case = await cases.qc(cid, False)
        assert case["stage"] == "REPAIR" and case["qc"]["failures"] == attempt
    await cases.repair(cid)
    assert (await cases.qc(cid, True))["stage"] == "HANDOVER"
    async with sessions() as session:
        kinds = list(await session.scalars(select(EscalationRow.kind).where(EscalationRow.case_id == cid)))
    assert kinds == ["qc_rework_limit"]
    await cases.handover(cid)
    await cases.callback(cid)
    async with sessions() as session:
        assert (await session.get(ReviewRow, cid)).first_time_fix is False


async def test_refused_handover_sends_the_device_back_to_rework(cases):
    case = await cases.to_quote()
    cid = case["case_id"]
    await cases.decide(cid, True)
    await cases.repair(cid)
    await cases.qc(cid, True)
    case = await cases.handover(cid, accepted=False, resolution="rework")
    assert case["stage"] == "REPAIR"
    await cases.repair(cid)
    await cases.qc(cid, True)
    assert (await cases.handover(cid))["stage"] == "CALLBACK"


async def test_refused_handover_with_compensation_goes_to_callback(cases):
    case = await cases.to_quote()
    cid = case["case_id"]
    await cases.decide(cid, True)
    await cases.repair(cid)
    await cases.qc(cid, True)
    case = await cases.handover(cid, accepted=False, resolution="compensation")
    assert case["stage"] == "CALLBACK" and case["handover"]["resolution"] == "compensation"


async def test_remote_guidance_resolved_goes_straight_to_callback(cases):
    case = await cases.open(intake_body(category="tv", service_mode="remote"))
    cid = case["case_id"]
    assert case["stage"] == "REMOTE_GUIDANCE"
    case = await cases.act(cid, "remote-resolution", {"resolved": True, "notes": "factory reset fixed it"})
    assert case["stage"] == "CALLBACK"
    assert all(t["status"] == "met" for t in case["sla"]["targets"].values())
    assert (await cases.callback(cid))["stage"] == "CLOSED"


async def test_remote_guidance_not_resolved_is_dispatched(cases):
    case = await cases.open(intake_body(category="tv", service_mode="remote"))
    cid = case["case_id"]
    case = await cases.act(cid, "remote-resolution", {"resolved": False, "notes": "no picture still"})
    assert case["stage"] == "DISPATCH" and case["service_mode"] == "on_site"
    await cases.assign(cid)


async def test_cancel_from_open_stages_records_the_review(cases, sessions):
    for stop in ("DISPATCH", "QUOTE_APPROVAL"):
        case = await cases.open() if stop == "DISPATCH" else await cases.to_quote()
        cid = case["case_id"]
        case = await cases.act(cid, "cancel", {"reason": "customer bought a new one"}, SUPERVISOR)
        assert (case["stage"], case["status"]) == ("CANCELLED", "cancelled")
        async with sessions() as session:
            assert (await session.get(ReviewRow, cid)).outcome == "cancelled"
        await cases.act(cid, "cancel", {"reason": "again"}, status=409)


async def test_unreached_callback_then_low_score_opens_a_follow_up(cases, sessions):
    case = await cases.to_quote()
    cid = case["case_id"]
    await cases.decide(cid, True)
    await cases.repair(cid)
    await cases.qc(cid, True)
    await cases.handover(cid)
    case = await cases.callback(cid, reached=False)
    assert case["stage"] == "CALLBACK"
    case = await cases.callback(cid, csat=2, nps=3)
    assert case["stage"] == "CLOSED"
    async with sessions() as session:
        kinds = list(await session.scalars(select(EscalationRow.kind).where(EscalationRow.case_id == cid)))
        review = await session.get(ReviewRow, cid)
    assert kinds == ["follow_up"] and review.csat == 2


async def test_a_new_diagnosis_replaces_the_quote_and_needs_a_new_approval(cases):
    case = await cases.to_quote()
    cid = case["case_id"]
    case = await cases.diagnose(cid, [(PUMP, 2)], hours="2")
    assert case["stage"] == "QUOTE_APPROVAL" and case["quote"]["version"] == 2
    stale = await cases.act(cid, "quote/decision", {"approved": True, "quote_version": 1}, status=422)
    assert stale["error"]["fields"][0]["field"] == "quote_version"
    case = await cases.decide(cid, True, quote_version=2)
    assert case["stage"] == "REPAIR"


async def test_a_repeat_repair_is_in_warranty_p2_and_linked(cases):
    first = await cases.to_quote()
    cid = first["case_id"]
    serial = first["product"]["serial_number"]
    await cases.decide(cid, True)
    await cases.repair(cid)
    await cases.qc(cid, True)
    await cases.handover(cid)
    await cases.callback(cid)
    again = await cases.open(intake_body(serial=serial))
    assert (again["warranty"], again["priority"], again["repeat_of"]) == ("in_warranty", "P2", cid)


async def test_a_safety_hazard_is_p1(cases):
    case = await cases.open(intake_body(category="air_conditioner", safety_hazard=True))
    assert case["priority"] == "P1"


async def test_technician_sees_only_assigned_cases(cases):
    case = await cases.open()
    cid = case["case_id"]
    await cases.assign(cid, "T-002")
    body = {"fault_cause": "x", "parts": [], "labor_hours": "1"}
    error = await cases.act(cid, "diagnosis", body, TECH, status=404)
    assert error["error"] == {"code": "not_found", "message": f"case {cid} not found"}
    assert (await cases.get(cid))["stage"] == "DIAGNOSIS"
