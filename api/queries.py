"""The API's read queries: cases as it shows them, from what the activities recorded in
PostgreSQL (the API never writes case state)."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    Select,
    String,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api import search
from api.auth import Principal
from api.schemas import (
    HISTORY_LENGTH,
    AtRiskItem,
    CallbackView,
    CaseHistory,
    CaseSummary,
    CaseView,
    CustomerView,
    DiagnosisView,
    FaultView,
    HandoverView,
    PastCase,
    ProductView,
    QcView,
    QuoteLineView,
    QuoteView,
    RepairView,
    SlaTargetView,
    SlaView,
    TimelineEventView,
    VisitView,
)
from models.domain import Role
from models.sla import Target
from models.tables import (
    CallbackRow,
    CaseRow,
    CustomerRow,
    DeviceRow,
    DiagnosisRow,
    HandoverRow,
    QcRow,
    QuoteLineRow,
    QuoteRow,
    RepairRow,
    SlaTargetRow,
    TimelineEventRow,
)


def sla_status(target: SlaTargetRow) -> str:
    if target.breached_at is not None:
        return "breached"  # a late finish keeps the breach on record
    return "met" if target.met_at is not None else "pending"


def sla_target_view(t: SlaTargetRow) -> SlaTargetView:
    return SlaTargetView(
        deadline=t.deadline,
        warn_at=t.warn_at,
        escalate_at=t.escalate_at,
        met_at=t.met_at,
        breached_at=t.breached_at,
        status=sla_status(t),
        level=t.level,
        calendar=t.calendar,
        paused=t.paused_at is not None,
        paused_seconds=t.paused_seconds,
        extended_seconds=t.extended_seconds,
    )


def _latest(record: Any, order: Any) -> Any:
    """The case's latest `record` by `order`, joined beside the case (None when it has none)."""
    return aliased(
        record, select(record).where(record.case_id == CaseRow.case_id).order_by(order.desc()).limit(1).lateral()
    )


def _latest_qc() -> tuple[Any, Any]:
    """The latest QC result and how many of the case's results failed."""
    failures = func.count().filter(~QcRow.passed).over().label("failures")
    latest = select(QcRow, failures).where(QcRow.case_id == CaseRow.case_id).order_by(QcRow.seq.desc()).limit(1)
    sub = latest.lateral()
    return aliased(QcRow, sub), sub.c.failures


def _case_with_latest() -> Select:
    latest = [
        _latest(DiagnosisRow, DiagnosisRow.seq),
        _latest(RepairRow, RepairRow.seq),
        _latest(HandoverRow, HandoverRow.seq),
        _latest(CallbackRow, CallbackRow.seq),
        _latest(QuoteRow, QuoteRow.version),
    ]
    qc, failures = _latest_qc()
    query = (
        select(CaseRow, CustomerRow, DeviceRow, *latest, qc, failures)
        .join(CustomerRow, CustomerRow.id == CaseRow.customer_id)
        .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
    )
    for record in [*latest, qc]:
        query = query.outerjoin(record, true())
    return query.where(CaseRow.case_id == bindparam("case_id"))


CASE_WITH_LATEST = _case_with_latest()


async def case_view(session: AsyncSession, case_id: str, seen_by: Principal | None = None) -> CaseView | None:
    """The case as `seen_by` may see it: their history lists only the other cases they may
    see. Without a caller, only the cases of this case's technician, which anyone who may see
    this case may see."""
    # the case and the latest of each of its records in one round trip: this view answers
    # every intake and every action
    found = (await session.execute(CASE_WITH_LATEST, {"case_id": case_id})).first()
    if found is None:
        return None
    case, customer, device, diagnosis, repair, handover, callback, quote, qc_row, qc_failures = found
    lines = (
        []
        if quote is None
        else list(
            await session.scalars(
                select(QuoteLineRow).where(QuoteLineRow.quote_id == quote.id).order_by(QuoteLineRow.line_no)
            )
        )
    )
    qc = (qc_row, qc_failures) if qc_row is not None else None
    targets = list(await session.scalars(select(SlaTargetRow).where(SlaTargetRow.case_id == case_id)))

    sla_targets = {t.target: sla_target_view(t) for t in targets}
    running = [t.deadline for t in targets if t.met_at is None and t.breached_at is None and t.paused_at is None]
    return CaseView(
        case_id=case.case_id,
        status=case.status,
        stage=case.stage,
        priority=case.priority,
        channel=case.channel,
        warranty=case.warranty,
        service_mode=case.service_mode,
        repeat_of=case.repeat_of,
        technician_id=case.technician_id,
        # contact and device details as they are now; the fault as reported for this case
        customer=CustomerView.model_validate(customer),
        product=ProductView.model_validate(device),
        fault=FaultView.model_validate(case.intake["fault"]),
        diagnosis=DiagnosisView.model_validate(diagnosis) if diagnosis else None,
        quote=QuoteView.model_validate({**_columns(quote), "lines": [QuoteLineView.model_validate(x) for x in lines]})
        if quote
        else None,
        repair=RepairView.model_validate(repair) if repair else None,
        qc=QcView.model_validate({**_columns(qc[0]), "failures": qc[1]}) if qc else None,
        handover=HandoverView.model_validate(handover) if handover else None,
        callback=CallbackView.model_validate(callback) if callback else None,
        sla=SlaView(
            targets=sla_targets,
            breached=case.sla_breached or any(t.status == "breached" for t in sla_targets.values()),
            escalation_level=case.escalation_level,
            next_deadline=min(running, default=None),
        ),
        created_at=case.created_at,
        updated_at=case.updated_at,
        closed_at=case.closed_at,
        region=case.region,
        visit=VisitView(visit_from=case.visit_from, visit_by=case.visit_by, arrived_at=case.arrived_at),
        history=await _history(session, case, seen_by),
    )


