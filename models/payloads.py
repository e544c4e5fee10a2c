"""Payloads that cross the Temporal boundary: workflow input, activity arguments and
results, and the live state the workflow answers queries with."""
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from models.domain import Actor, Intake, PartQty, Priority, ServiceMode, Warranty
from models.pricing import Quote
from models.sla import LADDER, Rung
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
    """Pause, resume or extend one SLA clock; `step` is its timeline event."""
    step: Step
    target: str
    kind: Literal["pause", "resume", "extend"]
    minutes: float = 0  # extend: service minutes, before REPAIRFLOW_TIME_SCALE
    reason: str | None = None


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
