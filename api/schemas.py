"""HTTP-only shapes: the responses, and the few request rules stricter at the API than
in the workflow. Request bodies are otherwise the domain models themselves
(models.domain), so input rules live in one place."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Header, Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field, model_validator

from models import stock
from models.domain import (
    JSON_INTEGER,
    Category,
    Channel,
    Handover,
    Priority,
    QuoteDecision,
    ServiceMode,
    Severity,
    Strict,
    Warranty,
)
from models.stages import CaseStatus, Stage

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="a retry with the same key and body is answered as the first request was, and changes "
        "nothing twice; the same key with another body is refused (422 idempotency_key_reused)",
    ),
]


# PostgreSQL text cannot hold NUL: path and query text with one is refused (422), as the schema says
NO_NUL = r"^[^\x00]*$"
CaseId = Annotated[str, Path(pattern=NO_NUL, description="the case's id, `RC-YYYYMMDD-XXXXXX`")]
# the other cases of a customer and of a device that a case view lists, each
HISTORY_LENGTH = 20
# a technician's capacity: more open cases than anyone could work on is a typing error
MAX_CAPACITY = 100


def _query_bool(value: object) -> object:
    # the schema's boolean in a query is true or false (1 or 0); not the yes/no/on/off/t/f pydantic also reads
    if isinstance(value, str) and value.lower() not in ("true", "false", "1", "0"):
        raise ValueError("Input should be a valid boolean: true or false")
    return value


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]


class QuoteDecisionRequest(QuoteDecision):
    """A decision names the version of the quote it is about, so an approval meant for one
    quote never approves the next (the workflow takes decisions without it from cases in
    flight)."""

    quote_version: Annotated[int, Field(ge=1), JSON_INTEGER]


class HandoverRequest(Handover):
    """A refusal settled by compensation says what the customer gets and its amount (the
    workflow takes handovers without it from cases in flight)."""

    json_rules = {
        "allOf": [
            Handover.json_rules,
            {
                "if": {"properties": {"resolution": {"const": "compensation"}}, "required": ["resolution"]},
                "then": {"required": ["compensation"], "properties": {"compensation": {"type": "object"}}},
            },
        ]
    }

    @model_validator(mode="after")
    def _compensation_named(self) -> "HandoverRequest":
        if self.resolution == "compensation" and self.compensation is None:
            raise ValueError("compensation (its type and amount) is required with resolution compensation")
        return self


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CustomerView(View):
    name: str
    phone: str
    email: str | None = None
    address: str | None = None
    locale: str
    tier: str
    region: str | None = None


class ProductView(View):
    category: Category
    model: str
    serial_number: str
    purchase_date: date


class FaultView(View):
    description: str
    safety_hazard: bool
    severity: Severity


class PartQtyView(View):
    part_number: str
    quantity: int


class Recorded(View):
    """Who recorded an action, and when."""

    actor: str
    at: datetime


class DiagnosisView(Recorded):
    fault_cause: str
    fault_code: str | None = None
    parts: list[PartQtyView]
    labor_hours: Decimal
    notes: str | None = None


class QuoteLineView(View):
    kind: str
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class QuoteView(View):
    version: int
    status: Literal["pending", "approved", "auto_approved", "declined", "expired", "superseded"]
    total: Decimal
    currency: str
    in_warranty: bool
    lines: list[QuoteLineView]
    created_at: datetime
    expires_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str | None = None


class RepairView(Recorded):
    parts_used: list[PartQtyView]
    labor_hours: Decimal
    notes: str | None = None


class QcView(Recorded):
    passed: bool
    checklist: dict[str, bool]
    notes: str | None = None
    failures: int = Field(description="QC checks this case has failed so far")


class HandoverView(Recorded):
    accepted: bool
    repaired: bool
    signed_by: str
    remarks: str | None = None
    resolution: Literal["rework", "compensation"] | None = None
    compensation_type: str | None = None
    compensation_amount: Decimal | None = None


class CallbackView(Recorded):
    outcome: Literal["reached", "not_reached", "unreachable"]
    csat: int | None = None
    nps: int | None = None
    ces: int | None = Field(None, description="customer effort, 1-7")
    attitude: int | None = Field(None, description="the technician's attitude, 1-5")
    professionalism: int | None = Field(None, description="the technician's professionalism, 1-5")
    comments: str | None = None


class SlaTargetView(View):
    deadline: datetime = Field(
        description="100 %: the target is breached after it (while paused: "
        "the deadline before the pause; it moves on resume)"
    )
    warn_at: datetime | None = Field(None, description="75 %: the assignee is warned")
    escalate_at: datetime | None = Field(None, description="150 %: priority is raised, the manager told")
    met_at: datetime | None = None
    breached_at: datetime | None = None
    status: Literal["pending", "met", "breached"]
    level: int = Field(0, description="rungs reached: 1 warned, 2 breached, 3 raised")
    calendar: str | None = Field(None, description="the hours the clock runs in, e.g. 24x7")
    paused: bool = False
    paused_seconds: float = Field(0, description="time spent waiting on the customer, clock stopped")
    extended_seconds: float = Field(0, description="service time added by supervisors' extensions")


class SlaView(View):
    targets: dict[str, SlaTargetView] = Field(description="assigned, diagnosis_started, resolved")
    breached: bool
    escalation_level: int
    next_deadline: datetime | None = Field(None, description="the earliest running deadline not yet met")


class AtRiskItem(View):
    case_id: str
    stage: Stage
    priority: Priority | None = None
    technician_id: str | None = None
    target: str
    deadline: datetime
    seconds_left: float = Field(description="negative once the deadline has passed")
    level: int
    escalation_level: int


class AtRiskList(View):
    items: list[AtRiskItem]


class PastCase(View):
    case_id: str
    stage: Stage
    status: CaseStatus
    created_at: datetime
    closed_at: datetime | None = None


class CaseHistory(View):
    """The other cases of the same customer and of the same device, newest first; a
    technician sees only those assigned to them."""

    customer_cases: list[PastCase] = Field(description=f"at most {HISTORY_LENGTH}")
    device_cases: list[PastCase] = Field(description=f"at most {HISTORY_LENGTH}")


class VisitView(View):
    """An on-site case's visit: the window booked with the customer, and the arrival."""

    visit_from: datetime | None = None
    visit_by: datetime | None = None
    arrived_at: datetime | None = None


