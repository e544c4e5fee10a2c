"""The report of a periodic review, from the recorded cases (docs/reviews.md): the KPI
report judged against its targets, the most common fault codes, the bottleneck stage, SLA
breaches, and the follow-ups and complaints still open."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.kpi_schemas import Filters
from api.kpis import Scope, report
from api.review_schemas import (
    Bottleneck,
    BreachCount,
    FaultCodeCount,
    ModelCount,
    OpenComplaints,
    OpenFollowUps,
    ReviewReport,
    SeverityCount,
    SlaBreaches,
    StageMedian,
    TargetStanding,
)
from models.kpi_targets import judge
from models.periodic_review import CompileInput, Period, StageVisit, period_label, stage_medians, time_in_stages
from models.periodic_review import top_fault_codes as tally_fault_codes
from models.tables import (
    CaseRow,
    ComplaintRow,
    DeviceRow,
    DiagnosisRow,
    FaultCodeRow,
    FollowUpRow,
    SlaTargetRow,
    TimelineEventRow,
)

BOTTLENECK = (
    "of the cases closed in the period, the median time each stage held a case (from the event that "
    "left the case in it to the case's next event, summed per case); the longest median is the bottleneck"
)
BREACHES = "SLA targets breached in the period (sla_targets.breached_at), by the priority whose budget ran and target"


def targets(kpis: dict) -> list[TargetStanding]:
    return [
        TargetStanding(
            kpi=j.target.kpi,
            label=j.target.label,
            figure=j.target.figure,
            direction=j.target.direction,
            goal=j.target.goal,
            unit=j.target.unit,
            actual=j.actual,
            standing=j.standing,
        )
        for j in judge(kpis)
    ]


async def fault_codes(session: AsyncSession, period: Period) -> list[FaultCodeCount]:
    """The codes named by the diagnoses recorded in the period, counted once per case."""
    d = DiagnosisRow
    rows = await session.execute(
        select(d.fault_code, DeviceRow.model, func.count(d.case_id.distinct()))
        .join(CaseRow, CaseRow.case_id == d.case_id)
        .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
        .where(d.fault_code.is_not(None), d.at >= period.start, d.at < period.end)
        .group_by(d.fault_code, DeviceRow.model)
    )
    # the query leaves out the diagnoses without a code
    top = tally_fault_codes((code or "", model, n) for code, model, n in rows.tuples())
    names = {
        row.code: row
        for row in await session.scalars(select(FaultCodeRow).where(FaultCodeRow.code.in_([t.code for t in top])))
    }
    return [
        FaultCodeCount(
            code=t.code,
            name=names[t.code].name if t.code in names else None,
            name_zh=names[t.code].name_zh if t.code in names else None,
            category=names[t.code].category if t.code in names else None,
            cases=t.cases,
            models=[ModelCount(model=m, cases=n) for m, n in t.models],
        )
        for t in top
    ]


async def bottleneck(session: AsyncSession, period: Period) -> Bottleneck:
    te = TimelineEventRow
    closed = (
        select(CaseRow.case_id)
        .where(CaseRow.status == "closed", CaseRow.closed_at >= period.start, CaseRow.closed_at < period.end)
        .subquery()
    )
    rows = await session.execute(
        select(te.case_id, te.at, te.stage).join(closed, closed.c.case_id == te.case_id).order_by(te.case_id, te.id)
    )
    medians = stage_medians(time_in_stages(StageVisit(c, at, stage) for c, at, stage in rows.tuples()))
    return Bottleneck(
        definition=BOTTLENECK,
        stage=medians[0].stage if medians else None,
        stages=[StageMedian(stage=m.stage, cases=m.cases, median_seconds=m.median_seconds) for m in medians],
    )


async def sla_breaches(session: AsyncSession, period: Period) -> SlaBreaches:
    t = SlaTargetRow
    rows = await session.execute(
        select(t.policy, t.target, func.count())
        .where(t.breached_at >= period.start, t.breached_at < period.end)
        .group_by(t.policy, t.target)
        .order_by(t.policy, t.target)
    )
    items = [BreachCount(priority=p, target=target, breaches=n) for p, target, n in rows.tuples()]
    return SlaBreaches(definition=BREACHES, total=sum(i.breaches for i in items), items=items)


async def follow_ups(session: AsyncSession, at: datetime) -> OpenFollowUps:
    f = FollowUpRow
    n, overdue = (
        await session.execute(select(func.count(), func.count().filter(f.deadline < at)).where(f.status == "open"))
    ).one()
    return OpenFollowUps(open=n, overdue=overdue)


async def complaints(session: AsyncSession, at: datetime) -> OpenComplaints:
    c = ComplaintRow
    rows = await session.execute(
        select(
            c.severity,
            func.count(),
            func.count().filter(c.called_back_at.is_(None), c.callback_due_at < at),
            func.count().filter(c.resolve_due_at < at),
        )
        .where(c.status == "open")
        .group_by(c.severity)
        .order_by(c.severity)
    )
    items = [
        SeverityCount(severity=s, open=n, callback_overdue=late_call, resolution_overdue=late)
        for s, n, late_call, late in rows.tuples()
    ]
    return OpenComplaints(
        open=sum(i.open for i in items),
        callback_overdue=sum(i.callback_overdue for i in items),
        resolution_overdue=sum(i.resolution_overdue for i in items),
        by_severity=items,
    )


async def compile_report(session: AsyncSession, given: CompileInput) -> ReviewReport:
    period = Period(given.period_from, given.period_to)
    kpis = await report(session, Scope(period.start, period.end, Filters()), given.at)
    answered = kpis.model_dump(mode="json", by_alias=True)
    judged = targets(answered)
    return ReviewReport(
        review_id=given.review_id,
        kind=given.kind,
        period_from=period.start,
        period_to=period.end,
        period=period_label(period, given.timezone),
        timezone=given.timezone,
        compiled_at=given.at,
        score=kpis.service_score.value,
        targets_missed=sum(1 for t in judged if t.standing == "missed"),
        targets=judged,
        kpis=answered,
        top_fault_codes=await fault_codes(session, period),
        bottleneck=await bottleneck(session, period),
        sla_breaches=await sla_breaches(session, period),
        follow_ups=await follow_ups(session, given.at),
        complaints=await complaints(session, given.at),
    )
