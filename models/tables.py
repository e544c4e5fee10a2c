"""SQLAlchemy tables. Activities write them, the API reads them; they never travel
through Temporal. Every table class is named after its table, in the singular, with the
suffix `Row` (CaseRow is a row of `cases`), so it never shares a name with a payload."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Json = JSON().with_variant(JSONB(), "postgresql")
Money = Numeric(12, 2)
TS = DateTime(timezone=True)
# open cases a technician holds at once, unless a supervisor or the reference data says otherwise
DEFAULT_CAPACITY = 5


class Base(DeclarativeBase):
    pass


class CustomerRow(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    # the phone's national digits (models.phones.normalize), however it was written: what search matches
    phone_digits: Mapped[str | None] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    locale: Mapped[str] = mapped_column(String(8))
    tier: Mapped[str] = mapped_column(String(16))
    wechat_openid: Mapped[str | None] = mapped_column(String(64))
    # the channels to reach them on, first choice first (models.messages.ContactChannel values)
    preferred_channels: Mapped[list[str]] = mapped_column(Json, default=list)
    # the service region of their latest intake that named one
    region: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        # a fragment of the name, anywhere in it (ILIKE '%…%'): pg_trgm's trigrams (migration 0005)
        Index("ix_customers_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
    )


class DeviceRow(Base):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    serial_number: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    purchase_date: Mapped[date] = mapped_column(Date)
    # search finds a serial number whatever its letters' case
    __table_args__ = (Index("ix_devices_serial_lower", func.lower(serial_number)),)


class CaseRow(Base):
    __tablename__ = "cases"
    case_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    channel: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(4))
    warranty: Mapped[str | None] = mapped_column(String(32))
    service_mode: Mapped[str | None] = mapped_column(String(16))
    technician_id: Mapped[str | None] = mapped_column(String(32))
    repeat_of: Mapped[str | None] = mapped_column(String(32))
    # the service region, from the intake's customer
    region: Mapped[str | None] = mapped_column(String(64))
    # the visit agreed with the customer, and when the technician arrived
    visit_from: Mapped[datetime | None] = mapped_column(TS)
    visit_by: Mapped[datetime | None] = mapped_column(TS)
    arrived_at: Mapped[datetime | None] = mapped_column(TS)
    # the digest of (caller, Idempotency-Key), and of the intake it came with
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    idempotency_body: Mapped[str | None] = mapped_column(String(64))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    # customer, product and fault as reported, kept with the case as evidence
    intake: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)
    closed_at: Mapped[datetime | None] = mapped_column(TS)

    __table_args__ = (
        # one open case per device: the database settles races between intakes
        Index("uq_cases_open_device", "device_id", unique=True, postgresql_where=text("status = 'open'")),
        Index("ix_cases_stage", "stage"),
        Index("ix_cases_created", "created_at", "case_id"),
        # a customer's and a device's cases, newest first (search, the case view's history)
        Index("ix_cases_customer_created", "customer_id", "created_at"),
        Index("ix_cases_device_created", "device_id", "created_at"),
        # a technician's open cases: their load and their work list
        Index("ix_cases_open_technician", "technician_id", postgresql_where=text("status = 'open'")),
        # the cases closed in a period: the KPIs (migration 0007)
        Index("ix_cases_closed_at", "closed_at"),
        # the oldest open case: where the SLA board's walk of the clocks starts (migration 0011)
        Index("ix_cases_open_created", "created_at", postgresql_where=text("status = 'open'")),
    )


class TimelineEventRow(Base):
    __tablename__ = "timeline_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(TS)
    type: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    __table_args__ = (
        UniqueConstraint("case_id", "key"),
        # whether, and when, a case had an event of a type: the KPIs (migration 0007)
        Index("ix_timeline_events_case_type", "case_id", "type", "at"),
    )


class _CaseRecord:
    """What a person's action leaves, once per (case, seq): the nth diagnosis, repair..."""

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(TS)


class DiagnosisRow(_CaseRecord, Base):
    __tablename__ = "diagnoses"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    fault_cause: Mapped[str] = mapped_column(Text)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    labor_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    notes: Mapped[str | None] = mapped_column(Text)
    # from fault_codes, beside the free text, so that common faults can be counted
    fault_code: Mapped[str | None] = mapped_column(String(32), index=True)
    __table_args__ = (UniqueConstraint("case_id", "seq"),)


