"""What a customer may know about their case, read in one place: their tracking page shows
it and their messages are written from it. Nothing here names staff ids, internal notes,
escalations or SLA clocks; the timeline is cut down to CUSTOMER_EVENTS and a few of their
data fields."""

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, bindparam, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.domain import Category
from models.events import CUSTOMER_EVENTS, EventType
from models.messages import QuoteLineText, QuoteText
from models.sla import Target
from models.stages import CaseStatus, Stage, status_of
from models.tables import (
    CaseRow,
    CustomerRow,
    DeviceRow,
    HandoverRow,
    QuoteLineRow,
    QuoteRow,
    SlaTargetRow,
    StaffContactRow,
    TechnicianRow,
    TimelineEventRow,
)

# the data fields of an event a customer may see; any other field stays inside
SAFE_DATA: dict[EventType, tuple[str, ...]] = {
    EventType.TRIAGED: ("warranty", "service_mode"),
    EventType.DIAGNOSED: ("version", "total"),
    EventType.QUOTE_APPROVED: ("version",),
    EventType.QUOTE_DECLINED: ("version",),
    EventType.QUOTE_EXPIRED: ("version",),
    EventType.APPOINTMENT_SET: ("visit_from", "visit_by"),
}


class Milestone(BaseModel):
    type: EventType
    at: datetime
    data: dict[str, Any] = {}


class CaseFacts(BaseModel):
    case_id: str
    stage: Stage
    status: CaseStatus
    category: Category
    product_model: str
    customer_name: str
    locale: str  # zh-CN | en
    technician_name: str | None = None
    technician_phone: str | None = None
    # the visit window: from the assignment to the first-visit deadline, while it is still ahead
    visit_from: datetime | None = None
    visit_by: datetime | None = None
    quote: QuoteText | None = None
    # pending | approved | auto_approved | declined | expired | superseded
    quote_status: str | None = None
    # the repaired parts' warranty, once a repaired device was handed back
    warranty_until: date | None = None
    milestones: list[Milestone] = []


def _case_with_records() -> Select:
    quote = aliased(
        QuoteRow,
        select(QuoteRow)
        .where(QuoteRow.case_id == CaseRow.case_id)
        .order_by(QuoteRow.version.desc())
        .limit(1)
        .lateral(),
    )
    visit_by = select(SlaTargetRow.deadline).where(
        SlaTargetRow.case_id == CaseRow.case_id,
        SlaTargetRow.target == Target.DIAGNOSIS_STARTED.value,
        SlaTargetRow.met_at.is_(None),
    )
    handed_back = (
        select(HandoverRow.at)
        .where(HandoverRow.case_id == CaseRow.case_id, HandoverRow.accepted, HandoverRow.repaired)
        .order_by(HandoverRow.seq.desc())
        .limit(1)
    )
    assigned = (
        select(TimelineEventRow.at)
        .where(
            TimelineEventRow.case_id == CaseRow.case_id,
            TimelineEventRow.type == EventType.TECHNICIAN_ASSIGNED.value,
        )
        .order_by(TimelineEventRow.at.desc(), TimelineEventRow.id.desc())
        .limit(1)
    )
    return (
        select(
            CaseRow,
            CustomerRow,
            DeviceRow,
            quote,
            visit_by.scalar_subquery().label("visit_by"),
            handed_back.scalar_subquery().label("handed_back"),
            assigned.scalar_subquery().label("assigned"),
        )
        .join(CustomerRow, CustomerRow.id == CaseRow.customer_id)
        .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
        .outerjoin(quote, true())
        .where(CaseRow.case_id == bindparam("case_id"))
    )


CASE_WITH_RECORDS = _case_with_records()
MILESTONES = (
    select(TimelineEventRow)
    .where(
        TimelineEventRow.case_id == bindparam("case_id"),
        TimelineEventRow.type.in_([e.value for e in CUSTOMER_EVENTS]),
    )
    .order_by(TimelineEventRow.at, TimelineEventRow.id)
)


async def case_facts(
    session: AsyncSession, case_id: str, *, warranty_days: int, milestones: bool = True
) -> CaseFacts | None:
    """None for an unknown case. `warranty_days`: settings.repaired_part_warranty_days.
    Without `milestones` (a message, which names none) the timeline is not read."""
    # the case, its latest quote, the visit's deadline, the last repaired handback and the
    # last assignment in one round trip: every message of the case is written from these
    found = (await session.execute(CASE_WITH_RECORDS, {"case_id": case_id})).first()
    if found is None:
        return None
    case, customer, device, quote_row, visit_deadline, handed_back, assigned = found
    events = list(await session.scalars(MILESTONES, {"case_id": case_id})) if milestones else []
    name, phone = await _technician(session, case.technician_id)
    quote, quote_status = await _quote(session, quote_row)
    return CaseFacts(
        case_id=case.case_id,
        stage=Stage(case.stage),
        status=status_of(Stage(case.stage)),
        category=Category(device.category),
        product_model=device.model,
        customer_name=customer.name,
        locale=customer.locale,
        technician_name=name,
        technician_phone=phone,
        # the window agreed with the customer, else from the assignment to the first-visit deadline
        visit_from=case.visit_from or assigned,
        visit_by=case.visit_by or visit_deadline,
        quote=quote,
        quote_status=quote_status,
        # the day as triage counts it for a repeat repair (models.triage.repeat_repair): in UTC
        warranty_until=handed_back.date() + timedelta(days=warranty_days) if handed_back else None,
        milestones=[_milestone(e) for e in events],
    )


def _milestone(event: TimelineEventRow) -> Milestone:
    kind = EventType(event.type)
    safe = SAFE_DATA.get(kind, ())
    return Milestone(type=kind, at=event.at, data={k: v for k, v in event.data.items() if k in safe})


async def _technician(session: AsyncSession, technician_id: str | None) -> tuple[str | None, str | None]:
    """Name and phone: the staff contact's when there is one, else the name the catalog gives."""
    if technician_id is None:
        return None, None
    contact = await session.get(StaffContactRow, technician_id)
    if contact is not None:
        return contact.name, contact.phone
    technician = await session.get(TechnicianRow, technician_id)
    return (technician.name if technician else None), None


async def _quote(session: AsyncSession, quote: QuoteRow | None) -> tuple[QuoteText | None, str | None]:
    if quote is None:
        return None, None
    lines = await session.scalars(
        select(QuoteLineRow).where(QuoteLineRow.quote_id == quote.id).order_by(QuoteLineRow.line_no)
    )
    text = QuoteText(
        version=quote.version,
        lines=[
            QuoteLineText(description=x.description, quantity=x.quantity, unit_price=x.unit_price, amount=x.amount)
            for x in lines
        ],
        total=quote.total,
        currency=quote.currency,
        in_warranty=quote.in_warranty,
        expires_at=quote.expires_at,
    )
    return text, quote.status
