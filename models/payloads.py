"""Payloads that cross the Temporal boundary: workflow input, activity arguments and
results, and the live state the workflow answers queries with."""
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from models.domain import Actor, Intake, PartQty, Priority, ServiceMode, Warranty
from models.pricing import Quote
from models.stages import Stage


class CaseStart(BaseModel):
    case_id: str
    intake: Intake
    actor: Actor
    idempotency_key: str | None = None


class CaseFields(BaseModel):
    """Columns of the case row that a step changes; None leaves a column as it is."""
    priority: Priority | None = None
    warranty: Warranty | None = None
    service_mode: ServiceMode | None = None
    technician_id: str | None = None
    repeat_of: str | None = None
    escalation_level: int | None = None
    sla_breached: bool | None = None


class Step(BaseModel):
    """One recorded step of a case: a timeline event keyed by (case_id, key), the stage
    it leaves the case in, and the case columns it changes, written in one transaction."""
    case_id: str
    key: str
    type: str
    at: datetime
    actor: Actor
    stage: Stage
    data: dict[str, Any] = Field(default_factory=dict)
    fields: CaseFields = Field(default_factory=CaseFields)
    sla_met: list[str] = Field(default_factory=list)
    # escalations run beside the stage machine and must never move the case's stage
    moves_stage: bool = True


class CasePolicy(BaseModel):
    """Durations resolved from configuration, already scaled by REPAIRFLOW_TIME_SCALE."""
    quote_expiry_seconds: float
    callback_delay_seconds: float
    callback_unreachable_seconds: float
    max_qc_failures: int


class TriageResult(BaseModel):
    warranty: Warranty
    priority: Priority
    service_mode: ServiceMode
    repeat_of: str | None
    reasons: list[str]
    policy: CasePolicy
    deadlines: dict[str, datetime]


class QuoteRequest(BaseModel):
    case_id: str
    version: int
    parts: list[PartQty]
    labor_hours: Decimal
    in_warranty: bool
    on_site: bool


class Notice(BaseModel):
    """A message to send once: `key` makes it unique across retries."""
    case_id: str
    key: str
    audience: str  # customer | supervisor | assignee | manager
    template: str
    params: dict[str, Any] = Field(default_factory=dict)
    at: datetime


class Escalation(BaseModel):
    kind: str  # sla_breach | qc_rework_limit | follow_up
    level: int
    target: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class SlaTargetState(BaseModel):
    deadline: datetime
    met_at: datetime | None = None
    breached_at: datetime | None = None


class CaseState(BaseModel):
    """What the workflow knows now; the answer to the `state` query and to updates."""
    case_id: str
    stage: Stage
    status: str
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
