"""Supervisors: the service KPIs of a period, from the recorded cases (docs/kpis.md)."""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import Principal, role
from api.deps import Db
from api.errors import invalid, responses
from api.kpi_schemas import Filters, KpiReport
from api.kpis import Scope, report
from api.schemas import NO_NUL
from models import kpis
from models.domain import Category, Channel, Priority, Role

router = APIRouter(prefix="/api/v1/metrics", tags=["kpis"])

When = datetime | date  # datetime first: a date-only string becomes its midnight, an offset is kept
WHEN = "a date (its midnight, UTC) or a datetime (UTC unless it has a zone)"


@router.get(
    "/kpis",
    response_model=KpiReport,
    response_model_by_alias=True,
    summary="Service KPIs and the weighted service score of a period",
    responses=responses(401, 403, 422),
)
async def get_kpis(
    _: Annotated[Principal, Depends(role(Role.SUPERVISOR, what="see the KPIs"))],
    session: Db,
    period_from: Annotated[When, Query(alias="from", description=WHEN)],
    period_to: Annotated[When, Query(alias="to", description=f"exclusive; {WHEN}")],
    category: Category | None = None,
    region: Annotated[str | None, Query(min_length=1, max_length=64, pattern=NO_NUL)] = None,
    technician_id: Annotated[str | None, Query(min_length=1, max_length=32, pattern=NO_NUL)] = None,
    priority: Priority | None = None,
    channel: Channel | None = None,
) -> KpiReport:
    """Resolution-type KPIs count the cases closed in [from, to), intake-type ones the cases
    opened in it; the backlog is the open cases now. At most 400 days."""
    start, end = kpis.as_instant(period_from), kpis.as_instant(period_to)
    if problem := kpis.span_problem(start, end):
        raise invalid([{"field": "to", "message": problem}])
    filters = Filters(category=category, region=region, technician_id=technician_id, priority=priority, channel=channel)
    return await report(session, Scope(start, end, filters))
