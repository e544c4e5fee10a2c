"""Reading complaints and follow-ups: one with its timeline and clocks, and pages of them,
newest first, by the same cursor as cases."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.complaint_schemas import (
    ClockView,
    ComplaintEventView,
    ComplaintSummary,
    ComplaintView,
    FollowUpView,
)
from api.queries import BadCursor, decode_cursor, encode_cursor
from models.complaints import overdue
from models.tables import ComplaintEventRow, ComplaintRow, FollowUpRow

# follow-up ids are PostgreSQL integers: a cursor's id past them is past every row of its instant
MAX_ID = 2**31 - 1
# a follow-up page's last row: when it was made (microseconds since 1970, UTC) and its id
FOLLOW_UP_CURSOR_PATTERN = r"^[0-9]{1,16}\.[0-9]{1,10}$"


def complaint_overdue(now: datetime) -> ColumnElement[bool]:
    """models.complaints.overdue, in SQL: an open complaint past a deadline it has not met."""
    return and_(
        ComplaintRow.status == "open",
        or_(
            and_(ComplaintRow.called_back_at.is_(None), ComplaintRow.callback_due_at < now),
            ComplaintRow.resolve_due_at < now,
        ),
    )


def _overdue(row: ComplaintRow, now: datetime) -> bool:
    return row.status == "open" and overdue(now, row.callback_due_at, row.called_back_at, row.resolve_due_at)


def _summary(row: ComplaintRow, now: datetime) -> dict[str, Any]:
    fields = ComplaintSummary.model_fields.keys() - {"overdue"}
    return {name: getattr(row, name) for name in fields} | {"overdue": _overdue(row, now)}


async def complaint_view(session: AsyncSession, complaint_id: str, now: datetime) -> ComplaintView | None:
    row = await session.get(ComplaintRow, complaint_id, populate_existing=True)
    if row is None:
        return None
    events = await session.scalars(
        select(ComplaintEventRow)
        .where(ComplaintEventRow.complaint_id == complaint_id)
        .order_by(ComplaintEventRow.at, ComplaintEventRow.id)
    )
    open_ = row.status == "open"
    clocks = {
        "callback": ClockView(
            due_at=row.callback_due_at,
            met_at=row.called_back_at,
            overdue=open_ and row.called_back_at is None and now > row.callback_due_at,
        ),
        "resolve": ClockView(
            due_at=row.resolve_due_at, met_at=row.closed_at, overdue=open_ and now > row.resolve_due_at
        ),
    }
    return ComplaintView(
        **_summary(row, now),
        description=row.description,
        opened_by=row.opened_by,
        clocks=clocks,
        outcome_reason=row.outcome_reason,
        compensation_type=row.compensation_type,
        compensation_amount=row.compensation_amount,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        timeline=[ComplaintEventView.model_validate(e) for e in events],
    )


async def complaint_page(
    session: AsyncSession,
    filters: dict[str, Any],
    is_overdue: bool | None,
    limit: int,
    cursor: str | None,
    now: datetime,
) -> tuple[list[ComplaintSummary], str | None]:
    query = select(ComplaintRow)
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(ComplaintRow, column) == value)
    if is_overdue is not None:
        late = complaint_overdue(now)
        query = query.where(late if is_overdue else ~late)
    if cursor:
        query = query.where(tuple_(ComplaintRow.created_at, ComplaintRow.complaint_id) < decode_cursor(cursor))
    query = query.order_by(ComplaintRow.created_at.desc(), ComplaintRow.complaint_id.desc()).limit(limit + 1)
    rows = list(await session.scalars(query))
    items = [ComplaintSummary(**_summary(row, now)) for row in rows[:limit]]
    more = len(rows) > limit
    return items, encode_cursor(items[-1].created_at, items[-1].complaint_id) if more else None


def follow_up_view(row: FollowUpRow, now: datetime) -> FollowUpView:
    late = row.status == "open" and now > row.deadline
    return FollowUpView.model_validate(
        {name: getattr(row, name) for name in FollowUpView.model_fields.keys() - {"overdue"}} | {"overdue": late}
    )


async def follow_up_page(
    session: AsyncSession,
    filters: dict[str, Any],
    is_overdue: bool | None,
    limit: int,
    cursor: str | None,
    now: datetime,
) -> tuple[list[FollowUpView], str | None]:
    """Newest first, by (created_at, id)."""
    query = select(FollowUpRow)
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(FollowUpRow, column) == value)
    if is_overdue is not None:
        late = and_(FollowUpRow.status == "open", FollowUpRow.deadline < now)
        query = query.where(late if is_overdue else ~late)
    if cursor:
        at, last = decode_cursor(cursor)
        if not last.isdigit():
            raise BadCursor("invalid cursor")
        if int(last) > MAX_ID:
            query = query.where(FollowUpRow.created_at <= at)
        else:
            query = query.where(tuple_(FollowUpRow.created_at, FollowUpRow.id) < (at, int(last)))
    query = query.order_by(FollowUpRow.created_at.desc(), FollowUpRow.id.desc()).limit(limit + 1)
    rows = list(await session.scalars(query))
    items = [follow_up_view(row, now) for row in rows[:limit]]
    more = len(rows) > limit
    return items, encode_cursor(items[-1].created_at, str(items[-1].id)) if more else None
