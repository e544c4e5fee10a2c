"""The dashboard's figures beyond the KPI report: the weekly trends (an aggregate per family
of series, grouped by week in PostgreSQL), the open complaints and follow-ups, and the newest
review. The trends follow the KPI definitions (docs/kpis.md): resolution is intake to the
`resolved` target met, of the cases closed that week, read from their KPI facts."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Float, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import CaseKpiRow, CaseRow, ComplaintRow, FollowUpRow, ReviewReportRow
from models.trends import Weekly, laid_on, rounded, weeks


def _week(column: Any) -> Any:
    # truncated in UTC whatever the session's zone, as models.trends counts weeks
    return func.date_trunc("week", func.timezone("UTC", column)).label("week")


def _utc(week: datetime) -> datetime:
    return week.replace(tzinfo=UTC)


async def weekly(session: AsyncSession, now: datetime) -> Weekly:
    """The last weeks' opened and closed cases, median resolution hours, CSAT and SLA
    attainment: the opened from the cases, the rest in one pass over the closed cases' KPI
    facts, as the KPI report counts them."""
    starts = weeks(now)
    start = starts[0]
    week = _week(CaseRow.created_at)
    opened = (await session.execute(select(week, func.count()).where(CaseRow.created_at >= start).group_by(week))).all()

    k = CaseKpiRow
    closed_week = _week(k.closed_at)
    oks = (k.assigned_ok, k.diagnosis_started_ok, k.resolved_ok)
    closed = (
        await session.execute(
            select(
                closed_week,
                func.count(),
                func.percentile_cont(0.5).within_group(k.resolved_seconds / 3600),
                func.avg(k.csat.cast(Float)),
                sum((func.count(ok) for ok in oks), start=literal(0)),
                sum((func.count().filter(ok.is_(True)) for ok in oks), start=literal(0)),
            )
            .where(k.outcome == "closed", k.closed_at >= start)
            .group_by(closed_week)
        )
    ).all()
    return Weekly(
        starts=starts,
        opened=laid_on(starts, {_utc(w): n for w, n in opened}, empty=0),
        closed=laid_on(starts, {_utc(w): n for w, n, *_ in closed}, empty=0),
        resolution_hours=rounded(laid_on(starts, {_utc(w): h for w, _, h, *_ in closed}, empty=None), 1),
        csat=rounded(laid_on(starts, {_utc(w): m for w, _, _, m, *_ in closed if m is not None}, empty=None), 2),
        sla_attainment=rounded(
            laid_on(starts, {_utc(w): 100 * met / n for w, *_, n, met in closed if n}, empty=None), 1
        ),
    )


@dataclass(frozen=True)
class OpenWork:
    complaints: int
    follow_ups: int


async def open_work(session: AsyncSession) -> OpenWork:
    complaints = select(func.count()).select_from(ComplaintRow).where(ComplaintRow.status == "open")
    follow_ups = select(func.count()).select_from(FollowUpRow).where(FollowUpRow.status == "open")
    row = (await session.execute(select(complaints.scalar_subquery(), follow_ups.scalar_subquery()))).one()
    return OpenWork(complaints=row[0], follow_ups=row[1])


async def latest_review(session: AsyncSession) -> ReviewReportRow | None:
    query = select(ReviewReportRow).order_by(ReviewReportRow.created_at.desc(), ReviewReportRow.review_id).limit(1)
    return (await session.scalars(query)).first()
