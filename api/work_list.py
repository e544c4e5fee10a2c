"""A technician's work list: their open cases, the most urgent first. Urgency is the case's
earliest running SLA deadline, as on the supervisors' at-risk board: a clock not yet met
and not paused (a breached one stays, its deadline past)."""

import re
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.queries import EPOCH, BadCursor
from api.schemas import ProductView, WorkItem
from models.tables import CaseRow, CustomerRow, DeviceRow, SlaTargetRow

NO_DEADLINE = "-"
# a page's last case: its next deadline (microseconds since 1970, UTC; `-` for none) and its id
CURSOR_PATTERN = rf"^(?:[0-9]{{1,16}}|{NO_DEADLINE})\.[A-Za-z0-9-]{{1,32}}$"
CURSOR_LENGTH = 16 + 1 + 32


def encode_cursor(deadline: datetime | None, case_id: str) -> str:
    micros = NO_DEADLINE if deadline is None else str((deadline - EPOCH) // timedelta(microseconds=1))
    return f"{micros}.{case_id}"


def decode_cursor(cursor: str) -> tuple[datetime | None, str]:
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise BadCursor("invalid cursor")
    micros, case_id = cursor.split(".", 1)
    return None if micros == NO_DEADLINE else EPOCH + timedelta(microseconds=int(micros)), case_id


def next_deadline() -> ColumnElement[datetime]:
    """The case's earliest running deadline (ix_sla_targets_running)."""
    return (
        select(func.min(SlaTargetRow.deadline))
        .where(SlaTargetRow.case_id == CaseRow.case_id, SlaTargetRow.met_at.is_(None), SlaTargetRow.paused_at.is_(None))
        .scalar_subquery()
    )


async def work_list(
    session: AsyncSession, technician_id: str, limit: int, cursor: str | None
) -> tuple[list[WorkItem], str | None]:
    """By (next deadline, case id), cases with no running deadline last."""
    cases = (
        select(
            CaseRow.case_id,
            CaseRow.stage,
            CaseRow.priority,
            CustomerRow.name.label("customer_name"),
            CaseRow.region,
            DeviceRow.category,
            DeviceRow.model,
            DeviceRow.serial_number,
            DeviceRow.purchase_date,
            next_deadline().label("next_deadline"),
            CaseRow.visit_from,
            CaseRow.visit_by,
            CaseRow.arrived_at,
        )
        .join(CustomerRow, CustomerRow.id == CaseRow.customer_id)
        .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
        .where(CaseRow.technician_id == technician_id, CaseRow.status == "open")
        .subquery()
    )
    query = select(cases)
    if cursor:
        deadline, case_id = decode_cursor(cursor)
        due, none = cases.c.next_deadline, cases.c.next_deadline.is_(None)
        if deadline is None:  # among the cases without a deadline, at the end
            query = query.where(none, cases.c.case_id > case_id)
        else:
            query = query.where(or_(none, due > deadline, and_(due == deadline, cases.c.case_id > case_id)))
    rows = (
        await session.execute(
            query.order_by(cases.c.next_deadline.asc().nulls_last(), cases.c.case_id).limit(limit + 1)
        )
    ).all()
    items = [
        WorkItem.model_validate({**row._mapping, "product": ProductView.model_validate(row._mapping)})
        for row in rows[:limit]
    ]
    more = len(rows) > limit
    return items, encode_cursor(items[-1].next_deadline, items[-1].case_id) if more else None