class FaultCodeRow(Base):
    """The common faults of a product category (reference data)."""

    __tablename__ = "fault_codes"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class QuoteRow(Base):
    __tablename__ = "quotes"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    version: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    in_warranty: Mapped[bool] = mapped_column(Boolean)
    # pending | approved | auto_approved | declined | expired | superseded
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(TS)
    expires_at: Mapped[datetime | None] = mapped_column(TS)
    decided_at: Mapped[datetime | None] = mapped_column(TS)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("case_id", "version"),)


class QuoteLineRow(Base):
    __tablename__ = "quote_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    __table_args__ = (UniqueConstraint("quote_id", "line_no"),)


class RepairRow(_CaseRecord, Base):
    __tablename__ = "repairs"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    parts_used: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    labor_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("case_id", "seq"),)


class QcRow(_CaseRecord, Base):
    __tablename__ = "qc_results"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    passed: Mapped[bool] = mapped_column(Boolean)
    checklist: Mapped[dict[str, bool]] = mapped_column(Json)
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("case_id", "seq"),)


class HandoverRow(_CaseRecord, Base):
    __tablename__ = "handovers"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    accepted: Mapped[bool] = mapped_column(Boolean)
    repaired: Mapped[bool] = mapped_column(Boolean)
    signed_by: Mapped[str] = mapped_column(String(200))
    remarks: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(String(16))
    # with resolution compensation: refund | voucher | replacement | free_repair, and its value
    compensation_type: Mapped[str | None] = mapped_column(String(16))
    compensation_amount: Mapped[Decimal | None] = mapped_column(Money)
    __table_args__ = (UniqueConstraint("case_id", "seq"),)


class CallbackRow(_CaseRecord, Base):
    __tablename__ = "callbacks"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    outcome: Mapped[str] = mapped_column(String(16))  # reached | not_reached | unreachable
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    ces: Mapped[int | None] = mapped_column(Integer)
    attitude: Mapped[int | None] = mapped_column(Integer)
    professionalism: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("case_id", "seq"),)


class EscalationRow(Base):
    __tablename__ = "escalations"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    at: Mapped[datetime] = mapped_column(TS)
    # when the row reached the database, as opposed to when the workflow decided it
    recorded_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    __table_args__ = (UniqueConstraint("case_id", "key"),)


class SlaTargetRow(Base):
    """One SLA clock of a case and its escalation ladder (warn, breach, raise)."""

    __tablename__ = "sla_targets"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True)
    target: Mapped[str] = mapped_column(String(32), primary_key=True)
    deadline: Mapped[datetime] = mapped_column(TS)  # while paused: the one before the pause
    met_at: Mapped[datetime | None] = mapped_column(TS)
    breached_at: Mapped[datetime | None] = mapped_column(TS)
    policy: Mapped[str | None] = mapped_column(String(4))  # the priority whose policy the clock keeps
    calendar: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime | None] = mapped_column(TS)
    budget_seconds: Mapped[float | None] = mapped_column(Float)  # service time, extensions included
    warn_at: Mapped[datetime | None] = mapped_column(TS)
    escalate_at: Mapped[datetime | None] = mapped_column(TS)
    level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # rungs reached
    extended_seconds: Mapped[float] = mapped_column(Float, default=0, server_default="0")
    paused_at: Mapped[datetime | None] = mapped_column(TS)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0, server_default="0")  # wall clock
    paused_service_seconds: Mapped[float] = mapped_column(Float, default=0, server_default="0")
    __table_args__ = (
        Index(
            "ix_sla_targets_running",
            "case_id",
            "deadline",
            postgresql_where=text("met_at IS NULL AND paused_at IS NULL"),
        ),
        # the clocks met in a period: the first response of the cases opened in it (migration 0010)
        Index("ix_sla_targets_met", "target", "met_at"),
        # the running clocks by deadline, as the SLA board walks them (migration 0011)
        Index(
            "ix_sla_targets_running_deadline",
            "deadline",
            "case_id",
            "target",
            postgresql_where=text("met_at IS NULL AND paused_at IS NULL"),
        ),
        # running clocks due before they started (none the workflows set): where that walk must begin
        Index(
            "ix_sla_targets_running_early",
            "deadline",
            postgresql_where=text(
                "met_at IS NULL AND paused_at IS NULL AND (started_at IS NULL OR deadline < started_at)"
            ),
        ),
    )


