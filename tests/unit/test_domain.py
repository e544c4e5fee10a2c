"""Validation rules of the domain value types."""

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from models.domain import (
    SYSTEM,
    Actor,
    Assignment,
    Callback,
    Cancel,
    Category,
    Channel,
    Customer,
    Diagnosis,
    Fault,
    Handover,
    Intake,
    PartQty,
    Product,
    QcCheck,
    QuoteDecision,
    RemoteResolution,
    Repair,
    ServiceMode,
    Severity,
)

CUSTOMER = {"name": "Li Lei", "phone": "13800138000"}
PRODUCT = {"category": "washer", "model": "W-1", "serial_number": "SN-1", "purchase_date": "2025-01-01"}
FAULT = {"description": "leaks"}
INTAKE = {"channel": "web", "customer": CUSTOMER, "product": PRODUCT, "fault": FAULT}


def test_enum_values_match_design():
    assert {c.value for c in Channel} == {"phone", "web", "wechat", "app", "store", "email"}
    assert {m.value for m in ServiceMode} == {"on_site", "carry_in", "mail_in", "remote"}


def test_intake_defaults():
    intake = Intake.model_validate(INTAKE)
    assert intake.channel is Channel.WEB
    assert intake.product.category is Category.WASHER
    assert intake.product.purchase_date == date(2025, 1, 1)
    assert (intake.customer.locale, intake.customer.tier, intake.customer.email) == ("zh-CN", "standard", None)
    assert (intake.fault.safety_hazard, intake.fault.severity) == (False, Severity.FUNCTIONAL)
    assert intake.service_mode is None


@pytest.mark.parametrize(
    "model,data",
    [
        (Intake, INTAKE | {"priority": "P1"}),
        (Intake, INTAKE | {"customer": CUSTOMER | {"vip": True}}),
        (Intake, INTAKE | {"product": PRODUCT | {"color": "red"}}),
        (Intake, INTAKE | {"fault": FAULT | {"urgent": True}}),
        (Assignment, {"technician_id": "T-1", "provider": "x"}),
        (Callback, {"reached": False, "score": 3}),
        (Cancel, {"reason": "changed mind", "force": True}),
        (QcCheck, {"passed": True, "inspector": "Q-1"}),
        (PartQty, {"part_number": "P-1", "quantity": 1, "price": 3}),
    ],
)
def test_extra_fields_rejected(model, data):
    with pytest.raises(ValidationError) as err:
        model.model_validate(data)
    assert any(e["type"] == "extra_forbidden" for e in err.value.errors())


@pytest.mark.parametrize(
    "phone,ok",
    [
        ("13800138000", True),
        ("+86 138-0013-8000", True),
        ("12345", True),  # shortest: 5 characters
        ("1" * 20, True),  # longest: 20 characters
        ("+" + "1" * 20, True),
        ("1234", False),
        ("1" * 21, False),
        ("-13800138000", False),  # must start with a digit (after an optional +)
        ("138 0013 800a", False),
        ("++8613800138000", False),
        ("", False),
    ],
)
def test_phone_pattern(phone, ok):
    data = CUSTOMER | {"phone": phone}
    if ok:
        assert Customer.model_validate(data).phone == phone
    else:
        with pytest.raises(ValidationError):
            Customer.model_validate(data)


def test_phone_whitespace_is_stripped():
    assert Customer.model_validate(CUSTOMER | {"phone": "  13800138000 "}).phone == "13800138000"


@pytest.mark.parametrize(
    "email,ok",
    [
        ("li.lei@example.com", True),
        ("a@b.cn", True),
        ("li lei@example.com", False),
        ("lilei@example", False),
        ("@example.com", False),
        ("lilei@@example.com", False),
        ("lilei.example.com", False),
    ],
)
def test_email_pattern(email, ok):
    data = CUSTOMER | {"email": email}
    if ok:
        assert Customer.model_validate(data).email == email
    else:
        with pytest.raises(ValidationError):
            Customer.model_validate(data)


@pytest.mark.parametrize(
    "field,value",
    [
        ("locale", "fr"),
        ("tier", "gold"),
        ("name", ""),
        ("name", "x" * 201),
    ],
)
def test_customer_field_limits(field, value):
    with pytest.raises(ValidationError):
        Customer.model_validate(CUSTOMER | {field: value})


@pytest.mark.parametrize(
    "serial,ok",
    [
        ("SN-1", True),
        ("ab/c.d_e", True),
        ("AB", False),
        ("SN 1", False),
        ("x" * 65, False),
    ],
)
def test_serial_number(serial, ok):
    data = PRODUCT | {"serial_number": serial}
    if ok:
        assert Product.model_validate(data).serial_number == serial
    else:
        with pytest.raises(ValidationError):
            Product.model_validate(data)


@pytest.mark.parametrize(
    "data",
    [
        PRODUCT | {"category": "microwave"},
        PRODUCT | {"purchase_date": "2025-02-30"},
    ],
)
def test_product_invalid(data):
    with pytest.raises(ValidationError):
        Product.model_validate(data)


@pytest.mark.parametrize(
    "data",
    [
        INTAKE | {"channel": "fax"},
        INTAKE | {"service_mode": "teleport"},
        INTAKE | {"fault": {"description": ""}},
        INTAKE | {"fault": {"description": "   "}},  # stripped to empty
        INTAKE | {"fault": FAULT | {"severity": "minor"}},
    ],
)
def test_intake_invalid(data):
    with pytest.raises(ValidationError):
        Intake.model_validate(data)


# ---- handover -------------------------------------------------------------------