def _history_query(technician_only: bool) -> Any:
    """The customer's and the device's other cases (`list` says which), newest first; with
    `technician_only`, only those of the technician bound as :technician_id."""
    lists = {
        "customer_cases": CaseRow.customer_id == bindparam("customer_id"),
        "device_cases": CaseRow.device_id == bindparam("device_id"),
    }
    parts = []
    for name, same in lists.items():
        query = select(
            literal(name).label("list"),
            CaseRow.case_id,
            CaseRow.stage,
            CaseRow.status,
            CaseRow.created_at,
            CaseRow.closed_at,
        ).where(same, CaseRow.case_id != bindparam("case_id"))
        if technician_only:
            query = query.where(CaseRow.technician_id == bindparam("technician_id"))
        newest = query.order_by(CaseRow.created_at.desc(), CaseRow.case_id.desc()).limit(HISTORY_LENGTH)
        parts.append(select(newest.subquery()))
    both = union_all(*parts)
    return both.order_by(both.selected_columns.created_at.desc(), both.selected_columns.case_id.desc())


# built once: this view answers every intake and action
HISTORY = {technician_only: _history_query(technician_only) for technician_only in (False, True)}


async def _history(session: AsyncSession, case: CaseRow, seen_by: Principal | None) -> CaseHistory:
    """The customer's and the device's other cases that `seen_by` may see, newest first, in
    one round trip."""
    technician_only = seen_by is None or seen_by.role is Role.TECHNICIAN
    params = {"customer_id": case.customer_id, "device_id": case.device_id, "case_id": case.case_id}
    if technician_only:
        params["technician_id"] = seen_by.technician_id if seen_by else case.technician_id
    found: dict[str, list[PastCase]] = {"customer_cases": [], "device_cases": []}
    for row in await session.execute(HISTORY[technician_only], params):
        found[row.list].append(PastCase.model_validate(row._mapping))
    return CaseHistory(**found)


def _columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


# ---- lists ---------------------------------------------------------------------


class BadCursor(ValueError):
    pass


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# a page's last case: when it was created, in microseconds since 1970 (UTC), and its id. Every
# text of this form is a place in the list (the OpenAPI description gives the pattern), so
# a cursor is refused only when it is not of this form
CURSOR_PATTERN = r"^[0-9]{1,16}\.[A-Za-z0-9-]{1,32}$"
CURSOR_LENGTH = 16 + 1 + 32


def encode_cursor(created_at: datetime, case_id: str) -> str:
    return f"{(created_at - EPOCH) // timedelta(microseconds=1)}.{case_id}"


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise BadCursor("invalid cursor")
    micros, case_id = cursor.split(".", 1)
    return EPOCH + timedelta(microseconds=int(micros)), case_id


def summary_query() -> Select:
    return (
        select(
            CaseRow.case_id,
            CaseRow.status,
            CaseRow.stage,
            CaseRow.priority,
            CaseRow.channel,
            CaseRow.warranty,
            DeviceRow.category.label("product_category"),
            DeviceRow.serial_number,
            CustomerRow.name.label("customer_name"),
            CaseRow.technician_id,
            CaseRow.sla_breached,
            CaseRow.created_at,
            CaseRow.updated_at,
        )
        .join(DeviceRow, DeviceRow.id == CaseRow.device_id)
        .join(CustomerRow, CustomerRow.id == CaseRow.customer_id)
    )


