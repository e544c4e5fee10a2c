"""Complaints: what an agent records, the two clocks (a callback, then the resolution),
their escalation ladder and how a complaint is closed (docs/complaints.md). Pure."""

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from models.calendar import Calendar
from models.domain import Channel, Compensation, Phone, Strict, Text
from models.messages import Audience
from models.sla import LADDER, Rung, rung_times

# the prefix of a complaint's id, `CP-YYYYMMDD-XXXXXX`, as a case's is `RC-`
ID_PREFIX = "CP"
DESCRIPTION_LENGTH = 2000
# a phone complaint is called back within a quarter of an hour; the others within a working day
DEFAULT_CALLBACK_MINUTES: dict[str, float] = {Channel.PHONE.value: 15}
DEFAULT_CALLBACK_MINUTES_OTHER = 8 * 60
DEFAULT_RESOLVE_HOURS = 48.0
# a complaint's clocks run round the clock: an unhappy customer does not wait for Monday
WALL_CLOCK = Calendar(round_the_clock=True)


class ComplaintSeverity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ComplaintStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    COMPENSATED = "compensated"
    REJECTED = "rejected"


Outcome = Literal["resolved", "compensated", "rejected"]


class Clock(StrEnum):
    CALLBACK = "callback"  # someone called the customer back
    RESOLVE = "resolve"  # the complaint is closed with an outcome


# who hears of each rung: the supervisors can still give the complaint an owner at the warning
AUDIENCE = {Rung.WARN: Audience.SUPERVISOR, Rung.BREACH: Audience.SUPERVISOR, Rung.RAISE: Audience.MANAGER}

# a staff contact's id (PUT /api/v1/staff/{staff_id})
StaffId = Annotated[str, Field(min_length=1, max_length=32)]


class ComplaintIntake(Strict):
    """About a case, a customer (by the phone number the agent has on the line), or both."""

    case_id: Annotated[str | None, Field(min_length=1, max_length=32)] = None
    customer_phone: Phone | None = None
    channel: Channel
    severity: ComplaintSeverity
    description: Annotated[str, Field(min_length=1, max_length=DESCRIPTION_LENGTH)]
    # the API answers a complaint about nothing with 422 naming `case_id`
    json_rules = {"anyOf": [{"required": ["case_id"]}, {"required": ["customer_phone"]}]}

    def missing_subject(self) -> bool:
        return self.case_id is None and self.customer_phone is None


class ComplaintCallback(Strict):
    note: Text


class ComplaintOwner(Strict):
    owner: StaffId


class ComplaintClosing(Strict):
    """`compensated` says what the customer gets, as a handover's compensation does."""

    outcome: Outcome
    reason: Text
    compensation: Compensation | None = None
    json_rules = {
        "if": {"properties": {"outcome": {"const": "compensated"}}, "required": ["outcome"]},
        "then": {"required": ["compensation"], "properties": {"compensation": {"type": "object"}}},
        "else": {"not": {"required": ["compensation"]}},
    }

    @model_validator(mode="after")
    def _compensation_with_compensated(self) -> "ComplaintClosing":
        if self.outcome == "compensated" and self.compensation is None:
            raise ValueError("compensation (its type and amount) is required with outcome compensated")
        if self.outcome != "compensated" and self.compensation is not None:
            raise ValueError("compensation only applies with outcome compensated")
        return self

    @property
    def amount(self) -> Decimal | None:
        return self.compensation.amount if self.compensation else None


def callback_minutes(channel: str, table: dict[str, float], default: float) -> float:
    """Minutes to call the customer back, by the channel the complaint came in on."""
    return table.get(channel, default)


def deadlines(opened_at: datetime, callback_seconds: float, resolve_seconds: float) -> dict[Clock, datetime]:
    return {
        Clock.CALLBACK: opened_at + timedelta(seconds=callback_seconds),
        Clock.RESOLVE: opened_at + timedelta(seconds=resolve_seconds),
    }


def ladder(opened_at: datetime, deadline: datetime) -> dict[Rung, datetime]:
    """The rungs of one clock, by the ladder of the case SLA (75 %, 100 %, 150 %)."""
    return rung_times(WALL_CLOCK, opened_at, (deadline - opened_at).total_seconds(), 0)


def level(rung: Rung) -> int:
    """1 for warn, 2 for breach, 3 for raise, as a case's escalation level."""
    return LADDER.index(rung) + 1


def rung_key(rung: Rung, clock: Clock) -> str:
    """The rung's timeline key: once per complaint, whatever retries."""
    return f"sla_{rung}-{clock}"


def overdue(now: datetime, callback_due: datetime, called_back: datetime | None, resolve_due: datetime) -> bool:
    """An open complaint past a deadline it has not met."""
    return (called_back is None and now > callback_due) or now > resolve_due
