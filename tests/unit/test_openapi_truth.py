"""The request models' JSON schema (the API's OpenAPI document) says what they take: the
schema and the model agree on each value, so a value the schema allows is accepted and one
it does not allow is refused. tests/integration/test_fuzz.py checks the same on the live
API with generated values."""

import functools
import re
from typing import Annotated, Any

import jsonschema_rs
import pytest
from pydantic import BaseModel, Field, ValidationError, create_model

from api.app import create_app
from api.queries import CURSOR_PATTERN, EPOCH, decode_cursor, encode_cursor
from api.schemas import HandoverRequest, QuoteDecisionRequest
from models.domain import (
    Appointment,
    Arrival,
    Assignment,
    Callback,
    Cancel,
    Diagnosis,
    Intake,
    QcCheck,
    Reassignment,
    RemoteResolution,
    Repair,
    SlaExtension,
    Strict,
    TriageOverride,
    trimmed_text,
)
from settings import Settings

COMPONENTS = create_app(Settings()).openapi()["components"]["schemas"]
MODELS: list[type[BaseModel]] = [
    Intake,
    RemoteResolution,
    Assignment,
    Diagnosis,
    QuoteDecisionRequest,
    Repair,
    QcCheck,
    HandoverRequest,
    Callback,
    Cancel,
    Reassignment,
    SlaExtension,
    TriageOverride,
    Appointment,
    Arrival,
]


@functools.cache
def validator(model: type[BaseModel]) -> Any:
    schema = {**COMPONENTS[model.__name__], "components": {"schemas": COMPONENTS}}
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def schema_takes(model: type[BaseModel], body: Any) -> bool:
    return validator(model).is_valid(body)


def model_takes(model: type[BaseModel], body: Any) -> bool:
    try:
        model.model_validate(body)  # python mode, from parsed JSON, as FastAPI validates a body
    except ValidationError:
        return False
    return True


def strings(schema: Any) -> list[dict]:
    if isinstance(schema, dict):
        own = [schema] if schema.get("type") == "string" else []
        return own + [s for value in schema.values() for s in strings(value)]
    if isinstance(schema, list):
        return [s for value in schema for s in strings(value)]
    return []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_string_of_a_body_says_what_it_takes(model):
    for schema in strings(COMPONENTS[model.__name__]):
        assert {"pattern", "enum", "const", "format"} & schema.keys(), schema
        if "pattern" in schema:
            assert not re.search(schema["pattern"], "a\x00b"), schema


@pytest.mark.parametrize("bounds", [(1, 1), (1, 2), (1, 200), (0, 4000), (3, 64)])
def test_a_trimmed_text_pattern_counts_what_pydantic_keeps(bounds):
    low, high = bounds
    pattern = trimmed_text(low, high)
    model = create_model("Text", __base__=Strict, text=(Annotated[str, Field(min_length=low, max_length=high)], ...))
    near = ["x" * (high - 1), "x" * high, "x" * (high + 1), "x" * max(low - 1, 0), "x" * low]
    for core in ["", "x", "a b", "a\x00b", *near]:
        for pad in ["", " ", "\u3000\t", "\x85\n", "\x1c"]:  # \x1c is no white space to pydantic
            text = pad + core + pad
            assert bool(re.fullmatch(pattern, text)) is model_takes(model, {"text": text}), (bounds, text)


