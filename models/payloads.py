"""Payloads that cross the Temporal boundary: the workflow's input, one input model per
activity (named after it), activity results, and the live state the workflow answers
queries with. Fields are only ever added, with defaults: cases in flight carry the
older shapes."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from models.domain import (
    Actor,
    Callback,
    Diagnosis,
    Handover,
    Intake,
    PartQty,
    Priority,
    QcCheck,
    Repair,
    ServiceMode,
    Warranty,
)
from models.events import EscalationKind, EventType
from models.messages import Audience, Template
from models.pricing import Quote
from models.sla import LADDER, Rung, Target
from models.stages import CaseStatus, Stage


class CaseStart(BaseModel):
    case_id: str
    intake: Intake
    actor: Actor
    idempotency_key: str | None = None  # scoped to the caller: models/idempotency.py
    idempotency_body: str | None = None


class CaseFields(BaseModel):
    """Columns of the case row that an event changes; None leaves a column as it is."""

    priority: Priority | None = None
    warranty: Warranty | None = None
    service_mode: ServiceMode | None = None
    technician_id: str | None = None
    repeat_of: str | None = None
    escalation_level: int | None = None
    sla_breached: bool | None = None
    visit_from: datetime | None = None
    visit_by: datetime | None = None
    arrived_at: datetime | None = None


class CaseEvent(BaseModel):
    """One timeline event of a case, keyed by (case_id, key), with the stage it leaves the
    case in and the case columns it changes: written together in one transaction."""

    case_id: str
    key: str
    type: EventType
    at: datetime
    actor: Actor
    stage: Stage
    data: dict[str, Any] = Field(default_factory=dict)
    fields: CaseFields = Field(default_factory=CaseFields)
    sla_met: list[Target] = Field(default_factory=list)
    # escalations run beside the stage machine and must never move the case's stage
    moves_stage: bool = True


class CasePolicy(BaseModel):
    """Durations resolved from configuration, already scaled by REPAIRFLOW_TIME_SCALE."""

    quote_expiry_seconds: float
    callback_delay_seconds: float
    callback_unreachable_seconds: float
    max_qc_failures: int
    # how long an action's write keeps retrying before the action answers not_recorded
    action_retry_seconds: float = 600.0
    # a case with a region is given a technician by the workflow itself (cases begun
    # before carry no such policy: they wait for the dispatch desk)
    auto_dispatch: bool = False
    # how often a case nobody could take is tried again, and its parts looked for again
    dispatch_retry_seconds: float = 300.0
    parts_recheck_seconds: float = 900.0
    # whether the resolution clock stops while the case waits for a spare part
    pause_for_parts: bool = False


class SlaPlan(BaseModel):
    """One SLA clock as an activity worked it out on the target's calendar."""

    deadline: datetime
    warn_at: datetime
    escalate_at: datetime
    level: int = 0
    paused: bool = False
    breached_at: datetime | None = None


class TriageResult(BaseModel):
    warranty: Warranty
    priority: Priority
    service_mode: ServiceMode
    repeat_of: str | None
    reasons: list[str]
    policy: CasePolicy
    deadlines: dict[str, datetime]
    plans: dict[str, SlaPlan] = Field(default_factory=dict)


class SlaClockChange(BaseModel):
    """Input of change_sla_clock: pause, resume or extend one SLA clock; `event` is its
    timeline event."""

    event: CaseEvent
    target: str
    kind: Literal["pause", "resume", "extend", "reprioritize"]
    minutes: float = 0  # extend: service minutes, before REPAIRFLOW_TIME_SCALE
    reason: str | None = None
    # reprioritize: the clock's budget and calendar become those of this priority
    priority: Priority | None = None


class QuoteRequest(BaseModel):
    """Input of price_quote."""

    case_id: str
    version: int
    parts: list[PartQty]
    labor_hours: Decimal
    in_warranty: bool
    on_site: bool
    # the product's: a part of another category is refused (None on cases begun before)
    category: str | None = None


class Notice(BaseModel):
    """Input of notify: a message to send once; `key` makes it unique across retries."""

    case_id: str
    key: str
    audience: Audience
    template: Template
    params: dict[str, Any] = Field(default_factory=dict)
    at: datetime


class Escalation(BaseModel):
    kind: EscalationKind
    level: int
    target: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


# notify answers `sent` once its messages are handed on to their deliveries
DeliveryStatus = Literal["sent", "logged", "failed"]


class DeliveryJob(BaseModel):
    """Input of the Delivery workflow and its activity: one outbox row, and how long to keep
    trying it (from the settings of the worker that queued it)."""

    notification_id: int
    give_up_seconds: float
    first_retry_seconds: float
    max_retry_seconds: float
    send_timeout: float


class GiveUp(BaseModel):
    """Input of give_up: the outbox row that could not be delivered in time, and why."""

    notification_id: int
    reason: str


class IntakeInput(BaseModel):
    """Input of record_intake."""

    start: CaseStart
    at: datetime


class TriageInput(BaseModel):
    """Input of triage_case."""

    case_id: str
    at: datetime


class OpenCaseInput(BaseModel):
    """Input of open_case: the intake, and the customer's acknowledgement queued with it."""

    start: CaseStart
    at: datetime
    notice: Notice


class DiagnosisInput(BaseModel):
    """Input of record_diagnosis: the diagnosis and the quote priced from it."""

    event: CaseEvent
    seq: int
    diagnosis: Diagnosis
    quote: Quote
    expires_at: datetime | None


