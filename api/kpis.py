"""The KPI report's SQL: aggregates over the cases of a period, in PostgreSQL, each KPI
with its definition (docs/kpis.md). Resolution-type KPIs count the cases *closed* in the
period, intake-type ones the cases *opened* in it, the backlog the cases open now."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, Subquery, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from api.kpi_schemas import (
    Attainment,
    Backlog,
    Basis,
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
from models.kpis import Component
from models.sla import Target
from models.stages import Stage
from models.tables import (
    CaseKpiRow,
    CaseRow,
    ComplaintRow,
    DeviceRow,
    SlaTargetRow,
    TechnicianRow,
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
    "complaint_rate": "complaints about the cases closed in the period (whenever made), per closed case",
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


def opened(scope: Scope) -> Subquery:
    return (
        _cases(scope, CaseRow.case_id, CaseRow.created_at, CaseRow.repeat_of)
        .where(CaseRow.created_at >= scope.start, CaseRow.created_at < scope.end)
        .subquery("opened")
    )


def _facts(scope: Scope, *columns: Any) -> Select[Any]:
    """The KPI facts (case_kpis) of the ended cases within the filters, which the facts carry
    as the case ended."""
    f, k = scope.filters, CaseKpiRow
    query = select(*columns).select_from(k)
    for column, value in (
        (k.category, f.category),
        (k.region, f.region),
        (k.technician_id, f.technician_id),
        (k.priority, f.priority),
        (k.channel, f.channel),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def closed(scope: Scope) -> Select[Any]:
    """The facts of the cases closed (not cancelled) in the period."""
    k = CaseKpiRow
    return _facts(scope).where(k.outcome == "closed", k.closed_at >= scope.start, k.closed_at < scope.end)


def _spread(x: Any) -> list[Any]:
    return [
        func.count(x),
        func.avg(x),
        func.percentile_cont(0.5).within_group(x),
        func.percentile_cont(0.9).within_group(x),
    ]


def _durations(key: str, basis: Basis, row: Sequence[Any]) -> Durations:
    n, mean, median, p90 = row
    return Durations(definition=DEFINITIONS[key], basis=basis, unit="seconds", n=n, mean=mean, median=median, p90=p90)


async def first_response(session: AsyncSession, scope: Scope) -> Durations:
    """From intake to the `assigned` target met, of the cases opened in the period."""
    met = SlaTargetRow
    query = (
        _cases(scope, *_spread(_seconds(met.met_at, CaseRow.created_at)))
        .join(met, met.case_id == CaseRow.case_id)
        # met after intake, so after the period began: both sides are index ranges
        .where(met.target == Target.ASSIGNED.value, met.met_at >= scope.start)
        .where(CaseRow.created_at >= scope.start, CaseRow.created_at < scope.end)
    )
    return _durations("first_response", "opened", (await session.execute(query)).one())


async def closed_figures(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    """Every KPI of the cases closed in the period but SLA attainment, in one pass over their
    facts: durations, shares, the survey and the complaints about them."""
    k = cb = CaseKpiRow
    complaints = (
        select(func.count()).select_from(ComplaintRow).where(ComplaintRow.case_id == k.case_id).scalar_subquery()
    )
    row = (
        await session.execute(
            closed(scope).with_only_columns(
                *_spread(k.resolved_seconds),
                *_spread(k.mttr_seconds),
                func.count(),
                func.count().filter(k.remote_resolved),
                func.count(k.first_time_fix),
                func.count().filter(k.first_time_fix.is_(True)),
                func.count().filter(k.reserved_parts),
                func.count().filter(k.reserved_parts, ~k.waited_parts),
                func.coalesce(func.sum(complaints), 0),
                func.count(cb.csat),
                func.avg(cb.csat).cast(Float),
                *(func.count().filter(cb.csat == score) for score in range(1, 6)),
                func.count(cb.nps),
                func.count().filter(cb.nps >= kpis.NPS_PROMOTER_AT_LEAST),
                func.count().filter(cb.nps <= kpis.NPS_DETRACTOR_AT_MOST),
                *(f(c) for c in (cb.ces, cb.attitude, cb.professionalism) for f in (func.count, _float_avg)),
                maintain_column_froms=True,
            )
        )
    ).one()
    resolution, repair, shares, answers = row[0:4], row[4:8], row[8:15], row[15:]
    n, remote, repaired, first_time, reserving, at_once, complained = shares
    csat_n, csat_mean, *distribution = answers[:7]
    nps_n, promoters, detractors, ces_n, ces, att_n, att, pro_n, pro = answers[7:]

    def value(key: str, unit: str, whole: int, figure: float | None) -> Value:
        return Value(definition=DEFINITIONS[key], basis="closed", unit=unit, n=whole, value=figure)

    return {
        "resolution_time": _durations("resolution_time", "closed", resolution),
        "mttr": _durations("mttr", "closed", repair),
        "first_contact_resolution": value("first_contact_resolution", "share", n, kpis.share(remote, n)),
        "first_time_fix": value("first_time_fix", "share", repaired, kpis.share(first_time, repaired)),
        "parts_availability": value("parts_availability", "share", reserving, kpis.share(at_once, reserving)),
        "complaint_rate": value("complaint_rate", "complaints per case", n, kpis.share(complained, n)),
        "csat": Csat(
            definition=DEFINITIONS["csat"],
            basis="closed",
            unit="score 1-5",
            n=csat_n,
            value=csat_mean,
            distribution={str(k): c for k, c in enumerate(distribution, start=1)},
        ),
        "nps": value("nps", "points -100 to 100", nps_n, kpis.nps(promoters, detractors, nps_n)),
        "ces": value("ces", "score 1-7", ces_n, ces),
        "attitude": value("attitude", "score 1-5", att_n, att),
        "professionalism": value("professionalism", "score 1-5", pro_n, pro),
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
    """One pass over the facts, grouped by the three clocks' policies (a handful of groups),
    folded here into each target and priority."""
    k = CaseKpiRow
    clocks = (
        (Target.ASSIGNED, k.assigned_policy, k.assigned_ok),
        (Target.DIAGNOSIS_STARTED, k.diagnosis_started_policy, k.diagnosis_started_ok),
        (Target.RESOLVED, k.resolved_policy, k.resolved_ok),
    )
    policies = [policy for _, policy, _ in clocks]
    rows = await session.execute(
        closed(scope)
        .with_only_columns(
            *policies,
            *(f for _, _, ok in clocks for f in (func.count(ok), func.count().filter(ok.is_(True)))),
            maintain_column_froms=True,
        )
        .group_by(*policies)
    )
    tally: dict[tuple[Any, Any], list[int]] = {}
    for row in rows:
        counted: tuple[Any, ...] = tuple(row)
        for i, (target, _, _) in enumerate(clocks):
            n, met = counted[3 + 2 * i], counted[4 + 2 * i]
            if n:
                counts = tally.setdefault((target.value, counted[i]), [0, 0])
                counts[0] += n
                counts[1] += met
    items = [
        Attainment(target=target, priority=policy, n=n, met=met, value=kpis.share(met, n))
        for (target, policy), (n, met) in sorted(tally.items(), key=lambda item: (item[0][0], item[0][1] or "~"))
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

    # the cases held at some time in the period: open now (their clock looked up), or ended
    # after it began (their facts)
    assigned = (
        select(SlaTargetRow.met_at)
        .where(SlaTargetRow.case_id == CaseRow.case_id, SlaTargetRow.target == Target.ASSIGNED.value)
        .scalar_subquery()
    )
    k = CaseKpiRow
    held_cases = union_all(
        _cases(
            scope, CaseRow.technician_id, CaseRow.created_at, assigned.label("assigned_at"), CaseRow.closed_at
        ).where(CaseRow.status == "open", CaseRow.created_at < until),
        _facts(scope, k.technician_id, k.created_at, k.assigned_at, k.closed_at).where(
            k.closed_at > scope.start, k.created_at < until
        ),
    ).subquery("held_cases")
    c = held_cases.c
    began = func.greatest(func.coalesce(c.assigned_at, c.created_at), scope.start)
    ended = func.least(func.coalesce(c.closed_at, until), until)
    held_query = select(func.coalesce(func.sum(func.greatest(_seconds(ended, began), 0.0)), 0.0)).join_from(
        held_cases, team, team.c.technician_id == c.technician_id
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
    """Every KPI of the scope: one pass over the closed cases' facts, one for their SLA
    targets, and one each for the opened cases, the backlog and utilization."""
    figures = await closed_figures(session, scope)
    sla = await sla_attainment(session, scope)
    return KpiReport(
        period_from=scope.start,
        period_to=scope.end,
        filters=scope.filters,
        first_response=await first_response(session, scope),
        repeat_repair_rate=await repeat_rate(session, scope),
        technician_utilization=await utilization(session, scope, now or datetime.now(UTC)),
        sla_attainment=sla,
        backlog=await backlog(session, scope),
        service_score=score(sla, figures["attitude"], figures["professionalism"], figures["csat"]),
        **figures,
    )
