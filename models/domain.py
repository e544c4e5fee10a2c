"""Domain value types and the inputs of human actions.

They are Temporal payloads (through the pydantic data converter) and the API takes
them as request bodies, so each rule on a field lives here once. Their JSON schema, which
is the API's OpenAPI description, says exactly what they take: a value the schema allows
is accepted unless a business rule on the case or the catalog refuses it, and a value it
does not allow is refused.
"""

import re
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from models.messages import DEFAULT_CONTACT_CHANNELS, ContactChannel
from models.sla import Target

NUL_MESSAGE = "must not contain a NUL character"

# the white space a Strict string loses at both ends (pydantic trims Unicode White_Space),
# spelled out: `\s` is not the same set in the API's, the schema validators' and Python's regexes
SPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def trimmed_text(min_length: int = 0, max_length: int | None = None) -> str:
    """The regex of a Strict string: no NUL anywhere, and `min_length` to `max_length`
    characters once trimmed (its length limits count the trimmed text, so they live here
    and not in minLength/maxLength, which count the text as sent)."""
    space, edge, inner = f"[{SPACE}]*", rf"[^\x00{SPACE}]", r"[^\x00]"
    if max_length == 1:
        core = edge
    elif min_length >= 2:
        core = f"{edge}{inner}{{{min_length - 2},{'' if max_length is None else max_length - 2}}}{edge}"
    else:
        core = f"{edge}(?:{inner}{{0,{'' if max_length is None else max_length - 2}}}{edge})?"
    return f"^{space}{core if min_length else f'(?:{core})?'}{space}$"


def as_sent(trimmed: str) -> str:
    """The schema pattern of a Strict string whose trimmed text matches `trimmed` (a regex that
    neither starts nor ends with white space): white space may come around it."""
    return f"^[{SPACE}]*{trimmed}[{SPACE}]*$"


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(_has_nul, value))
    return False


def _describe_strings(schema: Any) -> None:
    """Gives each string of a Strict model's schema the pattern of what the model takes."""
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not {"pattern", "enum", "const", "format"} & schema.keys():
        low, high = schema.pop("minLength", 0), schema.pop("maxLength", None)
        schema["pattern"] = trimmed_text(low, high)
        size = f"{low}–{high}" if low else f"up to {high}"
        schema.setdefault("description", f"{size} characters once trimmed; no NUL")
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            _describe_strings(branch)
    if isinstance(schema.get("propertyNames"), dict):  # a dict's keys: strings, their type left unsaid
        schema["propertyNames"] = {"type": "string", **schema["propertyNames"]}
    for key in ("items", "additionalProperties", "propertyNames"):
        _describe_strings(schema.get(key))
    for prop in schema.get("properties", {}).values():
        _describe_strings(prop)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    # rules across fields, in JSON schema terms (if/then/else) for the OpenAPI description;
    # the model's validators enforce them
    json_rules: ClassVar[dict[str, Any]] = {}

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL text cannot hold NUL: refused here, it never reaches a write that would fail
        if _has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        own = handler.resolve_ref_schema(json_schema)
        _describe_strings(own)
        own.update(cls.json_rules)
        return json_schema


def _json_integer(value: object) -> object:
    # JSON's integers, 5 or 5.0; not "5" or true, which pydantic would otherwise read as 5 and 1
    if isinstance(value, bool | str):
        raise ValueError("Input should be a valid integer")
    return value


DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    # a date as the schema's format says (YYYY-MM-DD), not a timestamp or a date-time
    if isinstance(value, str) and DATE_TEXT.fullmatch(value) or isinstance(value, date):
        return value
    raise ValueError("Input should be a date as YYYY-MM-DD")


# 0 to 200 with at most two decimals, as a JSON number or as text
HOURS_TEXT = r"^(?:200(?:\.00?)?|1[0-9]{2}(?:\.[0-9]{1,2})?|[1-9]?[0-9](?:\.[0-9]{1,2})?)$"