ONE_PART = [{"part_number": "P-1", "quantity": 1}]
AGREE = [  # model, body: the schema and the model give the same verdict
    (Cancel, {"reason": "moved"}),
    (Cancel, {"reason": "   "}),
    (Cancel, {"reason": " " + "x" * 2000 + " "}),
    (Cancel, {"reason": "x" * 2001}),
    (Cancel, {"reason": "a\x00b"}),
    (RemoteResolution, {"resolved": True}),
    (RemoteResolution, {"resolved": 1}),
    (RemoteResolution, {"resolved": "yes"}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": 1.5}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": "1.5", "parts": ONE_PART}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": "200.00"}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": "200.01"}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": ""}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": "1e1"}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": " 1"}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": 1.255}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": "1", "parts": [{"part_number": "P-1", "quantity": "1"}]}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": "1", "parts": [{"part_number": "P-1", "quantity": 1.0}]}),
    (Diagnosis, {"fault_cause": "x", "labor_hours": "1", "parts": [{"part_number": "P-1", "quantity": True}]}),
    (QuoteDecisionRequest, {"approved": True, "quote_version": 1}),
    (QuoteDecisionRequest, {"approved": True, "quote_version": "1"}),
    (QuoteDecisionRequest, {"approved": True}),
    (QcCheck, {"passed": True, "checklist": {"spin": True}}),
    (QcCheck, {"passed": True, "checklist": {"spin": False}}),
    (QcCheck, {"passed": False, "checklist": {"spin": False}}),
    (QcCheck, {"passed": False, "checklist": {" ": False}}),
    (HandoverRequest, {"accepted": True, "signed_by": "W"}),
    (HandoverRequest, {"accepted": True, "signed_by": "W", "resolution": "rework"}),
    (HandoverRequest, {"accepted": False, "signed_by": "W"}),
    (HandoverRequest, {"accepted": False, "signed_by": "W", "resolution": None}),
    (HandoverRequest, {"accepted": False, "signed_by": "W", "resolution": "compensation"}),
    (
        HandoverRequest,
        {
            "accepted": False,
            "signed_by": "W",
            "resolution": "compensation",
            "compensation": {"type": "voucher", "amount": 5},
        },
    ),
    (HandoverRequest, {"accepted": True, "signed_by": "W", "compensation": {"type": "refund", "amount": "1.50"}}),
    (TriageOverride, {"reason": "r"}),
    (TriageOverride, {"priority": "P1", "reason": "r"}),
    (Callback, {"reached": True, "csat": 5, "nps": 9}),
    (Callback, {"reached": True, "csat": 5}),
    (Callback, {"reached": True, "csat": 5, "nps": None}),
    (Callback, {"reached": False}),
    (Callback, {"reached": False, "csat": 6}),
    (SlaExtension, {"target": "resolved", "minutes": 60, "reason": "x"}),
    (SlaExtension, {"target": "resolved", "minutes": "60", "reason": "x"}),
]


@pytest.mark.parametrize("model, body", AGREE, ids=range(len(AGREE)))
def test_the_schema_and_the_model_agree(model, body):
    assert schema_takes(model, body) is model_takes(model, body)


def intake(customer: dict | None = None, **product: Any) -> dict:
    return {
        "channel": "phone",
        "customer": {"name": "W", "phone": "13800138000", **(customer or {})},
        "product": {"category": "tv", "model": "X", "serial_number": "SN-1", "purchase_date": "2024-01-10", **product},
        "fault": {"description": "dead"},
    }


INTAKES = [  # patterns of their own, held to the text as sent: it is trimmed before they apply
    intake({"phone": "12345 "}),
    intake({"phone": "1272  "}),
    intake({"phone": " +86 138-0013-8000\t"}),
    intake({"phone": "+" + "1" * 20}),
    intake({"phone": "+" + "1" * 21}),
    intake({"email": None}),
    intake({"email": "  a@b.c  "}),
    intake({"email": "a@b.c" + " " * 196}),
    intake({"email": "a@b@c.d"}),
    intake(serial_number=" abc "),
    intake(serial_number=" ab "),
    intake(serial_number="a b c"),
]


@pytest.mark.parametrize("body", INTAKES, ids=range(len(INTAKES)))
def test_the_schema_and_the_model_agree_on_an_intake(body):
    assert schema_takes(Intake, body) is model_takes(Intake, body)


@pytest.mark.parametrize("date", ["2024-01-10", "0", 0, 1704844800, "2024-01-10T00:00:00", "2024-02-30"])
def test_a_purchase_date_is_a_date_text(date):
    body = {
        "channel": "phone",
        "customer": {"name": "W", "phone": "13800138000"},
        "product": {"category": "tv", "model": "X", "serial_number": "SN-1", "purchase_date": date},
        "fault": {"description": "dead"},
    }
    assert schema_takes(Intake, body) is model_takes(Intake, body) is (date == "2024-01-10")


def test_a_cursor_is_a_place_in_the_list():
    at = EPOCH.replace(year=2026, microsecond=123456)
    cursor = encode_cursor(at, "RC-20260101-ABCDEF")
    assert re.fullmatch(CURSOR_PATTERN, cursor)
    assert decode_cursor(cursor) == (at, "RC-20260101-ABCDEF")
    assert decode_cursor("0.x") == (EPOCH, "x")