class CaseView(View):
    case_id: str
    status: CaseStatus
    stage: Stage
    priority: Priority | None = None
    channel: Channel
    warranty: Warranty | None = None
    service_mode: ServiceMode | None = None
    repeat_of: str | None = Field(None, description="the earlier case this one repeats")
    customer: CustomerView
    product: ProductView
    fault: FaultView
    technician_id: str | None = None
    diagnosis: DiagnosisView | None = None
    quote: QuoteView | None = None
    repair: RepairView | None = None
    qc: QcView | None = None
    handover: HandoverView | None = None
    callback: CallbackView | None = None
    sla: SlaView
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    region: str | None = Field(None, description="the service region named at intake")
    visit: VisitView
    history: CaseHistory


class CaseSummary(View):
    case_id: str
    status: CaseStatus
    stage: Stage
    priority: Priority | None = None
    channel: Channel
    warranty: Warranty | None = None
    product_category: Category
    serial_number: str
    customer_name: str
    technician_id: str | None = None
    sla_breached: bool
    created_at: datetime
    updated_at: datetime


class CaseList(View):
    items: list[CaseSummary]
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null on the last")


class TimelineEventView(View):
    at: datetime
    type: str
    stage: Stage
    actor: str
    data: dict[str, Any]


class Timeline(View):
    events: list[TimelineEventView]


class PartView(View):
    part_number: str
    name: str
    category: Category
    unit_price: Decimal
    currency: str
    on_hand: int = Field(description="on the shelf")
    reserved: int = Field(description="of it, held for cases")

    @computed_field(description="what a case may still reserve: on_hand − reserved")  # type: ignore[prop-decorator]
    @property
    def available(self) -> int:
        return stock.available(self.on_hand, self.reserved)


class PartList(View):
    items: list[PartView]


class FaultCodeView(View):
    code: str
    category: Category
    name: str
    name_zh: str


class FaultCodeList(View):
    items: list[FaultCodeView]


class TechnicianView(View):
    technician_id: str
    name: str
    skills: list[str]
    region: str
    active: bool
    capacity: int = Field(description="open cases they can hold at once")
    load: int = Field(description="open cases assigned to them now")


class TechnicianList(View):
    items: list[TechnicianView]


class CapacityChange(Strict):
    capacity: Annotated[int, Field(ge=0, le=MAX_CAPACITY), JSON_INTEGER]


class RegionView(View):
    region: str
    technicians: int = Field(description="active technicians in the region")


class RegionList(View):
    items: list[RegionView]


class WorkItem(View):
    """One open case on a technician's list."""

    case_id: str
    stage: Stage
    priority: Priority | None = None
    customer_name: str
    region: str | None = None
    product: ProductView
    next_deadline: datetime | None = Field(None, description="the earliest running SLA deadline not yet met")
    visit_from: datetime | None = Field(None, description="the visit window agreed with the customer")
    visit_by: datetime | None = None
    arrived_at: datetime | None = Field(None, description="the technician arrived on site")


class WorkList(View):
    items: list[WorkItem] = Field(description="most urgent first; cases with no running deadline last")
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null on the last")


class Health(View):
    status: Literal["ok", "error"]
    database: Literal["ok", "error"]
    temporal: Literal["ok", "error"]


# ---- the customer's tracking page, as JSON (GET /api/v1/track/{token})


class TrackQuoteLineView(View):
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class TrackQuoteView(View):
    version: int = Field(description="the version a decision on the page names")
    status: Literal["pending", "approved", "auto_approved", "declined", "expired", "superseded"]
    lines: list[TrackQuoteLineView]
    total: Decimal
    currency: str
    in_warranty: bool = Field(description="covered by the warranty: nothing to pay")
    expires_at: datetime | None = None


class MilestoneView(View):
    type: str = Field(description="a timeline event type the customer may see")
    at: datetime
    data: dict[str, Any] = Field(description="a few of the event's fields (quote version and total, warranty)")


class TrackView(View):
    """What the customer may know about their case: no staff ids, notes or SLA clocks."""

    case_id: str
    stage: Stage
    status: CaseStatus
    category: Category
    product_model: str
    customer_name: str
    locale: Literal["zh-CN", "en"]
    technician_name: str | None = None
    technician_phone: str | None = None
    visit_from: datetime | None = Field(None, description="the technician was assigned")
    visit_by: datetime | None = Field(None, description="the first visit's deadline, while it is ahead")
    quote: TrackQuoteView | None = None
    warranty_until: date | None = Field(None, description="the repaired parts' warranty ends on this day")
    milestones: list[MilestoneView] = Field(description="oldest first")


class FieldError(View):
    field: str
    message: str


class ErrorBody(View):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str
    stage: Stage | None = None
    case_id: str | None = None
    fields: list[FieldError] | None = None


class ErrorEnvelope(View):
    error: ErrorBody