AMOUNT_TEXT = r"^(?:1000000(?:\.0{1,2})?|(?:0|[1-9][0-9]{0,5})(?:\.[0-9]{1,2})?)$"


def _amount_text(value: object, info: ValidationInfo) -> object:
    if info.mode == "python" and isinstance(value, str) and not re.fullmatch(AMOUNT_TEXT, value):
        raise ValueError("an amount is a number from 0 to 1000000 with at most two decimals")
    return value


def _hours_text(value: object, info: ValidationInfo) -> object:
    # a request's text (FastAPI validates in python mode) is read as HOURS_TEXT says; a Temporal
    # payload (JSON mode) keeps the reading it was written with
    if info.mode == "python" and isinstance(value, str) and not re.fullmatch(HOURS_TEXT, value):
        raise ValueError("labor hours are a number from 0 to 200 with at most two decimals")
    return value


# after a field's limits, so its schema keeps them as minimum and maximum
JSON_INTEGER = BeforeValidator(_json_integer)


def _at_most(length: int) -> BeforeValidator:
    """A length limit on the text as sent, for a pattern that cannot count the trimmed text."""

    def check(value: object) -> object:
        if isinstance(value, str) and len(value) > length:
            raise ValueError(f"String should have at most {length} characters")
        return value

    return BeforeValidator(check)


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
Hours = Annotated[
    Decimal,
    Field(ge=0, le=200, max_digits=6, decimal_places=2),
    BeforeValidator(_hours_text),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 200, "multipleOf": 0.01},
                {"type": "string", "pattern": HOURS_TEXT},
            ]
        }
    ),
]


_EMAIL = rf"[^@\x00{SPACE}]+@[^@\x00{SPACE}]+\.[^@\x00{SPACE}]+"


Phone = Annotated[
    str,
    Field(max_length=21, pattern=r"^\+?[0-9][0-9 \-]{4,19}$"),
    WithJsonSchema({"type": "string", "pattern": as_sent(r"\+?[0-9][0-9 \-]{3,18}[0-9\-]")}),
]
Email = Annotated[
    str | None,
    Field(max_length=200, pattern=f"^{_EMAIL}$"),
    _at_most(200),  # after the limits, which then stay on the text rather than the field
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": 200, "pattern": as_sent(_EMAIL)}, {"type": "null"}]}),
]
# the WeChat official account's id of a person who follows it
WechatOpenId = Annotated[
    str | None,
    Field(pattern=r"^[A-Za-z0-9_\-]{6,64}$"),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": as_sent(r"[A-Za-z0-9_\-]{6,64}")}, {"type": "null"}]}),
]


def _each_channel_once(channels: list[ContactChannel]) -> list[ContactChannel]:
    if len(set(channels)) != len(channels):
        raise ValueError("a channel may be listed once")
    return channels


PreferredChannels = Annotated[
    list[ContactChannel],
    Field(
        min_length=1,
        max_length=3,
        description="first choice first; no channel twice",
        json_schema_extra={"uniqueItems": True},
    ),
    AfterValidator(_each_channel_once),
]


def _unused(value: object) -> bool:
    """Workers of the release before refuse a field they do not know: a new field left unused
    is not sent (`exclude_if`), so a payload that uses nothing new reads the same to them."""
    return value is None or value == list(DEFAULT_CONTACT_CHANNELS)


class Customer(Strict):
    name: Name
    # the schema's pattern is the same rule on the text as sent: trimmed, the number ends in a digit or a dash
    phone: Phone
    email: Email = None
    address: Annotated[str | None, Field(max_length=500)] = None
    locale: Literal["zh-CN", "en"] = "zh-CN"
    tier: Literal["standard", "vip"] = "standard"
    # the WeChat official account's id of this customer, when they follow it
    wechat_openid: Annotated[WechatOpenId, Field(exclude_if=_unused)] = None
    # the channels to reach them on, first choice first; one they lack an address for is skipped
    preferred_channels: Annotated[PreferredChannels, Field(exclude_if=_unused)] = Field(
        default_factory=lambda: list(DEFAULT_CONTACT_CHANNELS)
    )
    # the service region the case is served in: one of GET /api/v1/regions (the API checks it)
    region: Annotated[str | None, Field(min_length=1, max_length=64), Field(exclude_if=_unused)] = None


