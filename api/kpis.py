"""The KPI report's SQL: aggregates over the cases of a period, in PostgreSQL, each KPI
with its definition (docs/kpis.md). Resolution-type KPIs count the cases *closed* in the
period, intake-type ones the cases *opened* in it, the backlog the cases open now."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, Subquery, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.kpi_schemas import (
    Attainment,
    Backlog,
    Csat,
    Durations,
    Filters,
    KpiReport,
    ScoreComponent,
    ServiceScore,
    SlaAttainment,
    StageCount,
    Value,
)
from models import kpis
from models.events import EventType
from models.kpis import Component
from models.sla import Target
from models.stages import Stage
from models.tables import (
    CallbackRow,
    CaseRow,
    DeviceRow,
    PartReservationRow,
    ReviewRow,
    SlaTargetRow,
    TechnicianRow,
    TimelineEventRow,
)

DEFINITIONS = {
    "first_response": "intake to the `assigned` SLA target met (a technician assigned, or resolved remotely)",
    "resolution_time": "intake to the `resolved` SLA target met (handed back, compensated or resolved remotely)",
    "first_contact_resolution": "share of closed cases resolved remotely, without a visit (`remote_resolved`)",
    "first_time_fix": "share of closed, repaired cases with no QC failure and no rework (reviews.first_time_fix)",
    "csat": "mean satisfaction (1-5) of the customers reached at the callback",
    "nps": "% promoters (9-10) minus % detractors (0-6) of the customers reached at the callback",
    "ces": "mean customer effort (1-7, lower is easier) of the customers reached at the callback",
    "attitude": "mean rating (1-5) of the technician's attitude at the callback",
    "professionalism": "mean rating (1-5) of the technician's professionalism at the callback",
    "complaint_rate": "complaints per closed case",
    "mttr": "first `diagnosed` to the last `repaired` event, of closed cases repaired at least once",
    "repeat_repair_rate": "share of opened cases that triage found to repeat a recent repair (cases.repeat_of)",
    "parts_availability": "share of closed cases that reserved parts for an approved quote and never waited "
    "for one (never in WAITING_PARTS)",
    "technician_utilization": "case-hours the technicians held in the period (assignment to close, or now) "
    "over their capacity × the period's hours up to now",
    "sla_attainment": "share of the SLA targets of closed cases met without a breach on record, per target and "
    "the priority whose budget the clock ran on",
    "backlog": "open cases now, by stage (the period does not apply)",
}
SCORE_DEFINITION = (
    "weighted 0-100: response 10 %, attitude 20 %, professionalism 25 %, resolution efficiency 30 %, "
    "satisfaction 15 %; a component without data is left out and the other weights scaled up"
)
SCORE_SOURCES = {
    Component.RESPONSE: "sla_attainment (assigned)",
    Component.ATTITUDE: "attitude",
    Component.PROFESSIONALISM: "professionalism",
    Component.RESOLUTION: "sla_attainment (resolved)",
    Component.SATISFACTION: "csat",
}
NOT_RECORDED = "not recorded yet"
OPEN_STAGE_ORDER = [s for s in Stage if s not in (Stage.CLOSED, Stage.CANCELLED)]


@dataclass(frozen=True)
class Scope:
    start: datetime
    end: datetime
    filters: Filters


def _seconds(later: Any, earlier: Any) -> ColumnElement[float]:
    return func.extract("epoch", later - earlier).cast(Float)


def _cases(scope: Scope, *columns: Any) -> Select[Any]:
    """The cases within the filters (not the period)."""
    f, query = scope.filters, select(*columns).select_from(CaseRow)
    if f.category is not None:
        query = query.join(DeviceRow, DeviceRow.id == CaseRow.device_id).where(DeviceRow.category == f.category)
    for column, value in (
        (CaseRow.region, f.region),
        (CaseRow.technician_id, f.technician_id),
        (CaseRow.priority, f.priority),
        (CaseRow.channel, f.channel),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def closed(scope: Scope) -> Subquery:
    return (
        _cases(scope, CaseRow.case_id, CaseRow.created_at)
        .where(CaseRow.status == "closed", CaseRow.closed_at >= scope.start, CaseRow.closed_at < scope.end)
        .subquery("closed")
    )


def opened(scope: Scope) -> Subquery:
    return (
        _cases(scope, CaseRow.case_id, CaseRow.created_at, CaseRow.repeat_of)
        .where(CaseRow.created_at >= scope.start, CaseRow.created_at < scope.end)
        .subquery("opened")
    )


def _event(case_id: Any, type_: EventType) -> Any:
    return exists().where(TimelineEventRow.case_id == case_id, TimelineEventRow.type == type_.value)


async def _durations(session: AsyncSession, x: ColumnElement[float], query: Select[Any], key: str) -> Durations:
    row = (
        await session.execute(
            query.with_only_columns(
                func.count(x),
                func.avg(x),
                func.percentile_cont(0.5).within_group(x),
                func.percentile_cont(0.9).within_group(x),
                maintain_column_froms=True,
            )
        )
    ).one()
    basis = "opened" if key == "first_response" else "closed"
    return Durations(
        definition=DEFINITIONS[key], basis=basis, unit="seconds", n=row[0], mean=row[1], median=row[2], p90=row[3]
    )


async def met_in(session: AsyncSession, cases: Subquery, target: Target, key: str) -> Durations:
    """From intake to the target met, of the cases given."""
    met = SlaTargetRow.met_at
    query = (
        select(cases.c.case_id)
        .join(SlaTargetRow, SlaTargetRow.case_id == cases.c.case_id)
        .where(SlaTargetRow.target == target.value, met.is_not(None))
    )
    return await _durations(session, _seconds(met, cases.c.created_at), query, key)


async def mttr(session: AsyncSession, scope: Scope) -> Durations:
    cases, te = closed(scope), TimelineEventRow
    per_case = (
        select(
            func.min(te.at).filter(te.type == EventType.DIAGNOSED.value).label("diagnosed"),
            func.max(te.at).filter(te.type == EventType.REPAIRED.value).label("repaired"),
        )
        .join(cases, cases.c.case_id == te.case_id)
        .where(te.type.in_([EventType.DIAGNOSED.value, EventType.REPAIRED.value]))
        .group_by(te.case_id)
        .subquery()
    )
    query = select(per_case.c.repaired).where(per_case.c.diagnosed.is_not(None), per_case.c.repaired.is_not(None))
    return await _durations(session, _seconds(per_case.c.repaired, per_case.c.diagnosed), query, "mttr")


async def closed_shares(session: AsyncSession, scope: Scope) -> dict[str, Value]:
    """First-contact resolution, first-time fix, parts availability and the (absent) complaints."""
    cases = closed(scope)
    reserved = exists().where(PartReservationRow.case_id == cases.c.case_id)
    # an event that left the case waiting for a part (the approval itself, when one was short)
    short = exists().where(
        TimelineEventRow.case_id == cases.c.case_id, TimelineEventRow.stage == Stage.WAITING_PARTS.value
    )
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(_event(cases.c.case_id, EventType.REMOTE_RESOLVED)),
                func.count(ReviewRow.first_time_fix),
                func.count().filter(ReviewRow.first_time_fix.is_(True)),
                func.count().filter(reserved),
                func.count().filter(and_(reserved, ~short)),
            )
            .select_from(cases)
            .outerjoin(ReviewRow, ReviewRow.case_id == cases.c.case_id)
        )
    ).one()
    n, remote, repaired, first_time, reserving, at_once = row

    def value(key: str, part: int, whole: int) -> Value:
        return Value(definition=DEFINITIONS[key], basis="closed", unit="share", n=whole, value=kpis.share(part, whole))

    return {
        "first_contact_resolution": value("first_contact_resolution", remote, n),
        "first_time_fix": value("first_time_fix", first_time, repaired),
        "parts_availability": value("parts_availability", at_once, reserving),
        "complaint_rate": Value(
            definition=DEFINITIONS["complaint_rate"], basis="closed", unit="share", n=0, value=None, note=NOT_RECORDED
        ),
    }


async def survey(session: AsyncSession, scope: Scope) -> dict[str, Value]:
    """The callback's answers of the cases closed in the period (one reached callback each)."""
    cases, cb = closed(scope), CallbackRow
    scores = [func.count().filter(cb.csat == k) for k in range(1, 6)]
    row = (
        await session.execute(
            select(
                func.count(cb.csat),
                func.avg(cb.csat).cast(Float),
                *scores,
                func.count(cb.nps),
                func.count().filter(cb.nps >= kpis.NPS_PROMOTER_AT_LEAST),
                func.count().filter(cb.nps <= kpis.NPS_DETRACTOR_AT_MOST),
                *(f(c) for c in (cb.ces, cb.attitude, cb.professionalism) for f in (func.count, _float_avg)),
            )
            .select_from(cases)
            .join(cb, and_(cb.case_id == cases.c.case_id, cb.outcome == "reached"))
        )
    ).one()
    csat_n, csat_mean, *distribution = row[:7]
    nps_n, promoters, detractors, ces_n, ces, att_n, att, pro_n, pro = row[7:]

    def mean(key: str, unit: str, n: int, value: float | None) -> Value:
        return Value(definition=DEFINITIONS[key], basis="closed", unit=unit, n=n, value=value)

    return {
        "csat": Csat(
            definition=DEFINITIONS["csat"],
            basis="closed",
            unit="score 1-5",
            n=csat_n,
            value=csat_mean,
            distribution={str(k): c for k, c in enumerate(distribution, start=1)},
        ),
        "nps": mean("nps", "points -100 to 100", nps_n, kpis.nps(promoters, detractors, nps_n)),
        "ces": mean("ces", "score 1-7", ces_n, ces),
        "attitude": mean("attitude", "score 1-5", att_n, att),
        "professionalism": mean("professionalism", "score 1-5", pro_n, pro),
    }


