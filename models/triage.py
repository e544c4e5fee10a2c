"""Triage rules: warranty, repeat repair, service mode and priority. Pure."""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from models.domain import Category, Intake, Priority, ServiceMode, Severity, Warranty

CARRY_IN_CATEGORIES = frozenset({Category.PHONE, Category.LAPTOP})


@dataclass(frozen=True)
class TriageRules:
    warranty_months_default: int = 12
    warranty_months: dict[str, int] = field(default_factory=dict)
    repaired_part_warranty_days: int = 90
    critical_categories: frozenset[str] = frozenset({"fridge", "air_conditioner"})


@dataclass(frozen=True)
class PriorRepair:
    case_id: str
    closed_on: date


@dataclass(frozen=True)
class Triage:
    warranty: Warranty
    service_mode: ServiceMode
    priority: Priority
    repeat_of: str | None
    reasons: tuple[str, ...]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_end(purchase_date: date, category: str, rules: TriageRules) -> date:
    months = rules.warranty_months.get(category, rules.warranty_months_default)
    return add_months(purchase_date, months)


def repeat_repair(prior: PriorRepair | None, today: date, rules: TriageRules) -> str | None:
    if prior is None:
        return None
    if today - prior.closed_on <= timedelta(days=rules.repaired_part_warranty_days):
        return prior.case_id
    return None


def default_service_mode(intake: Intake) -> ServiceMode:
    if intake.fault.severity is Severity.CONSULTATION:
        return ServiceMode.REMOTE
    if intake.product.category in CARRY_IN_CATEGORIES:
        return ServiceMode.CARRY_IN
    return ServiceMode.ON_SITE


def dispatch_mode(category: str) -> ServiceMode:
    """Remote guidance did not solve it: a technician goes out, or the device comes in."""
    return ServiceMode.CARRY_IN if category in CARRY_IN_CATEGORIES else ServiceMode.ON_SITE


def triage(intake: Intake, today: date, prior: PriorRepair | None, rules: TriageRules) -> Triage:
    reasons: list[str] = []
    repeat_of = repeat_repair(prior, today, rules)
    end = warranty_end(intake.product.purchase_date, intake.product.category, rules)
    if today <= end:
        warranty = Warranty.IN
        reasons.append(f"purchase warranty until {end.isoformat()}")
    elif repeat_of:
        warranty = Warranty.IN
        reasons.append(f"repeat of {repeat_of} within the repaired-part warranty")
    else:
        warranty = Warranty.OUT
        reasons.append(f"purchase warranty ended {end.isoformat()}")

    fault, category = intake.fault, intake.product.category
    if fault.safety_hazard:
        priority = Priority.P1
        reasons.append("safety hazard")
    elif fault.severity is Severity.TOTAL_FAILURE and category in rules.critical_categories:
        priority = Priority.P1
        reasons.append(f"total failure of a critical appliance ({category})")
    elif intake.customer.tier == "vip":
        priority = Priority.P2
        reasons.append("VIP customer")
    elif repeat_of:
        priority = Priority.P2
        reasons.append("repeat repair")
    elif fault.severity in (Severity.COSMETIC, Severity.CONSULTATION):
        priority = Priority.P4
        reasons.append(f"{fault.severity} issue")
    else:
        priority = Priority.P3

    service_mode = intake.service_mode or default_service_mode(intake)
    return Triage(warranty, service_mode, priority, repeat_of, tuple(reasons))