class NotificationRow(Base):
    """The outbox: one message (or webhook call) to one recipient, sent once."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    # <case_id>:<notice key>, and `>` + recipient when the notice has several recipients
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    # what the message is about: a case, or a complaint or a review report (migration 0009)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.case_id"))
    complaint_id: Mapped[str | None] = mapped_column(ForeignKey("complaints.complaint_id"))
    review_id: Mapped[str | None] = mapped_column(ForeignKey("review_reports.review_id"))
    audience: Mapped[str] = mapped_column(String(16))
    # customer | staff:<staff id> | group:<audience> | webhook:<subscription id> | nobody
    recipient: Mapped[str] = mapped_column(String(80), server_default="customer")
    template: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), server_default="zh-CN")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # the short form, for SMS
    short_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | logged | failed
    # the channel that delivered it
    channel: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS)
    sent_at: Mapped[datetime | None] = mapped_column(TS)
    __table_args__ = (
        Index("ix_notifications_case", "case_id", "id"),
        Index("ix_notifications_status", "status", "id"),
        Index("ix_notifications_complaint", "complaint_id", "id"),
    )


class DeliveryAttemptRow(Base):
    """One try of one channel for one outbox row."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(TS)


class StaffContactRow(Base):
    """How to reach a member of staff: a technician (by technician id), or someone at the
    dispatch desk, a supervisor or a service manager."""

    __tablename__ = "staff_contacts"
    staff_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)  # technician | dispatcher | supervisor | manager
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    wechat_openid: Mapped[str | None] = mapped_column(String(64))
    preferred_channels: Mapped[list[str]] = mapped_column(Json, default=list)
    locale: Mapped[str] = mapped_column(String(8), default="zh-CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WebhookRow(Base):
    """A subscription of another system to case events of some types."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(Json)
    # the HMAC key of its signatures, shown once when it is registered
    secret: Mapped[str] = mapped_column(String(128))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(TS)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ReviewRow(Base):
    __tablename__ = "reviews"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))  # closed | cancelled
    first_time_fix: Mapped[bool | None] = mapped_column(Boolean)
    sla_met: Mapped[bool] = mapped_column(Boolean)
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    resolution_seconds: Mapped[float | None] = mapped_column(Numeric(14, 3))
    metrics: Mapped[dict[str, Any]] = mapped_column(Json)
    at: Mapped[datetime] = mapped_column(TS)


class TechnicianRow(Base):
    __tablename__ = "technicians"
    technician_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    skills: Mapped[list[str]] = mapped_column(Json)
    region: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # how many open cases they can hold at once (supervisors set it: PUT .../capacity)
    capacity: Mapped[int] = mapped_column(Integer, default=DEFAULT_CAPACITY, server_default=str(DEFAULT_CAPACITY))
    __table_args__ = (CheckConstraint("capacity >= 0", name="ck_technicians_capacity"),)


class PartRow(Base):
    __tablename__ = "parts"
    part_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32), index=True)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    # on the shelf, and how much of it is held for cases (models/stock.py); every change to
    # them or to the part's reservations holds this row's lock (activities/stock_queue.py)
    on_hand: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reserved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="ck_parts_on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="ck_parts_reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="ck_parts_reserved_on_hand"),
    )


class PartReservationRow(Base):
    """Parts held for a case, one line per part of a quote version; waiting lines form the
    queue that stock is served to (models/stock.py)."""

    __tablename__ = "part_reservations"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"))
    part_number: Mapped[str] = mapped_column(ForeignKey("parts.part_number"))
    quote_version: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    # of a consumed line, how many the repair used; the rest went back to stock
    used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16))  # models.stock.ReservationStatus
    # the case's priority and SLA deadline when it reserved: the queue's order
    priority: Mapped[str] = mapped_column(String(4))
    deadline: Mapped[datetime] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)
    __table_args__ = (
        UniqueConstraint("case_id", "part_number", "quote_version"),
        CheckConstraint("quantity > 0", name="ck_part_reservations_quantity"),
        CheckConstraint("used >= 0 AND used <= quantity", name="ck_part_reservations_used"),
        Index("ix_part_reservations_waiting", "part_number", postgresql_where=text("status = 'waiting'")),
    )


class StockMovementRow(Base):
    """The audit log of on_hand: every receipt, adjustment and consumption."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    part_number: Mapped[str] = mapped_column(ForeignKey("parts.part_number"))
    delta: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # models.stock.MovementKind
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(TS)
    # a consumption's repair, so a retried consume_parts finds its movements and stops
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.case_id"))
    repair_seq: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("case_id", "repair_seq", "part_number"),
        CheckConstraint("delta <> 0", name="ck_stock_movements_delta"),
        Index("ix_stock_movements_part", "part_number", "at"),
    )


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    technician_id: Mapped[str | None] = mapped_column(String(32))


