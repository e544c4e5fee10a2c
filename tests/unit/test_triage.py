"""Triage: warranty, repeat repair, priority and service mode."""

from datetime import date, timedelta

import pytest

from models.domain import Intake, Priority, ServiceMode, Warranty
from models.triage import PriorRepair, TriageRules, add_months, triage, warranty_end

RULES = TriageRules()
TODAY = date(2025, 6, 15)


def intake(
    category="washer",
    *,
    purchase=date(2025, 1, 1),
    severity="functional",
    safety=False,
    tier="standard",
    service_mode=None,
) -> Intake:
    return Intake.model_validate(
        {
            "channel": "phone",
            "customer": {"name": "Li Lei", "phone": "+86 138-0013-8000", "tier": tier},
            "product": {
                "category": category,
                "model": "M1",
                "serial_number": "SN-0001",
                "purchase_date": purchase.isoformat(),
            },
            "fault": {"description": "does not start", "safety_hazard": safety, "severity": severity},
            "service_mode": service_mode,
        }
    )


# ---- warranty -------------------------------------------------------------------


@pytest.mark.parametrize(
    "today,expected",
    [
        (date(2025, 3, 10), Warranty.IN),  # exactly purchase + 12 months: still covered
        (date(2025, 3, 9), Warranty.IN),
        (date(2025, 3, 11), Warranty.OUT),  # the day after
    ],
)
def test_warranty_boundary(today, expected):
    result = triage(intake(purchase=date(2024, 3, 10)), today, None, RULES)
    assert result.warranty is expected
    assert result.repeat_of is None
    if expected is Warranty.IN:
        assert "purchase warranty until 2025-03-10" in result.reasons
    else:
        assert "purchase warranty ended 2025-03-10" in result.reasons


@pytest.mark.parametrize(
    "category,today,expected",
    [
        ("tv", date(2026, 3, 10), Warranty.IN),  # 24 months for tv
        ("tv", date(2026, 3, 11), Warranty.OUT),
        ("washer", date(2025, 3, 11), Warranty.OUT),  # others keep the 12-month default
    ],
)
def test_per_category_warranty_override(category, today, expected):
    rules = TriageRules(warranty_months={"tv": 24})
    assert warranty_end(date(2024, 3, 10), category, rules) == (
        date(2026, 3, 10) if category == "tv" else date(2025, 3, 10)
    )
    assert triage(intake(category, purchase=date(2024, 3, 10)), today, None, rules).warranty is expected


def test_default_months_configurable():
    rules = TriageRules(warranty_months_default=6)
    assert warranty_end(date(2025, 1, 15), "washer", rules) == date(2025, 7, 15)


