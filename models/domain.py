"""Domain value types and the inputs of human actions.

They are Temporal payloads (through the pydantic data converter) and the API takes
them as request bodies, so each rule on a field lives here once.
"""
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
Notes = Annotated[str | None, Field(default=None, max_length=4000)]
Hours = Annotated[Decimal, Field(ge=0, le=200, max_digits=6, decimal_places=2)]


class Customer(Strict):
    name: Name
    phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 \-]{4,19}$")]
    email: Annotated[str | None, Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    address: Annotated[str | None, Field(default=None, max_length=500)]
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
    notes: Notes


class Assignment(Strict):
    technician_id: Annotated[str, Field(min_length=1, max_length=32)]


class Diagnosis(Strict):
    fault_cause: Text
    parts: list[PartQty] = Field(default_factory=list, max_length=50)
    labor_hours: Hours
    notes: Notes


class QuoteDecision(Strict):
    approved: bool
    note: Notes
    # when given, the decision only applies to that version of the quote
    quote_version: Annotated[int | None, Field(default=None, ge=1)]


class Repair(Strict):
    parts_used: list[PartQty] = Field(default_factory=list, max_length=50)
    labor_hours: Hours
    notes: Notes


class QcCheck(Strict):
    passed: bool
    checklist: dict[Annotated[str, Field(min_length=1, max_length=100)], bool] = Field(
        default_factory=dict, max_length=50
    )
    notes: Notes

    @model_validator(mode="after")
    def _checklist_agrees(self) -> "QcCheck":
        if self.passed and not all(self.checklist.values()):
            raise ValueError("a QC pass needs every checklist item true")
        return self


class Handover(Strict):
    accepted: bool
    signed_by: Name
    remarks: Notes
    resolution: Literal["rework", "compensation"] | None = None

    @model_validator(mode="after")
    def _resolution_when_refused(self) -> "Handover":
        if not self.accepted and self.resolution is None:
            raise ValueError("resolution is required when the handover is not accepted")
        if self.accepted and self.resolution is not None:
            raise ValueError("resolution only applies when the handover is not accepted")
        return self


class Callback(Strict):
    reached: bool
    csat: Annotated[int | None, Field(default=None, ge=1, le=5)]
    nps: Annotated[int | None, Field(default=None, ge=0, le=10)]
    comments: Notes

    @model_validator(mode="after")
    def _scores_when_reached(self) -> "Callback":
        if self.reached and (self.csat is None or self.nps is None):
            raise ValueError("csat and nps are required when the customer was reached")
        return self


class Cancel(Strict):
    reason: Text


class Actor(BaseModel):
    role: Literal["agent", "technician", "supervisor", "system"]
    id: str

    def __str__(self) -> str:
        return f"{self.role}:{self.id}"


SYSTEM = Actor(role="system", id="repairflow")
