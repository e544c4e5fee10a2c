"""What crosses the Temporal boundary for a complaint: the workflow's input, one input
model per activity, and the state the workflow answers with (workflows/complaint.py)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from models.complaints import ComplaintIntake, ComplaintStatus
from models.domain import Actor
from models.messages import Audience, Template


class ComplaintStart(BaseModel):
    complaint_id: str
    intake: ComplaintIntake
    # the customer the API found by the phone number, or the case's customer
    customer_id: int | None = None
    actor: Actor
    idempotency_key: str | None = None  # scoped to the caller: models/idempotency.py
    idempotency_body: str | None = None
    # how long an action's write keeps retrying before it answers not_recorded
    action_retry_seconds: float = 600.0


class ComplaintRecord(BaseModel):
    """Input of record_complaint: the complaint as opened, at the workflow's time."""

    start: ComplaintStart
    at: datetime


class ComplaintClocks(BaseModel):
    """What record_complaint answers: when the complaint was opened and its deadlines,
    worked out from the settings (as recorded: a retry answers the same)."""

    opened_at: datetime
    callback_due_at: datetime
    resolve_due_at: datetime


class ComplaintChanges(BaseModel):
    """Columns of the complaint row an event changes; None leaves a column as it is."""

    status: ComplaintStatus | None = None
    owner: str | None = None
    called_back_at: datetime | None = None
    # only ever raised: a later, lower rung does not lower it
    escalation_level: int | None = None
    outcome_reason: str | None = None
    compensation_type: str | None = None
    compensation_amount: Decimal | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None


class ComplaintEvent(BaseModel):
    """Input of record_complaint_event: one timeline event, keyed by (complaint_id, key),
    written with the row's changes in one transaction."""

    complaint_id: str
    key: str
    type: str
    actor: Actor
    at: datetime
    detail: dict[str, Any] = Field(default_factory=dict)
    changes: ComplaintChanges = Field(default_factory=ComplaintChanges)


class ComplaintNotice(BaseModel):
    """Input of notify_complaint: a staff message about the complaint."""

    complaint_id: str
    key: str
    audience: Audience
    template: Template
    params: dict[str, Any] = Field(default_factory=dict)
    at: datetime


class ComplaintState(BaseModel):
    complaint_id: str
    status: ComplaintStatus = ComplaintStatus.OPEN
    owner: str | None = None
    opened_at: datetime | None = None
    callback_due_at: datetime | None = None
    resolve_due_at: datetime | None = None
    called_back_at: datetime | None = None
    escalation_level: int = 0