class Product(Strict):
    category: Category
    model: Name
    serial_number: Annotated[
        str,
        Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9\-_/.]+$"),
        WithJsonSchema({"type": "string", "pattern": as_sent(r"[A-Za-z0-9\-_/.]{3,64}")}),
    ]
    purchase_date: Annotated[date, BeforeValidator(_iso_date), Field(description="not in the future")]


class Fault(Strict):
    description: Text
    safety_hazard: StrictBool = False
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
    quantity: Annotated[int, Field(ge=1, le=100), JSON_INTEGER]


class RemoteResolution(Strict):
    resolved: StrictBool
    notes: Notes = None


class Assignment(Strict):
    technician_id: Annotated[str, Field(min_length=1, max_length=32)]


class Diagnosis(Strict):
    fault_cause: Text
    parts: list[PartQty] = Field(default_factory=list, max_length=50)
    labor_hours: Hours
    notes: Notes = None
    # one of GET /api/v1/fault-codes for the product's category, beside the free text
    fault_code: Annotated[
        str | None,
        Field(pattern=r"^[A-Z0-9][A-Z0-9\-]{1,31}$", exclude_if=_unused),
        WithJsonSchema(
            {"anyOf": [{"type": "string", "pattern": as_sent(r"[A-Z0-9][A-Z0-9\-]{1,31}")}, {"type": "null"}]}
        ),
    ] = None


class QuoteDecision(Strict):
    approved: StrictBool
    note: Notes = None
    # when given, the decision only applies to that version of the quote
    quote_version: Annotated[int, Field(ge=1), JSON_INTEGER] | None = None


class Repair(Strict):
    parts_used: list[PartQty] = Field(default_factory=list, max_length=50)
    labor_hours: Hours
    notes: Notes = None


class QcCheck(Strict):
    passed: StrictBool
    checklist: dict[Annotated[str, Field(min_length=1, max_length=100)], StrictBool] = Field(
        default_factory=dict, max_length=50
    )
    notes: Notes = None
    json_rules = {
        "if": {"properties": {"passed": {"const": True}}, "required": ["passed"]},
        "then": {"properties": {"checklist": {"additionalProperties": {"const": True}}}},
    }

    @field_validator("checklist")
    @classmethod
    def _checklist_agrees(cls, checklist: dict[str, bool], info: ValidationInfo) -> dict[str, bool]:
        if info.data.get("passed") and not all(checklist.values()):
            raise ValueError("a QC pass needs every checklist item true")
        return checklist


Amount = Annotated[
    Decimal,
    Field(ge=0, le=1_000_000, max_digits=9, decimal_places=2),
    BeforeValidator(_amount_text),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1000000, "multipleOf": 0.01},
                {"type": "string", "pattern": AMOUNT_TEXT},
            ]
        }
    ),
]


class Compensation(Strict):
    """What the customer gets for a repair they refused: a refund, a voucher, a replacement
    device or a free repair, and its value (the currency of quotes)."""

    type: Literal["refund", "voucher", "replacement", "free_repair"]
    amount: Amount