class ComplaintRow(Base):
    """A customer's complaint, about a case or about the customer's service as a whole,
    with its own two clocks: the callback and the resolution (docs/complaints.md)."""

    __tablename__ = "complaints"
    complaint_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.case_id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # open | resolved | compensated | rejected
    owner: Mapped[str | None] = mapped_column(String(32))  # a staff id
    opened_by: Mapped[str] = mapped_column(String(100))
    callback_due_at: Mapped[datetime] = mapped_column(TS)
    called_back_at: Mapped[datetime | None] = mapped_column(TS)
    resolve_due_at: Mapped[datetime] = mapped_column(TS)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    compensation_type: Mapped[str | None] = mapped_column(String(16))
    compensation_amount: Mapped[Decimal | None] = mapped_column(Money)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # the digest of the request the key first came with (models/idempotency.py)
    idempotency_body: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)
    closed_at: Mapped[datetime | None] = mapped_column(TS)
    __table_args__ = (
        CheckConstraint("case_id IS NOT NULL OR customer_id IS NOT NULL", name="ck_complaints_about"),
        Index("ix_complaints_status_created", "status", "created_at"),
        Index("ix_complaints_created", "created_at", "complaint_id"),
        Index("ix_complaints_case", "case_id"),
        Index("ix_complaints_customer", "customer_id"),
    )


class ComplaintEventRow(Base):
    """A complaint's timeline: opened, called back, escalated, closed. One row per key."""

    __tablename__ = "complaint_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints.complaint_id"))
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    at: Mapped[datetime] = mapped_column(TS)
    __table_args__ = (UniqueConstraint("complaint_id", "key"),)


class FollowUpRow(Base):
    """An unhappy customer's callback answer, owned by someone until it is closed with an outcome."""

    __tablename__ = "follow_ups"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(32))  # a staff id
    deadline: Mapped[datetime] = mapped_column(TS)
    status: Mapped[str] = mapped_column(String(16))  # open | closed
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS)
    closed_at: Mapped[datetime | None] = mapped_column(TS)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (Index("ix_follow_ups_status_deadline", "status", "deadline"),)


class ReviewReportRow(Base):
    """A periodic (weekly, monthly) or requested review of a period: its report as JSON."""

    __tablename__ = "review_reports"
    review_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # weekly | monthly | requested
    period_from: Mapped[datetime] = mapped_column(TS)
    period_to: Mapped[datetime] = mapped_column(TS)
    requested_by: Mapped[str] = mapped_column(String(100))
    report: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(TS)
    __table_args__ = (Index("ix_review_reports_created", "created_at"),)


class CaseKpiRow(Base):
    """An ended case's KPI facts, derived when its review ends it (activities/case_kpis.py):
    what the KPI report aggregates (docs/kpis.md)."""

    __tablename__ = "case_kpis"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))  # closed | cancelled
    created_at: Mapped[datetime] = mapped_column(TS)
    closed_at: Mapped[datetime] = mapped_column(TS)
    # the report's filters, as the case ended
    category: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(64))
    technician_id: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[str | None] = mapped_column(String(4))
    channel: Mapped[str] = mapped_column(String(16))
    resolved_seconds: Mapped[float | None] = mapped_column(Float)  # intake to the `resolved` target met
    mttr_seconds: Mapped[float | None] = mapped_column(Float)  # first diagnosis to last repair
    remote_resolved: Mapped[bool] = mapped_column(Boolean)
    first_time_fix: Mapped[bool | None] = mapped_column(Boolean)  # null: never repaired
    reserved_parts: Mapped[bool] = mapped_column(Boolean)
    waited_parts: Mapped[bool] = mapped_column(Boolean)
    # the latest callback that reached the customer
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    ces: Mapped[int | None] = mapped_column(Integer)
    attitude: Mapped[int | None] = mapped_column(Integer)
    professionalism: Mapped[int | None] = mapped_column(Integer)
    # each SLA target: the priority its clock ran on, and met without a breach (null: no such clock)
    assigned_policy: Mapped[str | None] = mapped_column(String(4))
    assigned_ok: Mapped[bool | None] = mapped_column(Boolean)
    diagnosis_started_policy: Mapped[str | None] = mapped_column(String(4))
    diagnosis_started_ok: Mapped[bool | None] = mapped_column(Boolean)
    resolved_policy: Mapped[str | None] = mapped_column(String(4))
    resolved_ok: Mapped[bool | None] = mapped_column(Boolean)
    # when its technician took it in hand (the `assigned` target met): their hold began
    assigned_at: Mapped[datetime | None] = mapped_column(TS)
    __table_args__ = (Index("ix_case_kpis_closed", "closed_at"),)