@pytest.mark.parametrize(
    "accepted,resolution,ok",
    [
        (True, None, True),
        (False, "rework", True),
        (False, "compensation", True),
        (False, None, False),  # refused needs a resolution
        (True, "rework", False),  # accepted refuses one
        (True, "compensation", False),
        (False, "refund", False),
    ],
)
def test_handover_resolution(accepted, resolution, ok):
    data = {"accepted": accepted, "signed_by": "Li Lei", "resolution": resolution}
    if ok:
        handover = Handover.model_validate(data)
        assert (handover.accepted, handover.resolution) == (accepted, resolution)
    else:
        with pytest.raises(ValidationError):
            Handover.model_validate(data)


def test_handover_needs_signature():
    with pytest.raises(ValidationError):
        Handover.model_validate({"accepted": True, "signed_by": ""})


# ---- callback -------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,ok",
    [
        ({"reached": True, "csat": 5, "nps": 10}, True),
        ({"reached": True, "csat": 1, "nps": 0}, True),
        ({"reached": True, "csat": 4}, False),
        ({"reached": True, "nps": 8}, False),
        ({"reached": True}, False),
        ({"reached": False}, True),
        ({"reached": False, "comments": "no answer"}, True),
        ({"reached": True, "csat": 0, "nps": 5}, False),
        ({"reached": True, "csat": 6, "nps": 5}, False),
        ({"reached": True, "csat": 3, "nps": -1}, False),
        ({"reached": True, "csat": 3, "nps": 11}, False),
        ({"reached": False, "csat": 6}, False),  # ranges hold even when not reached
    ],
)
def test_callback(data, ok):
    if ok:
        callback = Callback.model_validate(data)
        assert (callback.csat, callback.nps) == (data.get("csat"), data.get("nps"))
    else:
        with pytest.raises(ValidationError):
            Callback.model_validate(data)


# ---- QC -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "passed,checklist,ok",
    [
        (True, {"leak_test": True, "spin": True}, True),
        (True, {}, True),
        (True, {"leak_test": True, "spin": False}, False),
        (False, {"leak_test": True, "spin": False}, True),
        (False, {"leak_test": True}, True),
    ],
)
def test_qc_checklist_agrees(passed, checklist, ok):
    data = {"passed": passed, "checklist": checklist}
    if ok:
        assert QcCheck.model_validate(data).checklist == checklist
    else:
        with pytest.raises(ValidationError, match="every checklist item true"):
            QcCheck.model_validate(data)


def test_qc_checklist_limits():
    with pytest.raises(ValidationError):
        QcCheck.model_validate({"passed": False, "checklist": {"": True}})
    with pytest.raises(ValidationError):
        QcCheck.model_validate({"passed": False, "checklist": {f"item{i}": True for i in range(51)}})


# ---- parts, hours, other actions -----------------------------------------------


@pytest.mark.parametrize("quantity,ok", [(1, True), (100, True), (0, False), (-1, False), (101, False)])
def test_part_quantity(quantity, ok):
    if ok:
        assert PartQty(part_number="P-1", quantity=quantity).quantity == quantity
    else:
        with pytest.raises(ValidationError):
            PartQty(part_number="P-1", quantity=quantity)


def test_part_number_required():
    with pytest.raises(ValidationError):
        PartQty(part_number="", quantity=1)


@pytest.mark.parametrize(
    "hours,ok",
    [
        ("0", True),
        ("1.25", True),
        ("200", True),
        ("-0.5", False),
        ("200.01", False),
        ("1.255", False),
    ],
)
def test_labor_hours(hours, ok):
    data = {"fault_cause": "pump", "labor_hours": hours}
    if ok:
        assert Diagnosis.model_validate(data).labor_hours == Decimal(hours)
        assert Repair.model_validate({"labor_hours": hours}).labor_hours == Decimal(hours)
    else:
        with pytest.raises(ValidationError):
            Diagnosis.model_validate(data)
        with pytest.raises(ValidationError):
            Repair.model_validate({"labor_hours": hours})


def test_diagnosis_parts_limit():
    parts = [{"part_number": f"P-{i}", "quantity": 1} for i in range(51)]
    with pytest.raises(ValidationError):
        Diagnosis.model_validate({"fault_cause": "x", "labor_hours": "1", "parts": parts})
    diag = Diagnosis.model_validate({"fault_cause": "x", "labor_hours": "1", "parts": parts[:50]})
    assert len(diag.parts) == 50 and diag.parts[0] == PartQty(part_number="P-0", quantity=1)


@pytest.mark.parametrize("version,ok", [(None, True), (1, True), (3, True), (0, False)])
def test_quote_decision_version(version, ok):
    data = {"approved": True, "quote_version": version}
    if ok:
        assert QuoteDecision.model_validate(data).quote_version == version
    else:
        with pytest.raises(ValidationError):
            QuoteDecision.model_validate(data)


@pytest.mark.parametrize(
    "model,data",
    [
        (Assignment, {"technician_id": ""}),
        (Assignment, {"technician_id": "x" * 33}),
        (Cancel, {"reason": ""}),
        (RemoteResolution, {"resolved": True, "notes": "x" * 4001}),
        (Fault, {"description": "x" * 2001}),
    ],
)
def test_length_limits(model, data):
    with pytest.raises(ValidationError):
        model.model_validate(data)


def test_actor_str():
    assert str(Actor(role="agent", id="A-7")) == "agent:A-7"
    assert str(SYSTEM) == "system:repairflow"
    with pytest.raises(ValidationError):
        Actor(role="robot", id="c-1")