class Handover(Strict):
    accepted: StrictBool
    signed_by: Name
    remarks: Notes = None
    resolution: Annotated[Literal["rework", "compensation"] | None, Field(validate_default=True)] = None
    # with resolution compensation (the API requires it; cases in flight recorded it without)
    compensation: Annotated[Compensation | None, Field(exclude_if=_unused)] = None

    @model_validator(mode="after")
    def _compensation_only_when_compensated(self) -> "Handover":
        if self.compensation is not None and self.resolution != "compensation":
            raise ValueError("compensation only applies with resolution compensation")
        return self

    json_rules = {
        "allOf": [
            {
                "if": {"properties": {"accepted": {"const": False}}, "required": ["accepted"]},
                "then": {
                    "required": ["resolution"],
                    "properties": {"resolution": {"enum": ["rework", "compensation"]}},
                },
                "else": {"properties": {"resolution": {"type": "null"}}},
            },
            {
                "if": {"properties": {"resolution": {"const": "compensation"}}, "required": ["resolution"]},
                "else": {"properties": {"compensation": {"type": "null"}}},
            },
        ]
    }

    @field_validator("resolution")
    @classmethod
    def _resolution_when_refused(cls, resolution: str | None, info: ValidationInfo) -> str | None:
        accepted = info.data.get("accepted")
        if accepted is False and resolution is None:
            raise ValueError("resolution is required when the handover is not accepted")
        if accepted and resolution is not None:
            raise ValueError("resolution only applies when the handover is not accepted")
        return resolution


Score5 = Annotated[int, Field(ge=1, le=5), JSON_INTEGER] | None
Score7 = Annotated[int, Field(ge=1, le=7), JSON_INTEGER] | None
Score10 = Annotated[int, Field(ge=0, le=10), JSON_INTEGER] | None


class Callback(Strict):
    """The callback survey: CSAT and NPS when the customer was reached; customer effort
    (CES), the technician's attitude and professionalism when they answer them."""

    reached: StrictBool
    csat: Annotated[Score5, Field(validate_default=True)] = None
    nps: Annotated[Score10, Field(validate_default=True)] = None
    ces: Annotated[Score7, Field(exclude_if=_unused)] = None
    attitude: Annotated[Score5, Field(exclude_if=_unused)] = None
    professionalism: Annotated[Score5, Field(exclude_if=_unused)] = None
    # the tracking page's survey calls it `comment`
    comments: Annotated[Notes, Field(validation_alias=AliasChoices("comments", "comment"))] = None
    json_rules = {
        "if": {"properties": {"reached": {"const": True}}, "required": ["reached"]},
        "then": {"required": ["csat", "nps"], "properties": {"csat": {"type": "integer"}, "nps": {"type": "integer"}}},
    }

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
    minutes: Annotated[int, Field(ge=1, le=30 * 24 * 60), JSON_INTEGER]
    reason: Text


class TriageOverride(Strict):
    """A person's correction of the triage: any of the three, with the reason."""

    priority: Priority | None = None
    warranty: Warranty | None = None
    service_mode: ServiceMode | None = None
    reason: Text
    json_rules = {"anyOf": [{"required": ["priority"]}, {"required": ["warranty"]}, {"required": ["service_mode"]}]}

    @model_validator(mode="after")
    def _changes_something(self) -> "TriageOverride":
        if self.priority is None and self.warranty is None and self.service_mode is None:
            raise ValueError("give at least one of priority, warranty and service_mode")
        return self


class Appointment(Strict):
    """The visit window agreed with the customer (aware times)."""

    visit_from: AwareDatetime
    visit_by: AwareDatetime
    note: Notes = None

    @model_validator(mode="after")
    def _a_window(self) -> "Appointment":
        if not (2000 <= self.visit_from.year <= 2100 and 2000 <= self.visit_by.year <= 2100):
            raise ValueError("a visit is booked between the years 2000 and 2100")
        if self.visit_by <= self.visit_from:
            raise ValueError("visit_by must come after visit_from")
        if self.visit_by - self.visit_from > timedelta(hours=12):
            raise ValueError("a visit window is at most 12 hours")
        return self


class Arrival(Strict):
    note: Notes = None


class Role(StrEnum):
    AGENT = "agent"
    TECHNICIAN = "technician"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"  # the workflow itself: timers, triage, the review
    CUSTOMER = "customer"  # on their tracking page: the quote decision and the survey


# the roles an API key can carry
HUMAN_ROLES = frozenset({Role.AGENT, Role.TECHNICIAN, Role.SUPERVISOR})


class Actor(BaseModel):
    role: Role
    id: str

    def __str__(self) -> str:
        return f"{self.role}:{self.id}"


SYSTEM = Actor(role=Role.SYSTEM, id="repairflow")