def _float_avg(column: Any) -> Any:
    return func.avg(column).cast(Float)


async def repeat_rate(session: AsyncSession, scope: Scope) -> Value:
    cases = opened(scope)
    n, repeats = (await session.execute(select(func.count(), func.count(cases.c.repeat_of)))).one()
    return Value(
        definition=DEFINITIONS["repeat_repair_rate"], basis="opened", unit="share", n=n, value=kpis.share(repeats, n)
    )


async def sla_attainment(session: AsyncSession, scope: Scope) -> SlaAttainment:
    cases, t = closed(scope), SlaTargetRow
    rows = (
        await session.execute(
            select(
                t.target, t.policy, func.count(), func.count().filter(t.met_at.is_not(None), t.breached_at.is_(None))
            )
            .join(cases, cases.c.case_id == t.case_id)
            .group_by(t.target, t.policy)
            .order_by(t.target, t.policy)
        )
    ).all()
    items = [
        Attainment(target=target, priority=policy, n=n, met=met, value=kpis.share(met, n))
        for target, policy, n, met in rows
    ]
    return SlaAttainment(
        definition=DEFINITIONS["sla_attainment"], basis="closed", unit="share", n=sum(i.n for i in items), items=items
    )


async def backlog(session: AsyncSession, scope: Scope) -> Backlog:
    rows = dict(
        (
            await session.execute(
                _cases(scope, CaseRow.stage, func.count()).where(CaseRow.status == "open").group_by(CaseRow.stage)
            )
        ).all()
    )
    items = [StageCount(stage=s, count=rows[s.value]) for s in OPEN_STAGE_ORDER if s.value in rows]
    return Backlog(definition=DEFINITIONS["backlog"], basis="now", unit="cases", n=sum(rows.values()), items=items)