async def case_page(
    session: AsyncSession, filters: dict[str, Any], limit: int, cursor: str | None, q: str | None = None
) -> tuple[list[CaseSummary], str | None]:
    """Newest first, by (created_at, case_id), so pages stay stable while cases arrive."""
    query = summary_query()
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(CaseRow, column) == value)
    if q:
        query = query.where(await search.matching(session, q))
    if cursor:
        query = query.where(tuple_(CaseRow.created_at, CaseRow.case_id) < decode_cursor(cursor))
    rows = (
        await session.execute(query.order_by(CaseRow.created_at.desc(), CaseRow.case_id.desc()).limit(limit + 1))
    ).all()
    items = [CaseSummary.model_validate(row._mapping) for row in rows[:limit]]
    more = len(rows) > limit
    return items, encode_cursor(items[-1].created_at, items[-1].case_id) if more else None


async def timeline(session: AsyncSession, case_id: str) -> list[TimelineEventView]:
    events = await session.scalars(
        select(TimelineEventRow)
        .where(TimelineEventRow.case_id == case_id)
        .order_by(TimelineEventRow.at, TimelineEventRow.id)
    )
    return [TimelineEventView.model_validate(e) for e in events]


async def at_risk(session: AsyncSession, now: datetime, limit: int) -> list[AtRiskItem]:
    """Running SLA clocks of open cases, the least time left first: each case once, by its
    most urgent unmet target (a breached one stays listed, with negative time left).

    The clocks are walked in deadline order (ix_sla_targets_running_deadline), a batch at a
    time, until `limit` open cases are found: a case has at most one clock per target, so a
    batch of limit × len(Target) clocks holds `limit` cases, each met first at its most
    urgent clock. Only the clocks an ended case left unmet (a cancelled case's) can make a
    batch fall short. A clock runs out after it started, and starts at its case's triage:
    the walk starts at the oldest open case's intake, past the clocks of the cases ended
    before it (bar a clock whose deadline was set before its start, which moves the start
    back to it: ix_sla_targets_running_early keeps those apart). So the board reads about
    the same rows however many cases are open or have ended; a join of the open cases with
    their clocks, sorted, would read them all."""
    running = (SlaTargetRow.met_at.is_(None), SlaTargetRow.paused_at.is_(None))
    early = (
        select(func.min(SlaTargetRow.deadline))
        .where(*running, or_(SlaTargetRow.started_at.is_(None), SlaTargetRow.deadline < SlaTargetRow.started_at))
        .scalar_subquery()
    )
    # 'open' written out: a parameter would keep a prepared statement's generic plan off the partial index
    is_open = CaseRow.status == literal_column("'open'")
    oldest_open = select(func.min(CaseRow.created_at)).where(is_open).scalar_subquery()
    first_open, first_early = (await session.execute(select(oldest_open, early))).one()
    if first_open is None:
        return []
    start = min(first_open, first_early or first_open)
    batch, after = limit * len(Target), None
    clock_order = (SlaTargetRow.deadline, SlaTargetRow.case_id, SlaTargetRow.target)
    found: dict[str, AtRiskItem] = {}
    looked: set[str] = set()
    while len(found) < limit:
        query = select(SlaTargetRow.case_id, SlaTargetRow.target, SlaTargetRow.deadline, SlaTargetRow.level).where(
            *running, SlaTargetRow.deadline >= start
        )
        if after is not None:
            query = query.where(tuple_(*clock_order) > after)
        clocks = (await session.execute(query.order_by(*clock_order).limit(batch))).all()
        fresh = {clock.case_id for clock in clocks} - looked
        looked |= fresh
        # by primary key alone, the status checked here: the open cases' index would be read whole;
        # one array, so that every batch is one prepared statement whatever its size
        cases = {
            row.case_id: row
            for row in await session.execute(
                select(
                    CaseRow.case_id,
                    CaseRow.status,
                    CaseRow.stage,
                    CaseRow.priority,
                    CaseRow.technician_id,
                    CaseRow.escalation_level,
                ).where(CaseRow.case_id == any_(bindparam("fresh", sorted(fresh), type_=ARRAY(String))))
            )
            if row.status == "open"
        }
        for clock in clocks:
            case = cases.pop(clock.case_id, None)  # its first clock in the walk is its most urgent
            if case is not None and len(found) < limit:
                found[clock.case_id] = AtRiskItem(
                    case_id=case.case_id,
                    stage=case.stage,
                    priority=case.priority,
                    technician_id=case.technician_id,
                    escalation_level=case.escalation_level,
                    target=clock.target,
                    deadline=clock.deadline,
                    level=clock.level,
                    seconds_left=(clock.deadline - now).total_seconds(),
                )
        if len(clocks) < batch:
            break
        after = (clocks[-1].deadline, clocks[-1].case_id, clocks[-1].target)
    return list(found.values())