@pytest.mark.parametrize(
    "day,months,expected",
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 11, 15), 2, date(2026, 1, 15)),  # year roll-over
        (date(2025, 12, 31), 12, date(2026, 12, 31)),
        (date(2025, 5, 20), 0, date(2025, 5, 20)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_month_end_clamping_in_triage():
    rules = TriageRules(warranty_months_default=1)
    item = intake(purchase=date(2025, 1, 31))
    assert triage(item, date(2025, 2, 28), None, rules).warranty is Warranty.IN
    assert triage(item, date(2025, 3, 1), None, rules).warranty is Warranty.OUT


# ---- repeat repair ------------------------------------------------------------------


@pytest.mark.parametrize("days_since,is_repeat", [(0, True), (89, True), (90, True), (91, False)])
def test_repeat_repair_window(days_since, is_repeat):
    prior = PriorRepair(case_id="RC-1", closed_on=TODAY - timedelta(days=days_since))
    # purchase long ago: only a repeat repair can put it in warranty
    result = triage(intake(purchase=date(2020, 1, 1)), TODAY, prior, RULES)
    if is_repeat:
        assert result.repeat_of == "RC-1"
        assert result.warranty is Warranty.IN
        assert result.priority is Priority.P2
        assert "repeat of RC-1 within the repaired-part warranty" in result.reasons
        assert "repeat repair" in result.reasons
    else:
        assert result.repeat_of is None
        assert result.warranty is Warranty.OUT
        assert result.priority is Priority.P3


def test_repeat_within_purchase_warranty_still_linked():
    prior = PriorRepair(case_id="RC-9", closed_on=TODAY - timedelta(days=10))
    result = triage(intake(purchase=date(2025, 1, 1)), TODAY, prior, RULES)
    assert (result.warranty, result.repeat_of, result.priority) == (Warranty.IN, "RC-9", Priority.P2)


def test_repaired_part_window_configurable():
    prior = PriorRepair(case_id="RC-2", closed_on=TODAY - timedelta(days=31))
    rules = TriageRules(repaired_part_warranty_days=30)
    result = triage(intake(purchase=date(2020, 1, 1)), TODAY, prior, rules)
    assert (result.repeat_of, result.warranty) == (None, Warranty.OUT)


# ---- priority -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,priority,reason",
    [
        ({"safety": True}, Priority.P1, "safety hazard"),
        (
            {"category": "fridge", "severity": "total_failure"},
            Priority.P1,
            "total failure of a critical appliance (fridge)",
        ),
        (
            {"category": "air_conditioner", "severity": "total_failure"},
            Priority.P1,
            "total failure of a critical appliance (air_conditioner)",
        ),
        ({"category": "tv", "severity": "total_failure"}, Priority.P3, None),
        ({"category": "fridge", "severity": "functional"}, Priority.P3, None),
        ({"tier": "vip"}, Priority.P2, "VIP customer"),
        ({"severity": "cosmetic"}, Priority.P4, "cosmetic issue"),
        ({"severity": "consultation"}, Priority.P4, "consultation issue"),
        ({}, Priority.P3, None),
        # precedence
        ({"safety": True, "tier": "vip"}, Priority.P1, "safety hazard"),
        ({"safety": True, "severity": "cosmetic"}, Priority.P1, "safety hazard"),
        (
            {"category": "fridge", "severity": "total_failure", "tier": "vip"},
            Priority.P1,
            "total failure of a critical appliance (fridge)",
        ),
        ({"tier": "vip", "severity": "cosmetic"}, Priority.P2, "VIP customer"),
    ],
)
def test_priority(kwargs, priority, reason):
    result = triage(intake(**kwargs), TODAY, None, RULES)
    assert result.priority is priority
    if reason:
        assert reason in result.reasons
    # the only reason of a P3 without repeat is the warranty line
    if priority is Priority.P3:
        assert len(result.reasons) == 1


def test_safety_hazard_reason_only_once_with_vip():
    result = triage(intake(safety=True, tier="vip"), TODAY, None, RULES)
    assert "VIP customer" not in result.reasons


def test_repeat_beats_cosmetic():
    prior = PriorRepair(case_id="RC-3", closed_on=TODAY - timedelta(days=5))
    assert triage(intake(severity="cosmetic"), TODAY, prior, RULES).priority is Priority.P2


def test_critical_categories_configurable():
    rules = TriageRules(critical_categories=frozenset({"tv"}))
    assert triage(intake("tv", severity="total_failure"), TODAY, None, rules).priority is Priority.P1
    assert triage(intake("fridge", severity="total_failure"), TODAY, None, rules).priority is Priority.P3


# ---- service mode -------------------------------------------------------------------


@pytest.mark.parametrize(
    "category,severity,mode",
    [
        ("phone", "functional", ServiceMode.CARRY_IN),
        ("laptop", "total_failure", ServiceMode.CARRY_IN),
        ("washer", "functional", ServiceMode.ON_SITE),
        ("fridge", "functional", ServiceMode.ON_SITE),
        ("air_conditioner", "cosmetic", ServiceMode.ON_SITE),
        ("tv", "functional", ServiceMode.ON_SITE),
        ("washer", "consultation", ServiceMode.REMOTE),
        ("phone", "consultation", ServiceMode.REMOTE),
    ],
)
def test_default_service_mode(category, severity, mode):
    assert triage(intake(category, severity=severity), TODAY, None, RULES).service_mode is mode


@pytest.mark.parametrize(
    "category,severity,explicit",
    [
        ("washer", "functional", "mail_in"),
        ("phone", "functional", "on_site"),
        ("fridge", "consultation", "on_site"),
        ("tv", "functional", "remote"),
    ],
)
def test_explicit_service_mode_wins(category, severity, explicit):
    result = triage(intake(category, severity=severity, service_mode=explicit), TODAY, None, RULES)
    assert result.service_mode is ServiceMode(explicit)