async def utilization(session: AsyncSession, scope: Scope, now: datetime) -> Value:
    """Held case-hours over capacity-hours, of the active technicians within the
    technician and region filters, up to now."""
    f, tech = scope.filters, TechnicianRow
    techs = select(tech.technician_id, tech.capacity).where(tech.active)
    if f.technician_id is not None:
        techs = techs.where(tech.technician_id == f.technician_id)
    if f.region is not None:
        techs = techs.where(tech.region == f.region)
    team = techs.subquery("team")
    people, capacity = (await session.execute(select(func.count(), func.coalesce(func.sum(team.c.capacity), 0)))).one()
    until = min(scope.end, now)
    hours = max(0.0, (until - scope.start).total_seconds() / 3600)

    assigned = SlaTargetRow
    began = func.greatest(func.coalesce(assigned.met_at, CaseRow.created_at), scope.start)
    ended = func.least(func.coalesce(CaseRow.closed_at, until), until)
    held_query = (
        _cases(scope, func.coalesce(func.sum(func.greatest(_seconds(ended, began), 0.0)), 0.0))
        .join(team, team.c.technician_id == CaseRow.technician_id)
        .outerjoin(assigned, and_(assigned.case_id == CaseRow.case_id, assigned.target == Target.ASSIGNED.value))
        .where(CaseRow.created_at < until, or_(CaseRow.closed_at.is_(None), CaseRow.closed_at > scope.start))
    )
    held = (await session.scalar(held_query)) or 0.0
    return Value(
        definition=DEFINITIONS["technician_utilization"],
        basis="held",
        unit="share",
        n=people,
        value=kpis.share(held / 3600, capacity * hours) if capacity * hours else None,  # type: ignore[arg-type]
    )


def score(sla: SlaAttainment, attitude: Value, professionalism: Value, csat: Value) -> ServiceScore:
    def attainment(target: Target) -> float | None:
        rows = [i for i in sla.items if i.target == target.value]
        return kpis.share(sum(i.met for i in rows), sum(i.n for i in rows))

    made = kpis.service_score(
        response_attainment=attainment(Target.ASSIGNED),
        attitude=attitude.value,
        professionalism=professionalism.value,
        resolution_attainment=attainment(Target.RESOLVED),
        csat=csat.value,
    )
    return ServiceScore(
        definition=SCORE_DEFINITION,
        value=made.value,
        components=[
            ScoreComponent(
                name=s.component,
                weight=s.weight,
                source=SCORE_SOURCES[s.component],
                mapping=kpis.MAPPINGS[s.component],
                raw=s.raw,
                value=s.value,
            )
            for s in made.components
        ],
    )


async def report(session: AsyncSession, scope: Scope, now: datetime | None = None) -> KpiReport:
    """Every KPI of the scope, one query each (two for utilization)."""
    shares = await closed_shares(session, scope)
    answers = await survey(session, scope)
    sla = await sla_attainment(session, scope)
    return KpiReport(
        period_from=scope.start,
        period_to=scope.end,
        filters=scope.filters,
        first_response=await met_in(session, opened(scope), Target.ASSIGNED, "first_response"),
        resolution_time=await met_in(session, closed(scope), Target.RESOLVED, "resolution_time"),
        mttr=await mttr(session, scope),
        repeat_repair_rate=await repeat_rate(session, scope),
        technician_utilization=await utilization(session, scope, now or datetime.now(UTC)),
        sla_attainment=sla,
        backlog=await backlog(session, scope),
        service_score=score(sla, answers["attitude"], answers["professionalism"], answers["csat"]),
        **shares,
        **answers,
    )
