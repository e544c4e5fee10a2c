"""Timers that run for days — quote expiry, callback due and unreachable, SLA breach —
on the time-skipping test server, through the same API, worker and PostgreSQL."""

from datetime import timedelta

from sqlalchemy import select

from models.tables import EscalationRow, NotificationRow
from tests.integration.cases import intake_body
from tests.integration.running import eventually


async def stage_becomes(cases, case_id: str, stage: str) -> dict:
    async def check():
        case = await cases.get(case_id)
        return case if case["stage"] == stage else None

    case = await eventually(check)
    assert case, f"{case_id} never reached {stage}: {(await cases.get(case_id))['stage']}"
    return case


async def test_an_unanswered_quote_expires_after_seven_days(ts_cases, time_skipping_env, sessions):
    case = await ts_cases.to_quote()
    cid = case["case_id"]
    await time_skipping_env.sleep(timedelta(days=6))
    assert (await ts_cases.get(cid))["stage"] == "QUOTE_APPROVAL"
    await time_skipping_env.sleep(timedelta(days=1, hours=1))
    case = await stage_becomes(ts_cases, cid, "HANDOVER")
    assert case["quote"]["status"] == "expired"
    assert "quote_expired" in [e["type"] for e in await ts_cases.timeline(cid)]


async def test_callback_falls_due_then_becomes_unreachable(ts_cases, time_skipping_env, sessions):
    case = await ts_cases.to_quote()
    cid = case["case_id"]
    await ts_cases.decide(cid, True)
    await ts_cases.repair(cid)
    await ts_cases.qc(cid, True)
    await ts_cases.handover(cid)
    await time_skipping_env.sleep(timedelta(days=3, minutes=5))

    async def survey_sent():
        async with sessions() as session:
            return await session.scalar(
                select(NotificationRow.id).where(
                    NotificationRow.case_id == cid, NotificationRow.template == "callback_survey"
                )
            )

    assert await eventually(survey_sent)
    assert (await ts_cases.get(cid))["stage"] == "CALLBACK"

    await time_skipping_env.sleep(timedelta(days=7, minutes=5))
    case = await stage_becomes(ts_cases, cid, "CLOSED")
    assert case["callback"]["outcome"] == "unreachable"


async def test_an_unassigned_p1_case_breaches_its_sla(ts_cases, time_skipping_env, sessions):
    case = await ts_cases.open(intake_body(category="fridge", safety_hazard=True))
    cid = case["case_id"]
    assert case["priority"] == "P1" and case["sla"]["breached"] is False
    await time_skipping_env.sleep(timedelta(minutes=16))

    async def breached():
        current = await ts_cases.get(cid)
        return current if current["sla"]["breached"] else None

    case = await eventually(breached)
    assert case, "the assigned target never breached"
    assert case["sla"]["targets"]["assigned"]["status"] == "breached"
    assert case["sla"]["targets"]["resolved"]["status"] == "pending"
    assert case["sla"]["escalation_level"] == 2
    async with sessions() as session:
        rows = list(
            await session.scalars(select(EscalationRow).where(EscalationRow.case_id == cid).order_by(EscalationRow.at))
        )
    assert [(r.kind, r.target) for r in rows] == [("sla_warn", "assigned"), ("sla_breach", "assigned")]

    handle = time_skipping_env.client.get_workflow_handle(cid)
    attributes = {pair.key.name: pair.value for pair in (await handle.describe()).typed_search_attributes}
    assert attributes["SlaBreached"] is True and attributes["CasePriority"] == "P1"

    # assigning late keeps the breach on record and the later targets still count
    case = await ts_cases.assign(cid)
    assert case["sla"]["targets"]["assigned"]["status"] == "breached"
    assert case["sla"]["targets"]["diagnosis_started"]["status"] == "pending"
