"""Domain value types and the inputs of human actions.

They are Temporal payloads (through the pydantic data converter) and the API takes
them as request bodies, so each rule on a field lives here once.
"""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from models.sla import Target

NUL_MESSAGE = "must not contain a NUL character"


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(_has_nul, value))
    return False


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL text cannot hold NUL: refused here, it never reaches a write that would fail
        if _has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    WECHAT = "wechat"
    APP = "app"
    STORE = "store"
    EMAIL = "email"


class ServiceMode(StrEnum):
    ON_SITE = "on_site"
    CARRY_IN = "carry_in"
    MAIL_IN = "mail_in"
    REMOTE = "remote"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Warranty(StrEnum):
    IN = "in_warranty"
    OUT = "out_of_warranty"


class Category(StrEnum):
    WASHER = "washer"
    FRIDGE = "fridge"
    AIR_CONDITIONER = "air_conditioner"
    TV = "tv"
    PHONE = "phone"
    LAPTOP = "laptop"


class Severity(StrEnum):
    TOTAL_FAILURE = "total_failure"
    FUNCTIONAL = "functional"
    COSMETIC = "cosmetic"
    CONSULTATION = "consultation"


Text = Annotated[str, Field(min_length=1, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Notes = Annotated[str | None, Field(max_length=4000)]
Hours = Annotated[Decimal, Field(ge=0, le=200, max_digits=6, decimal_places=2)]


class Customer(Strict):
    name: Name
    phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 \-]{4,19}$")]
    email: Annotated[str | None, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] = None
    address: Annotated[str | None, Field(max_length=500)] = None
    locale: Literal["zh-CN", "en"] = "zh-CN"
    tier: Literal["standard", "vip"] = "standard"


class Product(Strict):
    category: Category
    model: Name
    serial_number: Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9\-_/.]+$")]
    purchase_date: date


class Fault(Strict):
    description: Text
    safety_hazard: bool = False
    severity: Severity = Severity.FUNCTIONAL


class Intake(Strict):
    channel: Channel
    customer: Customer
    product: Product
    fault: Fault
    # omitted: triage picks the usual mode for the category
    service_mode: ServiceMode | None = None


class PartQty(Strict):
    part_number: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=100)]


class RemoteResolution(Strict):
    resolved: bool
    notes: Notes = None


class Assignment(Strict):
    technician_id: Annotated[str, Field(min_length=1, max_length=32)]


class Diagnosis(Strict):
    fault_cause: Text
    parts: list[PartQty] = Field(default_factory=list, max_length=50)
    labor_hours: Hours
    notes: Notes = None


class QuoteDecision(Strict):
    approved: bool
    note: Notes = None
    # when given, the decision only applies to that version of the quote
    quote_version: Annotated[int | None, Field(ge=1)] = None


class Repair(Strict):
    parts_used: list[PartQty] = Field(default_factory=list, max_length=50)
    labor_hours: Hours
    notes: Notes = None


class QcCheck(Strict):
    passed: bool
    checklist: dict[Annotated[str, Field(min_length=1, max_length=100)], bool] = Field(
        default_factory=dict, max_length=50
    )
    notes: Notes = None

    @field_validator("checklist")
    @classmethod
    def _checklist_agrees(cls, checklist: dict[str, bool], info: ValidationInfo) -> dict[str, bool]:
        if info.data.get("passed") and not all(checklist.values()):
            raise ValueError("a QC pass needs every checklist item true")
        return checklist


class Handover(Strict):
    accepted: bool
    signed_by: Name
    remarks: Notes = None
    resolution: Annotated[Literal["rework", "compensation"] | None, Field(validate_default=True)] = None

    @field_validator("resolution")
    @classmethod
    def _resolution_when_refused(cls, resolution: str | None, info: ValidationInfo) -> str | None:
        accepted = info.data.get("accepted")
        if accepted is False and resolution is None:
            raise ValueError("resolution is required when the handover is not accepted")
        if accepted and resolution is not None:
            raise ValueError("resolution only applies when the handover is not accepted")
        return resolution


class Callback(Strict):
    reached: bool
    csat: Annotated[int | None, Field(ge=1, le=5, validate_default=True)] = None
    nps: Annotated[int | None, Field(ge=0, le=10, validate_default=True)] = None
    comments: Notes = None

    @field_validator("csat", "nps")
    @classmethod
    def _scores_when_reached(cls, score: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("reached") and score is None:
            raise ValueError(f"{info.field_name} is required when the customer was reached")
        return score


class Cancel(Strict):
    reason: Text


class Reassignment(Strict):
    technician_id: Annotated[str, Field(min_length=1, max_length=32)]
    reason: Text


class SlaExtension(Strict):
    target: Target
    # service minutes on the target's calendar, at most 30 days' worth
    minutes: Annotated[int, Field(ge=1, le=30 * 24 * 60)]
    reason: Text


class Role(StrEnum):
    AGENT = "agent"
    TECHNICIAN = "technician"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"  # the workflow itself: timers, triage, the review


# the roles an API key can carry
HUMAN_ROLES = frozenset({Role.AGENT, Role.TECHNICIAN, Role.SUPERVISOR})


class Actor(BaseModel):
    role: Role
    id: str

    def __str__(self) -> str:
        return f"{self.role}:{self.id}"


SYSTEM = Actor(role=Role.SYSTEM, id="repairflow")
