"""The HTTP shapes of complaints and follow-ups: their views and the follow-up requests
(the complaint requests are the models of models/complaints.py)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import Field

from api.schemas import NO_NUL, View
from models.complaints import ComplaintSeverity, ComplaintStatus, StaffId
from models.domain import Channel, Strict, Text

ComplaintId = Annotated[str, Path(pattern=NO_NUL, max_length=32, description="`CP-YYYYMMDD-XXXXXX`")]
FollowUpId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the follow-up's number")]
FollowUpStatus = Literal["open", "closed"]
FollowUpOutcome = Literal["resolved", "compensated", "unreachable", "no_action"]


class ClockView(View):
    due_at: datetime
    met_at: datetime | None = Field(None, description="called back / closed")
    overdue: bool = Field(description="not met and past due")


class ComplaintEventView(View):
    at: datetime
    type: str = Field(description="opened, called_back, owner_assigned, sla_warn, sla_breach, sla_raise, closed")
    actor: str
    detail: dict[str, Any]


class ComplaintSummary(View):
    complaint_id: str
    case_id: str | None
    customer_id: int | None
    channel: Channel
    severity: ComplaintSeverity
    status: ComplaintStatus
    owner: str | None
    escalation_level: int
    overdue: bool
    created_at: datetime


class ComplaintView(ComplaintSummary):
    description: str
    opened_by: str
    clocks: dict[str, ClockView] = Field(description="`callback` and `resolve`")
    outcome_reason: str | None
    compensation_type: str | None
    compensation_amount: Decimal | None
    closed_by: str | None
    closed_at: datetime | None
    timeline: list[ComplaintEventView]


class ComplaintList(View):
    items: list[ComplaintSummary]
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null on the last")


class FollowUpView(View):
    id: int
    case_id: str
    reason: str
    csat: int | None
    nps: int | None
    comment: str | None
    owner: str | None
    deadline: datetime
    overdue: bool
    status: FollowUpStatus
    outcome: FollowUpOutcome | None
    note: str | None
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None


class FollowUpList(View):
    items: list[FollowUpView]
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null on the last")


class FollowUpOwner(Strict):
    owner: StaffId


class FollowUpClosing(Strict):
    outcome: FollowUpOutcome
    note: Text
