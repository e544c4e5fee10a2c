"""Activities against the real PostgreSQL: every write is keyed, so a retried activity
(Temporal runs them at least once) records nothing twice."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.case_records import CaseRecordActivities
from activities.intake import IntakeActivities
from activities.notify import NotifyActivities
from activities.review import ReviewActivities
from models.domain import (
    Actor,
    Callback,
    Customer,
    Diagnosis,
    Fault,
    Handover,
    Intake,
    PartQty,
    Product,
    QcCheck,
    Repair,
)
from models.events import EscalationKind, EventType
from models.payloads import (
    CallbackInput,
    CaseEvent,
    CaseStart,
    DiagnosisInput,
    Escalation,
    EscalationInput,
    HandoverInput,
    IntakeInput,
    Notice,
    OpenCaseInput,
    QcInput,
    QuoteDecisionInput,
    QuoteRequest,
    RepairInput,
    ReviewInput,
    TriageInput,
)
from models.stages import Stage
from models.tables import (
    CallbackRow,
    CaseRow,
    DiagnosisRow,
    EscalationRow,
    HandoverRow,
    NotificationRow,
    QcRow,
    QuoteLineRow,
    QuoteRow,
    RepairRow,
    ReviewRow,
    SlaTargetRow,
    TimelineEventRow,
)

TECH = Actor(role="technician", id="T-001")


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def acts(sessions, settings):
    return (
        IntakeActivities(sessions, settings),
        CaseRecordActivities(sessions, settings),
        ReviewActivities(sessions, settings),
        NotifyActivities(sessions, settings),
    )


async def twice(fn, *args):
    """Run an activity as a first attempt and as a retry of the same event."""
    env = ActivityEnvironment()
    first = await env.run(fn, *args)
    second = await env.run(fn, *args)
    return first, second


async def count(sessions, table, case_id: str) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(table).where(table.case_id == case_id))


def start(serial: str | None = None) -> CaseStart:
    return CaseStart(
        case_id=f"RC-TEST-{uuid.uuid4().hex[:8].upper()}",
        actor=Actor(role="agent", id="dev-agent"),
        intake=Intake(
            channel="web",
            customer=Customer(name="Zhang Wei", phone="13900139000"),
            product=Product(
                category="washer",
                model="XQG100",
                purchase_date=date(2023, 5, 1),
                serial_number=serial or f"SN-{uuid.uuid4().hex[:12]}",
            ),
            fault=Fault(description="leaks water"),
        ),
    )


def event(case_id: str, type_: EventType, stage: Stage, **kw) -> CaseEvent:
    return CaseEvent(case_id=case_id, key=f"{type_}-1", type=type_, at=now(), actor=TECH, stage=stage, **kw)


async def opened(acts) -> str:
    intake, *_ = acts
    s = start()
    env = ActivityEnvironment()
    await env.run(intake.record_intake, IntakeInput(start=s, at=now()))
    await env.run(intake.triage_case, TriageInput(case_id=s.case_id, at=now()))
    return s.case_id


async def test_intake_and_triage_retried_write_once(acts, sessions):
    intake, *_ = acts
    s = start()
    await twice(intake.record_intake, IntakeInput(start=s, at=now()))
    first, second = await twice(intake.triage_case, TriageInput(case_id=s.case_id, at=now()))
    assert first == second and first.warranty == "out_of_warranty" and first.priority == "P3"
    assert await count(sessions, CaseRow, s.case_id) == 1
    assert await count(sessions, TimelineEventRow, s.case_id) == 2
    assert await count(sessions, SlaTargetRow, s.case_id) == 3


def accepted(case_id: str) -> Notice:
    return Notice(
        case_id=case_id,
        key=f"{case_id}:accepted-1",
        audience="customer",
        template="accepted",
        params={"case_id": case_id, "category": "washer", "name": "Zhang Wei", "locale": "en"},
        at=now(),
    )


async def test_the_one_step_intake_retried_writes_once_and_answers_the_same(acts, sessions):
    intake, *_ = acts
    s = start()
    first, second = await twice(intake.open_case, OpenCaseInput(start=s, at=now(), notice=accepted(s.case_id)))
    assert first == second and first.warranty == "out_of_warranty" and first.priority == "P3"
    assert set(first.plans) == {"assigned", "diagnosis_started", "resolved"}
    assert await count(sessions, CaseRow, s.case_id) == 1
    assert await count(sessions, TimelineEventRow, s.case_id) == 2
    assert await count(sessions, SlaTargetRow, s.case_id) == 3
    async with sessions() as session:
        rows = list(await session.scalars(select(NotificationRow).where(NotificationRow.case_id == s.case_id)))
        case = await session.get(CaseRow, s.case_id)
    assert [(r.template, r.audience, r.locale) for r in rows] == [("accepted", "customer", "en")]
    assert case is not None and case.stage == "DISPATCH" and case.priority == "P3"


async def test_the_one_step_intake_of_a_device_already_open_records_nothing(acts, sessions):
    intake, *_ = acts
    first = start()
    await ActivityEnvironment().run(
        intake.open_case, OpenCaseInput(start=first, at=now(), notice=accepted(first.case_id))
    )
    second = start(first.intake.product.serial_number)
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(
            intake.open_case, OpenCaseInput(start=second, at=now(), notice=accepted(second.case_id))
        )
    assert refused.value.type == "DuplicateOpenCase" and refused.value.details == (first.case_id,)
    assert await count(sessions, NotificationRow, second.case_id) == 0
    assert await count(sessions, TimelineEventRow, second.case_id) == 0


async def test_a_second_open_case_for_the_same_serial_is_refused(acts):
    intake, *_ = acts
    first = start()
    await ActivityEnvironment().run(intake.record_intake, IntakeInput(start=first, at=now()))
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(
            intake.record_intake, IntakeInput(start=start(first.intake.product.serial_number), at=now())
        )
    assert refused.value.type == "DuplicateOpenCase" and refused.value.details == (first.case_id,)


async def test_every_record_is_written_once(acts, sessions):
    _, records, review, _ = acts
    cid = await opened(acts)
    quote = await ActivityEnvironment().run(
        records.price_quote,
        QuoteRequest(
            case_id=cid,
            version=1,
            parts=[PartQty(part_number="WSH-DRAIN-PUMP", quantity=2)],
            labor_hours=Decimal("1.5"),
            in_warranty=False,
            on_site=True,
        ),
    )
    assert quote.total > 0 and len(quote.lines) == 3
    diagnosis = Diagnosis(
        fault_cause="pump", parts=[PartQty(part_number="WSH-DRAIN-PUMP", quantity=2)], labor_hours=Decimal("1.5")
    )
    await twice(
        records.record_diagnosis,
        DiagnosisInput(
            event=event(cid, EventType.DIAGNOSED, Stage.QUOTE_APPROVAL),
            seq=1,
            diagnosis=diagnosis,
            quote=quote,
            expires_at=now(),
        ),
    )
    await twice(
        records.record_quote_decision,
        QuoteDecisionInput(event=event(cid, EventType.QUOTE_APPROVED, Stage.REPAIR), version=1, status="approved"),
    )
    await twice(
        records.record_repair,
        RepairInput(event=event(cid, EventType.REPAIRED, Stage.QC), seq=1, repair=Repair(labor_hours=Decimal(1))),
    )
    await twice(
        records.record_qc,
        QcInput(event=event(cid, EventType.QC_PASSED, Stage.HANDOVER), seq=1, qc=QcCheck(passed=True)),
    )
    await twice(
        records.record_handover,
        HandoverInput(
            event=event(cid, EventType.HANDOVER_ACCEPTED, Stage.CALLBACK),
            seq=1,
            handover=Handover(accepted=True, signed_by="Zhang Wei"),
            repaired=True,
        ),
    )
    await twice(
        records.record_escalation,
        EscalationInput(
            event=event(cid, EventType.FOLLOW_UP, Stage.CALLBACK, moves_stage=False),
            escalation=Escalation(kind=EscalationKind.FOLLOW_UP, level=0),
        ),
    )
    await twice(
        records.record_callback,
        CallbackInput(
            event=event(cid, EventType.CALLBACK_REACHED, Stage.REVIEW),
            seq=1,
            outcome="reached",
            callback=Callback(reached=True, csat=4, nps=8),
        ),
    )
    first, second = await twice(
        review.record_review,
        ReviewInput(
            event=event(cid, EventType.REVIEWED, Stage.CLOSED),
            outcome="closed",
            qc_failures=0,
            reworks=0,
            repaired=True,
        ),
    )
    assert first == second and first.first_time_fix is True

    for table in (DiagnosisRow, QuoteRow, RepairRow, QcRow, HandoverRow, EscalationRow, CallbackRow, ReviewRow):
        assert await count(sessions, table, cid) == 1, table.__tablename__
    async with sessions() as session:
        lines = await session.scalar(
            select(func.count()).select_from(QuoteLineRow).join(QuoteRow).where(QuoteRow.case_id == cid)
        )
        case = await session.get(CaseRow, cid)
        quote_row = await session.scalar(select(QuoteRow).where(QuoteRow.case_id == cid))
    assert lines == 3 and quote_row.status == "approved"
    assert (case.stage, case.status) == ("CLOSED", "closed") and case.closed_at is not None
    assert await count(sessions, TimelineEventRow, cid) == 2 + 8


async def test_an_escalation_never_moves_the_stage(acts, sessions):
    _, records, *_ = acts
    cid = await opened(acts)
    await twice(
        records.record_escalation,
        EscalationInput(
            event=event(cid, EventType.SLA_BREACH_ASSIGNED, Stage.QC, moves_stage=False),
            escalation=Escalation(kind=EscalationKind.SLA_BREACH, level=2, target="assigned"),
        ),
    )
    async with sessions() as session:
        case = await session.get(CaseRow, cid)
        target = await session.get(SlaTargetRow, (cid, "assigned"))
    assert case.stage == "DISPATCH" and target.breached_at is not None
    assert (target.level, case.escalation_level, case.sla_breached) == (2, 2, True)


async def test_a_raise_after_the_breach_keeps_the_breach_and_lifts_the_case(acts, sessions):
    """The rung's clock comes back from its own update, beside the case's other clocks."""
    _, records, *_ = acts
    cid = await opened(acts)
    rungs = [(EventType.SLA_BREACH, EscalationKind.SLA_BREACH, 2), (EventType.SLA_RAISE, EscalationKind.SLA_RAISE, 3)]
    for type_, kind, level in rungs:
        await twice(
            records.record_escalation,
            EscalationInput(
                event=event(cid, type_, Stage.DISPATCH, moves_stage=False),
                escalation=Escalation(kind=kind, level=level, target="assigned"),
            ),
        )
    async with sessions() as session:
        case = await session.get(CaseRow, cid)
        clocks = {t.target: t for t in await session.scalars(select(SlaTargetRow).where(SlaTargetRow.case_id == cid))}
    assert (clocks["assigned"].level, case.escalation_level, case.sla_breached) == (3, 3, True)
    assert clocks["assigned"].breached_at is not None  # the raise does not clear it
    assert all(t.level == 0 and t.breached_at is None for name, t in clocks.items() if name != "assigned")


async def test_unknown_part_is_a_field_error(acts):
    _, records, *_ = acts
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(
            records.price_quote,
            QuoteRequest(
                case_id="RC-X",
                version=1,
                parts=[PartQty(part_number="WSH-DRAIN-PUMP", quantity=1), PartQty(part_number="NOPE-1", quantity=1)],
                labor_hours=Decimal(1),
                in_warranty=False,
                on_site=False,
            ),
        )
    assert refused.value.type == "InvalidInput"
    assert refused.value.details[0][0]["field"] == "parts.1.part_number"


async def test_a_notification_is_recorded_and_sent_once(acts, sessions):
    *_, notify = acts
    cid = await opened(acts)
    first, second = await twice(notify.notify, accepted(cid))
    assert first == second == "logged"
    async with sessions() as session:
        rows = list(await session.scalars(select(NotificationRow).where(NotificationRow.case_id == cid)))
    # no channel configured: recorded, in the customer's language, never tried
    assert len(rows) == 1 and rows[0].status == "logged" and rows[0].attempts == 0
    assert rows[0].locale == "en" and cid in rows[0].subject and rows[0].subject.isascii()
    assert "/track/" in rows[0].body and rows[0].short_body