class QuoteDecisionInput(BaseModel):
    """Input of record_quote_decision."""

    event: CaseEvent
    version: int
    status: Literal["approved", "declined", "expired"]
    note: str | None = None


class RepairInput(BaseModel):
    """Input of record_repair."""

    event: CaseEvent
    seq: int
    repair: Repair
    # the parts used come off the stock in the same transaction (cases that keep stock)
    consume: bool = False


class QcInput(BaseModel):
    """Input of record_qc."""

    event: CaseEvent
    seq: int
    qc: QcCheck


class HandoverInput(BaseModel):
    """Input of record_handover."""

    event: CaseEvent
    seq: int
    handover: Handover
    repaired: bool


class CallbackInput(BaseModel):
    """Input of record_callback; no survey when the customer was never reached."""

    event: CaseEvent
    seq: int
    outcome: Literal["reached", "not_reached", "unreachable"]
    callback: Callback | None = None


class EscalationInput(BaseModel):
    """Input of record_escalation."""

    event: CaseEvent
    escalation: Escalation
    # the rung's message, queued in the same transaction; left out when there is none, so
    # workers of the release before read the payloads of cases that do not use it
    notice: Annotated[Notice | None, Field(exclude_if=lambda v: v is None)] = None


class ReviewInput(BaseModel):
    """Input of record_review."""

    event: CaseEvent
    outcome: Literal["closed", "cancelled"]
    qc_failures: int
    reworks: int
    repaired: bool


class ReserveInput(BaseModel):
    """Input of reserve_parts: the parts of a quote version, held for the case. `priority`
    and `deadline` (the case's resolution deadline) place its waiting lines in the queue."""

    case_id: str
    quote_version: int
    parts: list[PartQty]
    priority: Priority
    deadline: datetime


class Reservation(BaseModel):
    """Answer of reserve_parts and parts_ready: whether every part is held for the case, and
    the lines still waiting for stock."""

    complete: bool
    short: list[PartQty] = Field(default_factory=list)
    # other cases that stock freed from this case's earlier quote completed: tell each PARTS_ARRIVED
    served: list[str] = Field(default_factory=list)


class ReleaseInput(BaseModel):
    """Input of release_parts: the case gives back every part it holds or waits for."""

    case_id: str


class ConsumeInput(BaseModel):
    """Input of consume_parts: the parts the case's `seq`th repair used."""

    case_id: str
    parts_used: list[PartQty]
    seq: int
    actor: Actor | None = None  # who used them (the technician); the system when None


class PartsReadyInput(BaseModel):
    """Input of parts_ready."""

    case_id: str


class ServedCases(BaseModel):
    """Cases whose reservations stock given back made complete; the caller tells each
    PARTS_ARRIVED (models/stock.py)."""

    case_ids: list[str] = Field(default_factory=list)


class SlaTargetState(BaseModel):
    deadline: datetime
    met_at: datetime | None = None
    breached_at: datetime | None = None
    warn_at: datetime | None = None
    escalate_at: datetime | None = None
    level: int = 0  # rungs of the ladder reached since it was last armed
    paused: bool = False
    armed: int = 1  # an extension re-arms the ladder; escalation keys count the armings

    def next_rung(self) -> Rung | None:
        return LADDER[self.level] if self.level < len(LADDER) else None

    def due(self, rung: Rung) -> datetime | None:
        """When `rung` falls due; None while the clock is paused."""
        if self.paused:
            return None
        return {Rung.WARN: self.warn_at, Rung.BREACH: self.deadline, Rung.RAISE: self.escalate_at}[rung]

    def follow(self, plan: SlaPlan) -> None:
        if plan.level < self.level:
            self.armed += 1
        self.deadline, self.warn_at, self.escalate_at = plan.deadline, plan.warn_at, plan.escalate_at
        self.level, self.paused, self.breached_at = plan.level, plan.paused, plan.breached_at


class CaseState(BaseModel):
    """What the workflow knows now; the answer to the `state` query and to updates."""

    case_id: str
    stage: Stage
    status: CaseStatus
    priority: Priority | None = None
    warranty: Warranty | None = None
    service_mode: ServiceMode | None = None
    technician_id: str | None = None
    quote: Quote | None = None
    qc_failures: int = 0
    reworks: int = 0
    repaired: bool = False
    escalation_level: int = 0
    sla: dict[str, SlaTargetState] = Field(default_factory=dict)
    callback_due_at: datetime | None = None
    quote_expires_at: datetime | None = None
    error: str | None = None
    visit_from: datetime | None = None
    visit_by: datetime | None = None
    arrived_at: datetime | None = None
    visit_missed: bool = False
    # the quote's parts were asked for from stock (a re-diagnosis asks again)
    parts_requested: bool = False
    # when automatic dispatch found nobody free, and the dispatch desk was told
    dispatch_waiting_since: datetime | None = None


class AutoAssignInput(BaseModel):
    """Input of auto_assign: the case to give a technician, and the key and time of the
    assignment event it records when it finds one."""

    case_id: str
    key: str
    at: datetime
    category: str
    region: str
    priority: Priority


class AutoAssignment(BaseModel):
    """auto_assign's answer: the event it recorded, or why nobody could take the case."""

    event: CaseEvent | None = None
    reasons: list[str] = Field(default_factory=list)
